"""The tenant registry, in the shared platform schema."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import PlatformBase, utcnow


class Tenant(PlatformBase):
    """One operator served by this installation."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(31), unique=True)
    name_ja: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    schema_name: Mapped[str] = mapped_column(sa.String(63))
    db_role: Mapped[str | None] = mapped_column(sa.String(63))
    config_path: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    def name(self, locale: str) -> str:
        """The operator-facing name in ``locale`` (Japanese unless English is asked for)."""
        return self.name_en if locale == "en" else self.name_ja
