"""Ward auditors (platform schema) and what their console lists.

Functions take a session that is *not* bound to a tenant (the platform's) and leave
committing to the caller. Auditors are managed from the command line, so each change is
logged as ``by``: ``system`` unless the caller says who.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.audit.operations import SYSTEM_ACTOR
from shisetsu.auth.personnel import PersonnelError, new_person, normalise_login, reset_sign_in
from shisetsu.db import utcnow
from shisetsu.people.models import Auditor
from shisetsu.tenancy.models import Tenant


def find_active_auditor(session: Session, login: str) -> Auditor | None:
    """The active auditor signing in as ``login`` (case-insensitive)."""
    value = (login or "").strip().lower()
    stmt = sa.select(Auditor).where(Auditor.login == value, Auditor.active.is_(True))
    return session.scalar(stmt)


def create_auditor(
    session: Session,
    *,
    login: str,
    display_name: str,
    email: str | None = None,
    password: str | None = None,
    totp_secret: str | None = None,
    now: datetime | None = None,
    by: audit.Actor = SYSTEM_ACTOR,
) -> tuple[Auditor, str]:
    """Add a ward auditor; returns it (flushed) and the initial password to show once."""
    if session.scalar(sa.select(Auditor.id).where(Auditor.login == normalise_login(login))):
        raise PersonnelError("login_taken")
    auditor, initial = new_person(
        Auditor,
        login=login,
        display_name=display_name,
        email=email,
        password=password,
        totp_secret=totp_secret,
        now=now or utcnow(),
    )
    session.add(auditor)
    session.flush()
    _record(session, auditor, "added", by)
    return auditor, initial


def reset_auditor(
    session: Session, login: str, *, by: audit.Actor = SYSTEM_ACTOR
) -> tuple[Auditor, str]:
    """New initial password and TOTP enrolment for an active auditor; sessions end."""
    auditor = find_active_auditor(session, login)
    if auditor is None:
        raise PersonnelError("unknown_login")
    _record(session, auditor, "sign-in reset", by)
    return auditor, reset_sign_in(auditor)


def deactivate_auditor(session: Session, login: str, *, by: audit.Actor = SYSTEM_ACTOR) -> Auditor:
    """An auditor who left: no more sign-ins, and every session ends at once."""
    auditor = find_active_auditor(session, login)
    if auditor is None:
        raise PersonnelError("unknown_login")
    auditor.active = False
    auditor.session_version += 1
    _record(session, auditor, "removed", by)
    return auditor


def _record(session: Session, auditor: Auditor, detail: str, by: audit.Actor) -> None:
    audit.record(session, audit.PERMISSION_CHANGE, "auditor", auditor.id, detail=detail, actor=by)


def list_auditors(session: Session) -> list[Auditor]:
    """Every auditor, oldest first."""
    return list(session.scalars(sa.select(Auditor).order_by(Auditor.id)))


def tenants_for_audit(session: Session) -> list[Tenant]:
    """Every registered tenant (any status), as the ward sees the registry."""
    return list(session.scalars(sa.select(Tenant).order_by(Tenant.id)))
