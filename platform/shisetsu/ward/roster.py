"""The staff roster the ward reads (取扱責任者及び取扱者): who may handle personal data at
one operator, in what role, and whether their sign-in is sound (operations; no Flask).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.audit.models import AccessLog
from shisetsu.audit.operations import PERMISSION_CHANGE
from shisetsu.people.models import STAFF_ROLES, Staff

ACTIVE, LOCKED, REMOVED = "active", "locked", "removed"
STATUSES = (ACTIVE, LOCKED, REMOVED)
"""``locked``: too many failed sign-ins, until ``locked_until`` passes (a suspension)."""
PER_PAGE = 50
HISTORY = 30


@dataclass(frozen=True)
class RosterEvent:
    """One change of the roster: when, by whom (login and role), to whom, what."""

    at: dt.datetime
    by: str | None
    by_role: str | None
    staff_name: str
    staff_login: str
    change: str
    """As logged: ``added as handler``, ``role handler → counter``, ``removed`` …"""


@dataclass(frozen=True)
class RosterRow:
    """One staff member as the ward sees them (no password or TOTP material)."""

    id: int
    login: str
    display_name: str
    role: str
    status: str
    totp_enabled: bool
    last_login_at: dt.datetime | None
    created_at: dt.datetime
    removed_at: dt.datetime | None


@dataclass(frozen=True)
class RosterPage:
    """One page of a tenant's roster, with counts over the whole roster."""

    rows: list[RosterRow]
    page: int
    pages: int
    """How many pages there are (at least one)."""
    total: int
    counts: dict[tuple[str, str], int]
    """(role, status) → staff members."""
    history: list[RosterEvent]
    """The newest changes of the roster, newest first."""

    def count(self, role: str | None = None, status: str | None = None) -> int:
        """Staff members with ``role`` and ``status`` (either may be None: any)."""
        return sum(
            n
            for (r, s), n in self.counts.items()
            if (role is None or r == role) and (status is None or s == status)
        )


def status_of(active: bool, locked_until: dt.datetime | None, now: dt.datetime) -> str:
    """``removed``, ``locked`` (until the lockout ends) or ``active``."""
    if not active:
        return REMOVED
    until = locked_until
    if until is not None:
        aware = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
        if aware > now:
            return LOCKED
    return ACTIVE


def _row(staff: Any, now: dt.datetime) -> RosterRow:
    return RosterRow(
        id=staff.id,
        login=staff.login,
        display_name=staff.display_name,
        role=staff.role,
        status=status_of(staff.active, staff.locked_until, now),
        totp_enabled=staff.totp_enrolled_at is not None,
        last_login_at=staff.last_login_at,
        created_at=staff.created_at,
        removed_at=staff.removed_at,
    )


def roster(
    session: Session, now: dt.datetime, *, page: int = 1, per_page: int = PER_PAGE
) -> RosterPage:
    """The bound tenant's staff: current ones by role then name, then the removed ones."""
    role_rank = sa.case(
        {role: i for i, role in enumerate(STAFF_ROLES)}, value=Staff.role, else_=len(STAFF_ROLES)
    )
    columns = (
        Staff.id,
        Staff.login,
        Staff.display_name,
        Staff.role,
        Staff.active,
        Staff.locked_until,
        Staff.totp_enrolled_at,
        Staff.last_login_at,
        Staff.created_at,
        Staff.removed_at,
    )
    counts: Counter[tuple[str, str]] = Counter()
    for role, active, locked_until in session.execute(
        sa.select(Staff.role, Staff.active, Staff.locked_until)
    ):
        counts[(role, status_of(active, locked_until, now))] += 1
    total = sum(counts.values())
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    stmt = (
        sa.select(*columns)
        .order_by(Staff.active.desc(), role_rank, Staff.display_name, Staff.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = [_row(staff, now) for staff in session.execute(stmt)]
    return RosterPage(rows, page, pages, total, dict(counts), history(session))


def history(session: Session, limit: int = HISTORY) -> list[RosterEvent]:
    """The roster's changes from the access log (every appointment, role change, removal
    and sign-in reset is logged there), newest first."""
    stmt = (
        sa.select(AccessLog, Staff)
        .join(Staff, AccessLog.record_id == sa.cast(Staff.id, sa.String))
        .where(AccessLog.action == PERMISSION_CHANGE, AccessLog.record_type == "staff")
        .order_by(AccessLog.id.desc())
        .limit(limit)
    )
    return [
        RosterEvent(
            entry.at,
            entry.actor_label,
            entry.role,
            staff.display_name,
            staff.login,
            entry.detail or "",
        )
        for entry, staff in session.execute(stmt)
    ]
