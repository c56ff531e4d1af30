"""Registered groups, resident side: apply, renew, withdraw; and the rights others ask about.

No Flask request objects here: callers pass the session, the tenant's configuration and
plugin manager, and the clock. Eligibility is the tenant's policy plugins' business
(:func:`shisetsu.plugins.eligibility_violations`); this module only gathers the facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import pluggy
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.dates import add_months_clamped, local_today
from shisetsu.groups.models import ACTIVE_STATUSES, APPROVED, PENDING, WITHDRAWN, Group
from shisetsu.people.models import Account
from shisetsu.plugins import GroupFacts, Violation, eligibility_violations
from shisetsu.refusals import Refusal
from shisetsu.tenancy.config import Registration, TenantConfig


class Ineligible(Refusal):
    """The tenant's rules refuse the group; ``violations`` says why (never empty)."""

    code = "ineligible"

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(violations=violations)


class GroupStateError(Refusal):
    """The group is not in a state that allows this action; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)


@dataclasses.dataclass(frozen=True)
class Application:
    """What a resident submits: the group, the approved personal items, the declarations."""

    name: str
    category: str
    representative_name: str
    representative_address: str
    representative_phone_home: str | None
    representative_phone_mobile: str | None
    contact_name: str
    contact_address: str
    contact_phone_home: str | None
    contact_phone_mobile: str | None
    contact_email: str
    member_count: int
    resident_count: int
    representative_is_resident: bool
    representative_is_adult: bool | None

    @classmethod
    def from_group(cls, group: Group) -> Application:
        """The application a renewal starts from: the group's current data."""
        return cls(**{f.name: getattr(group, f.name) for f in dataclasses.fields(cls)})


# --- dates -----------------------------------------------------------------------------


def validity_period(start: date, registration: Registration) -> tuple[date, date]:
    """First and last valid day (both inclusive) of a registration starting on ``start``."""
    return start, add_months_clamped(start, registration.validity_months) - timedelta(days=1)


def renewal_opens_on(group: Group, registration: Registration) -> date | None:
    """The day renewal of ``group`` opens: ``renewal_opens_months_before`` its end."""
    if group.valid_until is None:
        return None
    return add_months_clamped(group.valid_until, -registration.renewal_opens_months_before)


# --- rights (used by booking and lottery) ------------------------------------------------


def can_book(group: Group, today: date) -> bool:
    """Whether ``group`` may book and enter lotteries on ``today``.

    Checked on the dates as well as the status, so rights end at midnight even before the
    daily expiry job has marked the group expired.
    """
    return (
        group.status == APPROVED
        and group.valid_from is not None
        and group.valid_until is not None
        and group.valid_from <= today <= group.valid_until
    )


def active_groups_of(session: Session, account_id: int, today: date) -> list[Group]:
    """The account's groups that may book on ``today`` (approved and within validity)."""
    query = (
        sa.select(Group)
        .where(
            Group.account_id == account_id,
            Group.status == APPROVED,
            Group.valid_from <= today,
            Group.valid_until >= today,
        )
        .order_by(Group.name, Group.id)
    )
    return list(session.scalars(query))


# --- reading ---------------------------------------------------------------------------


def groups_of(session: Session, account_id: int) -> list[Group]:
    """Every registration of the account, newest first."""
    query = (
        sa.select(Group)
        .where(Group.account_id == account_id)
        .order_by(Group.created_at.desc(), Group.id.desc())
    )
    return list(session.scalars(query))


def own_group(session: Session, account_id: int, group_id: int) -> Group | None:
    """The group ``group_id`` if ``account_id`` applied for it; None otherwise (a 404)."""
    group = session.get(Group, group_id)
    return group if group is not None and group.account_id == account_id else None


def successor_of(session: Session, group: Group) -> Group | None:
    """A pending or approved renewal of ``group``, if one exists."""
    query = sa.select(Group).where(
        Group.renews_group_id == group.id, Group.status.in_(ACTIVE_STATUSES)
    )
    return session.scalars(query.limit(1)).first()


def renewal_open(session: Session, group: Group, registration: Registration, today: date) -> bool:
    """Whether the applicant may apply to renew ``group`` today."""
    opens = renewal_opens_on(group, registration)
    if group.status != APPROVED or opens is None or group.valid_until is None:
        return False
    if not opens <= today <= group.valid_until:
        return False
    return successor_of(session, group) is None


# --- eligibility -----------------------------------------------------------------------


