"""The people who sign in: residents and staff in a tenant schema (with their one-time and
API tokens), ward auditors in the platform schema.

The same person registering with two operators has two unrelated accounts, one in each
tenant's schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, PlatformBase, utcnow
from shisetsu.observability.personal import PERSONAL

STAFF_ROLES = ("responsible", "handler", "counter")


class LoginState:
    """Columns shared by everything that signs in: lockout and session revocation."""

    password_hash: Mapped[str] = mapped_column(sa.String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Bumped to revoke every session of the account (password change, removal).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class TwoFactorState:
    """TOTP enrolment and the single-use initial password; for staff and auditors."""

    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # sha256 hex digests of unused recovery codes
    recovery_codes: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    # Last accepted TOTP time step, so one code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The initial password (from a responsible person or the CLI) is single-use: until the
    # person chose their own, nothing but the sign-in steps answers them.
    password_must_change: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class Account(LoginState, Base):
    """A resident's account with one operator."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(254), unique=True, info=PERSONAL)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, info=PERSONAL)
    email_verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    locale: Mapped[str] = mapped_column(sa.String(5), default="ja")
    status: Mapped[str] = mapped_column(sa.String(20), default="active")


class Staff(LoginState, TwoFactorState, Base):
    """A designated manager's staff member: 取扱責任者, 取扱者 or 窓口 (individual accounts)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True, info=PERSONAL)
    display_name: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    email: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    role: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    removed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))


class AccountToken(Base):
    """A single-use, expiring token sent by mail (email verification, password reset)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token for the API (stored hashed; expiring and revocable)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_kind: Mapped[str] = mapped_column(sa.String(10))  # "resident" | "staff"
    principal_id: Mapped[int]
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Auditor(LoginState, TwoFactorState, PlatformBase):
    """A ward official (区職員) who audits the tenants; created by CLI only."""

    __tablename__ = "auditors"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True, info=PERSONAL)
    display_name: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    email: Mapped[str | None] = mapped_column(sa.String(254), info=PERSONAL)
    active: Mapped[bool] = mapped_column(default=True)


class EndedSessionState:
    """A signed-out device: the sha256 of its session key, kept until no cookie could live."""

    key_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    ended_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class EndedSession(EndedSessionState, Base):
    """A resident's or staff member's signed-out device (a copied cookie stays refused)."""

    __tablename__ = "ended_sessions"


class EndedAuditorSession(EndedSessionState, PlatformBase):
    """An auditor's signed-out device."""

    __tablename__ = "ended_auditor_sessions"


class UnknownLoginState:
    """Failed sign-ins for a login that names nobody, so lockout looks the same for it."""

    login_digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class UnknownLogin(UnknownLoginState, Base):
    """Failures for unknown resident or staff logins of this tenant."""

    __tablename__ = "unknown_logins"


class UnknownAuditorLogin(UnknownLoginState, PlatformBase):
    """Failures for unknown auditor logins."""

    __tablename__ = "unknown_auditor_logins"
