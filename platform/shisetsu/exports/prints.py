"""Prints of personal data are records: each one writes a ledger row (管理簿: when, who,
what, how many) and an access-log entry, and the paper carries who printed it, when, its
ledger number and what to do with it afterwards.

A print is made by the server (a PDF the browser shows and prints), so there is no way to
put personal data on paper without passing here; the pages themselves print only a note
pointing to their print button (``no-print`` in the stylesheet).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.dates import format_day_time
from shisetsu.exports.models import ExportLedger
from shisetsu.exports.operations import PRINTED
from shisetsu.people.models import Staff
from shisetsu.printing import PrintMark


@dataclass(frozen=True)
class PrintJob:
    """What is printed: the ledger's content key, the log's record, how many records."""

    content: str
    record_type: str
    record_id: object
    count: int
    disposal: str


def record_print(
    session: Session,
    staff: Staff,
    job: PrintJob,
    render: Callable[[PrintMark], bytes],
    *,
    actor: audit.Actor,
    now: datetime,
    locale: str,
    timezone: str,
) -> tuple[bytes, ExportLedger]:
    """Render ``job`` with its mark, record it in the ledger and the access log; committed.

    The ledger row is written first so that its number can be printed on the paper; the
    file's digest is that of the PDF handed out.
    """
    ledger = ExportLedger(
        at=now,
        handler_id=staff.id,
        handler_login=staff.login,
        content=job.content,
        record_count=job.count,
        format=PRINTED,
        encrypted=False,
        file_sha256="",
    )
    session.add(ledger)
    session.flush()
    mark = PrintMark(
        printed_by=f"{staff.display_name} ({staff.login})",
        printed_at=format_day_time(now, locale, timezone),
        ledger_id=ledger.id,
        disposal=job.disposal,
    )
    body = render(mark)
    ledger.file_sha256 = hashlib.sha256(body).hexdigest()
    detail = f"{job.count} records, printed, ledger {ledger.id}"
    audit.record(session, audit.PRINT, job.record_type, job.record_id, detail=detail, actor=actor)
    session.commit()
    return body, ledger