def represented_categories(
    session: Session, account_id: int, today: date, *, exclude: Iterable[int] = ()
) -> frozenset[str]:
    """Categories in which the account already represents an active group.

    Active: pending, or approved and not past its end. ``exclude`` leaves out the group
    being reviewed or renewed (a renewal does not compete with the group it renews).
    """
    excluded = [i for i in exclude if i is not None]
    query = sa.select(Group.category).where(
        Group.account_id == account_id,
        Group.status.in_(ACTIVE_STATUSES),
        sa.or_(Group.valid_until.is_(None), Group.valid_until >= today),
    )
    if excluded:
        query = query.where(Group.id.not_in(excluded))
    return frozenset(session.scalars(query))


def eligibility(
    session: Session,
    pm: pluggy.PluginManager,
    *,
    account_id: int,
    category: str,
    member_count: int,
    resident_count: int,
    representative_is_resident: bool,
    representative_is_adult: bool | None,
    today: date,
    exclude: Iterable[int] = (),
) -> list[Violation]:
    """Every violation the tenant's plugins report for these facts."""
    facts = GroupFacts(
        category=category,
        member_count=member_count,
        resident_count=resident_count,
        representative_is_resident=representative_is_resident,
        representative_is_adult=representative_is_adult,
        representative_other_categories=represented_categories(
            session, account_id, today, exclude=exclude
        ),
    )
    return eligibility_violations(pm, facts)


# Checks of the input itself, whatever the tenant's policy (the plugins may say more).
UNKNOWN_CATEGORY = Violation(
    code="unknown_category",
    ja="団体の区分を選んでください。",
    en="Please choose a category for the group.",
    field="category",
)
RESIDENTS_EXCEED_MEMBERS = Violation(
    code="residents_exceed_members",
    ja="区内在住の会員数が会員数を超えています。",
    en="The number of members living in the ward cannot exceed the number of members.",
    field="resident_count",
)


def check_application(
    session: Session,
    config: TenantConfig,
    pm: pluggy.PluginManager,
    *,
    account_id: int,
    application: Application,
    today: date,
    renews: Group | None = None,
) -> list[Violation]:
    """Every reason ``application`` cannot be accepted (empty: it can)."""
    if config.category(application.category) is None:
        return [UNKNOWN_CATEGORY]
    violations = eligibility(
        session,
        pm,
        account_id=account_id,
        category=application.category,
        member_count=application.member_count,
        resident_count=application.resident_count,
        representative_is_resident=application.representative_is_resident,
        representative_is_adult=application.representative_is_adult,
        today=today,
        exclude=[renews.id] if renews is not None else [],
    )
    if application.resident_count > application.member_count and not any(
        v.field == "resident_count" for v in violations
    ):
        violations.append(RESIDENTS_EXCEED_MEMBERS)
    return violations


def submit_application(
    session: Session,
    config: TenantConfig,
    pm: pluggy.PluginManager,
    *,
    account_id: int,
    application: Application,
    now: datetime,
    renews: Group | None = None,
) -> Group:
    """Store a pending application (仮登録); raises :class:`Ineligible` and stores nothing.

    The privacy notice was accepted at ``now`` (the caller checked the box). A renewal
    keeps the renewed group's category.
    """
    today = local_today(config, now)
    # Serialise one account's applications so two at once cannot both pass "one group per
    # category" (a row lock on PostgreSQL; embedded SQLite has no row locks).
    session.get(Account, account_id, with_for_update=True)
    if renews is not None:
        if renews.account_id != account_id or not renewal_open(
            session, renews, config.registration, today
        ):
            raise GroupStateError("renewal_closed")
        application = dataclasses.replace(application, category=renews.category)
    violations = check_application(
        session,
        config,
        pm,
        account_id=account_id,
        application=application,
        today=today,
        renews=renews,
    )
    if violations:
        raise Ineligible(violations)
    group = Group(
        **dataclasses.asdict(application),
        status=PENDING,
        account_id=account_id,
        renews_group_id=renews.id if renews is not None else None,
        privacy_accepted_at=now,
        created_at=now,
    )
    session.add(group)
    session.flush()
    return group


def withdraw(session: Session, group: Group, now: datetime) -> None:
    """The applicant withdraws a pending application or an approved registration.

    A pending renewal of the group is withdrawn with it.
    """
    if group.status not in ACTIVE_STATUSES:
        raise GroupStateError("not_active")
    rows = [group]
    successor = successor_of(session, group)
    if successor is not None and successor.status == PENDING:
        rows.append(successor)
    for row in rows:
        row.status = WITHDRAWN
        row.withdrawn_at = now
