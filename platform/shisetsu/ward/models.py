"""Ward auditors, in the platform schema: read-only across every tenant."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.accounts.models import LoginState, TwoFactorState
from shisetsu.db import PlatformBase


class Auditor(LoginState, TwoFactorState, PlatformBase):
    """A ward official (区職員) who audits the tenants; created by CLI only."""

    __tablename__ = "auditors"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True)
