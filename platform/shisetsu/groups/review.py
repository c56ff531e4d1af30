"""Registered groups, staff side (本登録): the document check, approval and rejection.

Approval asks the tenant's plugins again, this time with the counts staff verified on the
paper roster, so a group whose declaration did not hold up cannot be approved by mistake.
Every decision queues one mail to the applicant (keyed per decision, so a double click or
a retried request mails once) and records its access-log entry in the same transaction, so
no caller can decide without leaving a trace. The acting staff member is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pluggy
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu import audit
from shisetsu.dates import local_today
from shisetsu.groups import mail
from shisetsu.groups.models import APPROVED, EXPIRED, PENDING, REJECTED, STATUSES, Group
from shisetsu.groups.operations import GroupStateError, Ineligible, eligibility, validity_period
from shisetsu.plugins import Violation
from shisetsu.tenancy.config import TenantConfig

MAX_REASON = 2000


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[Group]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_groups(
    session: Session,
    *,
    status: str | None = None,
    query: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page:
    """Groups filtered by status and name; the pending queue oldest first, else newest."""
    where = []
    if status in STATUSES:
        where.append(Group.status == status)
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(Group.name.ilike(f"%{escaped}%", escape="\\"))
    total = int(session.scalar(sa.select(sa.func.count(Group.id)).where(*where)) or 0)
    order = (
        (Group.created_at, Group.id)
        if status == PENDING
        else (Group.created_at.desc(), Group.id.desc())
    )
    page = max(1, page)
    rows = session.scalars(
        sa.select(Group)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(rows), page, per_page, total)


def locked_group(session: Session, group_id: int) -> Group | None:
    """The group, row-locked for a decision (two staff deciding at once: one wins)."""
    return session.get(Group, group_id, with_for_update=True)


def record_verification(
    session: Session,
    group: Group,
    *,
    actor: audit.Actor,
    member_count: int,
    resident_count: int,
    now: datetime,
) -> None:
    """Record that staff checked the roster and ID: the counts they found, who, when."""
    if group.status != PENDING:
        raise GroupStateError("not_pending")
    if member_count < 1 or not 0 <= resident_count <= member_count:
        raise ValueError("verified counts out of range")
    group.verified_member_count = member_count
    group.verified_resident_count = resident_count
    group.verified_by_id = actor.id
    group.verified_at = now
    _record(session, group, actor, now, "document check")


def verified_violations(
    session: Session, pm: pluggy.PluginManager, group: Group, now: datetime, config: TenantConfig
) -> list[Violation]:
    """What the tenant's plugins say about ``group`` with the verified counts."""
    if group.verified_member_count is None or group.verified_resident_count is None:
        raise GroupStateError("not_verified")
    return eligibility(
        session,
        pm,
        account_id=group.account_id,
        category=group.category,
        member_count=group.verified_member_count,
        resident_count=group.verified_resident_count,
        representative_is_resident=group.representative_is_resident,
        representative_is_adult=group.representative_is_adult,
        today=local_today(config, now),
        exclude=[group.id, group.renews_group_id] if group.renews_group_id else [group.id],
    )


def approve(
    session: Session,
    config: TenantConfig,
    pm: pluggy.PluginManager,
    group: Group,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Approve a verified application; raises :class:`Ineligible` with the verified counts.

    The registration runs ``validity_months`` from today; a renewal continues from the day
    after the renewed period ends (or from today if that has already passed).
    """
    if group.status != PENDING:
        raise GroupStateError("not_pending")
    renewed = group.renews
    if renewed is not None and renewed.status not in (APPROVED, EXPIRED):
        raise GroupStateError("renewed_not_active")
    violations = verified_violations(session, pm, group, now, config)
    if violations:
        raise Ineligible(violations)
    today = local_today(config, now)
    start = today
    if renewed is not None and renewed.valid_until is not None:
        start = max(today, renewed.valid_until + timedelta(days=1))
    group.valid_from, group.valid_until = validity_period(start, config.registration)
    group.status = APPROVED
    group.decided_at, group.decided_by_id = now, actor.id
    mail.queue_decision(session, config, group)
    _record(session, group, actor, now, "approved")


def reject(
    session: Session,
    config: TenantConfig,
    group: Group,
    *,
    actor: audit.Actor,
    reason: str,
    now: datetime,
) -> None:
    """Reject an application with the reason the applicant will read."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValueError("a rejection needs a reason")
    if group.status != PENDING:
        raise GroupStateError("not_pending")
    group.status = REJECTED
    group.rejection_reason = reason
    group.decided_at, group.decided_by_id = now, actor.id
    mail.queue_decision(session, config, group)
    _record(session, group, actor, now, "rejected")


def _record(session: Session, group: Group, actor: audit.Actor, now: datetime, detail: str) -> None:
    audit.record(session, audit.UPDATE, "group", group.id, detail=detail, actor=actor, at=now)
