"""After the file leaves: each download in the ledger, and the handler's record that the
file was deleted or the paper / medium destroyed.

An encrypted export needs a disposal once it was downloaded, a print as soon as it is made;
one never downloaded needs none (its archive expired unread on the server). Past
``EXPORT_DISPOSAL_DAYS`` without a disposal it is *overdue*: listed on the console home
and in the ward's view of the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.exports.models import ExportLedger, LedgerDownload
from shisetsu.exports.operations import DOWNLOAD_LIFETIME, PRINTED
from shisetsu.people.models import Staff
from shisetsu.refusals import Refusal

RESPONSIBLE = "responsible"
# How the copy was done away with → its words.
METHODS: dict[str, LazyString] = {
    "deleted": _l("The file was deleted from every computer and medium it was copied to"),
    "destroyed": _l("The paper or the medium (USB memory, disc) was destroyed"),
}
NOTE_LENGTH = 200
DISPOSED, DUE, OVERDUE, WAITING, NOT_NEEDED = (
    "disposed",
    "due",
    "overdue",
    "waiting",
    "not_needed",
)
STATE_WORDS: dict[str, LazyString] = {
    DISPOSED: _l("Disposed of"),
    DUE: _l("Disposal to record"),
    OVERDUE: _l("Overdue: disposal not recorded"),
    WAITING: _l("Not downloaded yet"),
    NOT_NEEDED: _l("Never downloaded: nothing to dispose of"),
}
MESSAGES: dict[str, LazyString] = {
    "already": _l("The disposal of this export is already recorded."),
    "not_needed": _l("This export was never downloaded, so there is nothing to dispose of."),
    "not_yours": _l(
        "Only the handler who made this export, or a responsible person, records its disposal."
    ),
    "method": _l("Please choose how the file or paper was disposed of."),
    "note": _l("Please keep the note to %(count)s characters.", count=NOTE_LENGTH),
}


class DisposalRefused(Refusal, ValueError):
    """A disposal could not be recorded; ``code`` is stable, ``message`` translated."""

    def __init__(self, code: str) -> None:
        super().__init__(code)

    @property
    def message(self) -> LazyString:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class Line:
    """One ledger row as the pages show it: its content in words, downloads, disposal state."""

    row: ExportLedger
    described: str
    downloads: list[LedgerDownload]
    state: str


def downloads_of(session: Session, ledger_ids: list[int]) -> dict[int, list[LedgerDownload]]:
    """The downloads of each ledger row, oldest first."""
    found: dict[int, list[LedgerDownload]] = defaultdict(list)
    if ledger_ids:
        rows = session.scalars(
            sa.select(LedgerDownload)
            .where(LedgerDownload.ledger_id.in_(ledger_ids))
            .order_by(LedgerDownload.id)
        )
        for row in rows:
            found[row.ledger_id].append(row)
    return found


def state(row: ExportLedger, downloaded: bool, *, now: datetime, days: int) -> str:
    """Where ``row`` stands: disposed, due, overdue, waiting for its download, not needed."""
    if row.disposed_at is not None:
        return DISPOSED
    if row.format != PRINTED and not downloaded:
        return WAITING if row.at + DOWNLOAD_LIFETIME > now else NOT_NEEDED
    return OVERDUE if row.at <= now - timedelta(days=days) else DUE


def lines(
    session: Session,
    rows: list[ExportLedger],
    describe: dict[int, str],
    *,
    now: datetime,
    days: int,
) -> list[Line]:
    """``rows`` with their downloads and disposal state (``describe``: id → content words)."""
    taken = downloads_of(session, [r.id for r in rows])
    return [
        Line(r, describe[r.id], taken.get(r.id, []), state(r, r.id in taken, now=now, days=days))
        for r in rows
    ]


def overdue(session: Session, *, now: datetime, days: int) -> list[ExportLedger]:
    """Exports downloaded or printed more than ``days`` ago without a disposal, oldest first."""
    downloaded = sa.select(LedgerDownload.id).where(LedgerDownload.ledger_id == ExportLedger.id)
    return list(
        session.scalars(
            sa.select(ExportLedger)
            .where(ExportLedger.disposed_at.is_(None))
            .where(ExportLedger.at <= now - timedelta(days=days))
            .where(sa.or_(ExportLedger.format == PRINTED, downloaded.exists()))
            .order_by(ExportLedger.id)
        )
    )


def check_disposal(session: Session, row: ExportLedger, staff: Staff) -> None:
    """Refuse unless ``staff`` may record ``row``'s disposal now."""
    if row.disposed_at is not None:
        raise DisposalRefused("already")
    if row.format != PRINTED and not downloads_of(session, [row.id]):
        raise DisposalRefused("not_needed")
    if row.handler_id != staff.id and staff.role != RESPONSIBLE:
        raise DisposalRefused("not_yours")


def record_disposal(
    session: Session,
    row: ExportLedger,
    staff: Staff,
    *,
    method: str,
    note: str,
    now: datetime,
    actor: audit.Actor,
) -> None:
    """Record that ``row``'s file or paper is gone: who, when, how (the caller commits).

    Locks the row first, so two people confirming at once record it once.
    """
    session.refresh(row, with_for_update=True)
    check_disposal(session, row, staff)
    if method not in METHODS:
        raise DisposalRefused("method")
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise DisposalRefused("note")
    row.disposed_at = now
    row.disposed_by_id = staff.id
    row.disposed_by_login = staff.login
    row.disposal_method = method
    row.disposal_note = note or None
    detail = f"disposal recorded: {method}, ledger {row.id}"
    audit.record(session, audit.UPDATE, "export_ledger", row.id, detail=detail, actor=actor)
