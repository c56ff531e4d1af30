"""Staff of one designated manager: finding, adding, changing roles and removing.

Functions take a session bound to the tenant and leave committing to the caller; each
records its access-log entry as ``by`` (views pass the signed-in person; the command line
and the demo act as ``system``). Removal bumps ``session_version`` and revokes API tokens,
so it takes effect on the next request.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.audit.operations import SYSTEM_ACTOR
from shisetsu.auth.personnel import PersonnelError, new_person, normalise_login, reset_sign_in
from shisetsu.auth.principals import STAFF
from shisetsu.auth.tokens import revoke_all_tokens
from shisetsu.db import utcnow
from shisetsu.people.models import STAFF_ROLES, Staff
from shisetsu.staff.ward_notice import concerns_the_ward, role_words, tell_ward

RESPONSIBLE = "responsible"


def find_active_staff(session: Session, login: str) -> Staff | None:
    """The active staff member signing in as ``login`` (case-insensitive)."""
    value = (login or "").strip().lower()
    return session.scalar(sa.select(Staff).where(Staff.login == value, Staff.active.is_(True)))


def get_active_staff(session: Session, staff_id: int) -> Staff | None:
    """An active staff member of this tenant by id (None also for another tenant's id)."""
    staff = session.get(Staff, staff_id)
    return staff if staff is not None and staff.active else None


def list_staff(session: Session, *, removed: bool = False) -> list[Staff]:
    """Active staff by role then name; with ``removed`` the removed ones, newest first."""
    if removed:
        stmt = sa.select(Staff).where(Staff.active.is_(False)).order_by(Staff.removed_at.desc())
        return list(session.scalars(stmt))
    rows = session.scalars(sa.select(Staff).where(Staff.active.is_(True)))
    return sorted(rows, key=lambda s: (STAFF_ROLES.index(s.role), s.display_name, s.id))


def create_staff(
    session: Session,
    *,
    login: str,
    display_name: str,
    email: str | None,
    role: str,
    password: str | None = None,
    totp_secret: str | None = None,
    now: datetime | None = None,
    by: audit.Actor = SYSTEM_ACTOR,
) -> tuple[Staff, str]:
    """Add a staff member; returns it (flushed) and the initial password to show once."""
    if role not in STAFF_ROLES:
        raise PersonnelError("invalid_role")
    if session.scalar(sa.select(Staff.id).where(Staff.login == normalise_login(login))):
        raise PersonnelError("login_taken")
    staff, initial = new_person(
        Staff,
        login=login,
        display_name=display_name,
        email=email,
        password=password,
        totp_secret=totp_secret,
        now=now or utcnow(),
        role=role,
    )
    session.add(staff)
    session.flush()
    entry = audit.record(
        session, audit.PERMISSION_CHANGE, "staff", staff.id, detail=f"added as {role}", actor=by
    )
    if concerns_the_ward(role):
        tell_ward(
            session,
            staff,
            lambda: gettext("appointed as %(role)s", role=role_words(role)),
            entry.id,
        )
    return staff, initial


def change_role(
    session: Session, *, actor: Staff, target: Staff, role: str, by: audit.Actor = SYSTEM_ACTOR
) -> bool:
    """Give ``target`` another role; False if it already had it."""
    if role not in STAFF_ROLES:
        raise PersonnelError("invalid_role")
    if target.id == actor.id:
        raise PersonnelError("own_role")
    if target.role == role:
        return False
    if target.role == RESPONSIBLE:
        _keep_a_responsible(session, leaving=target)
    entry = audit.record(
        session,
        audit.PERMISSION_CHANGE,
        "staff",
        target.id,
        detail=f"role {target.role} → {role}",
        actor=by,
    )
    old = target.role
    target.role = role
    if concerns_the_ward(old, role):
        tell_ward(
            session,
            target,
            lambda: gettext(
                "role changed from %(old)s to %(new)s", old=role_words(old), new=role_words(role)
            ),
            entry.id,
        )
    return True


def remove_staff(
    session: Session, *, actor: Staff, target: Staff, now: datetime, by: audit.Actor = SYSTEM_ACTOR
) -> None:
    """Deactivate ``target`` and end every session and API token it has, at once."""
    if target.id == actor.id:
        raise PersonnelError("self_removal")
    if target.role == RESPONSIBLE:
        _keep_a_responsible(session, leaving=target)
    target.active = False
    target.removed_at = now
    target.removed_by_id = actor.id
    target.session_version += 1
    _revoke_api_tokens(session, target, now)
    entry = audit.record(
        session, audit.PERMISSION_CHANGE, "staff", target.id, detail="removed", actor=by
    )
    if concerns_the_ward(target.role):
        role = target.role
        tell_ward(
            session,
            target,
            lambda: gettext("removed (was %(role)s)", role=role_words(role)),
            entry.id,
        )


def reset_staff_sign_in(
    session: Session, *, actor: Staff, target: Staff, now: datetime, by: audit.Actor = SYSTEM_ACTOR
) -> str:
    """New initial password, TOTP to enrol again; their sessions and tokens end at once."""
    if target.id == actor.id:
        raise PersonnelError("self_reset")
    initial = reset_sign_in(target)
    _revoke_api_tokens(session, target, now)
    audit.record(
        session, audit.PERMISSION_CHANGE, "staff", target.id, detail="sign-in reset", actor=by
    )
    return initial


def _revoke_api_tokens(session: Session, target: Staff, now: datetime) -> None:
    revoke_all_tokens(session, STAFF, target.id, now)


def _keep_a_responsible(session: Session, *, leaving: Staff) -> None:
    """Refuse if ``leaving`` is the last active responsible person.

    On PostgreSQL the responsible rows are locked in id order, so two people removing each
    other at the same moment cannot both succeed (the second re-reads and is refused).
    """
    stmt = (
        sa.select(Staff.id)
        .where(Staff.role == RESPONSIBLE, Staff.active.is_(True))
        .order_by(Staff.id)
        .with_for_update()
    )
    if not [i for i in session.scalars(stmt) if i != leaving.id]:
        raise PersonnelError("last_responsible")
