"""The backup ledger (platform schema): which tenant backup exists where, until when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import PlatformBase, UtcDateTime


class BackupRecord(PlatformBase):
    """One backup file: taken when, its digest (its identity), and when it was deleted."""

    __tablename__ = "backups"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_slug: Mapped[str] = mapped_column(sa.String(31), index=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    path: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(20))
    revision: Mapped[str | None] = mapped_column(sa.String(40))
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
