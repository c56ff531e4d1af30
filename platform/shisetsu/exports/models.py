"""The handover ledger (管理簿) with each download and the disposal, and the encrypted
archives waiting for their one download.

Both tables live in the tenant schema, so a download token of one tenant means nothing in
another. The archive's password is never stored; only the token's SHA-256 is.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, UtcDateTime, utcnow
from shisetsu.observability.personal import PERSONAL


class ExportLedger(Base):
    """One export: when, by whom, what, how many records, in which form."""

    __tablename__ = "export_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    handler_login: Mapped[str] = mapped_column(sa.String(64), info=PERSONAL)
    content: Mapped[str] = mapped_column(sa.String(40))
    record_count: Mapped[int]
    format: Mapped[str] = mapped_column(sa.String(40))
    encrypted: Mapped[bool]
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    # The handler's record that the file is deleted or the paper / medium destroyed.
    disposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    disposed_by_login: Mapped[str | None] = mapped_column(sa.String(64), info=PERSONAL)
    disposal_method: Mapped[str | None] = mapped_column(sa.String(20))
    disposal_note: Mapped[str | None] = mapped_column(sa.String(200))


class LedgerDownload(Base):
    """One download of an export's archive: who took it, when, from which address."""

    __tablename__ = "export_ledger_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(sa.ForeignKey("export_ledger.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    staff_login: Mapped[str] = mapped_column(sa.String(64), info=PERSONAL)
    ip: Mapped[str | None] = mapped_column(sa.String(45), info=PERSONAL)


class PendingDownload(Base):
    """An encrypted archive kept until its one download or its expiry."""

    __tablename__ = "export_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    ledger_id: Mapped[int] = mapped_column(sa.ForeignKey("export_ledger.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[bytes] = mapped_column(sa.LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
