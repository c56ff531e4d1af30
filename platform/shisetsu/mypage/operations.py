"""What a resident's My page shows: each list bounded, each item with what to do and by when.

It reads across bookings, the lottery, groups and staff messages, so it sits above those
domains; it changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.booking import operations as booking_ops
from shisetsu.booking.models import ACTIVE, CONFIRMED, Booking
from shisetsu.dates import local_today
from shisetsu.groups import operations as group_ops
from shisetsu.groups.messages import messages_for
from shisetsu.groups.models import ACTIVE_STATUSES, APPROVED, Group, GroupMessage
from shisetsu.lottery.entries import takes_entries
from shisetsu.lottery.models import (
    CLOSED,
    DRAWN,
    OPEN,
    PENDING,
    LotteryEntry,
    LotteryOutcome,
    LotteryRound,
)
from shisetsu.slots import deadlines
from shisetsu.slots.display import slot_labels
from shisetsu.tenancy.runtime import TenantRuntime

T = TypeVar("T")
SHOWN = 5
"""Items per list on My page; the rest are one link away."""
MESSAGES_PER_PAGE = 20


@dataclass(frozen=True)
class Bounded(Generic[T]):
    """The first items of a list and how many there are in all."""

    items: list[T]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Unpaid:
    """A booking whose fee is still to be paid, and the last moment to pay it."""

    booking: Booking
    deadline: dt.datetime | None


@dataclass(frozen=True)
class Win:
    """A lottery win waiting for the group's confirmation."""

    outcome: LotteryOutcome
    round: LotteryRound
    places: list[str]
    fee: int | None
    """The fee the booking would have (None when it cannot be priced now)."""


@dataclass(frozen=True)
class Entered:
    """A group's entry in a round not drawn yet."""

    entry: LotteryEntry
    round: LotteryRound
    editable: bool


@dataclass(frozen=True)
class Registration:
    """One of the account's registrations, with its renewal state."""

    group: Group
    renewal_open: bool
    renewal_opens: dt.date | None
    successor: Group | None


@dataclass(frozen=True)
class Overview:
    """Everything My page shows."""

    upcoming: Bounded[Booking]
    unpaid: Bounded[Unpaid]
    wins: Bounded[Win]
    entries: list[Entered]
    open_rounds: list[LotteryRound]
    """Rounds taking entries that none of the account's groups has entered yet."""
    registrations: list[Registration]
    messages: Bounded[GroupMessage]
    can_book: bool
    todo: int = field(default=0)
    """How many items ask the resident to act (fees, wins, renewals, open rounds)."""


def _mine() -> sa.ColumnElement[bool]:
    """The join of a booking to its group (whose account is the resident)."""
    return Booking.group_id == Group.id


def upcoming_bookings(
    session: Session, account_id: int, today: dt.date, *, limit: int = SHOWN
) -> Bounded[Booking]:
    """Active bookings from today on, soonest first."""
    where = sa.and_(
        Group.account_id == account_id, Booking.status.in_(ACTIVE), Booking.date >= today
    )
    total = session.scalar(
        sa.select(sa.func.count()).select_from(Booking).join(Group, _mine()).where(where)
    )
    rows = session.scalars(
        sa.select(Booking)
        .join(Group, _mine())
        .where(where)
        .order_by(Booking.starts_at, Booking.id)
        .limit(limit)
    )
    return Bounded(list(rows), int(total or 0))


def unpaid_bookings(
    session: Session, runtime: TenantRuntime, account_id: int, *, limit: int = SHOWN
) -> Bounded[Unpaid]:
    """Confirmed bookings with a fee still to pay, the earliest deadline first."""
    where = sa.and_(
        Group.account_id == account_id,
        Booking.status == CONFIRMED,
        Booking.payment_due.is_not(None),
    )
    total = session.scalar(
        sa.select(sa.func.count()).select_from(Booking).join(Group, _mine()).where(where)
    )
    rows = session.scalars(
        sa.select(Booking)
        .join(Group, _mine())
        .where(where)
        .order_by(Booking.payment_due, Booking.starts_at, Booking.id)
        .limit(limit)
    )
    config = runtime.config
    items = [Unpaid(b, deadlines.payment_deadline(config, b.payment_due)) for b in rows]
    return Bounded(items, int(total or 0))


def pending_wins(
    session: Session,
    runtime: TenantRuntime,
    group_ids: list[int],
    *,
    now: dt.datetime,
    locale: str,
    limit: int = SHOWN,
) -> Bounded[Win]:
    """Wins still to confirm before their round's deadline, the earliest deadline first."""
    if not group_ids:
        return Bounded([], 0)
    where = sa.and_(
        LotteryOutcome.group_id.in_(group_ids),
        LotteryOutcome.win_state == PENDING,
        LotteryRound.state == DRAWN,
        LotteryRound.confirm_deadline > now,
    )
    joined = sa.select(LotteryOutcome, LotteryRound).join(
        LotteryRound, LotteryRound.id == LotteryOutcome.round_id
    )
    total = session.scalar(
        sa.select(sa.func.count())
        .select_from(LotteryOutcome)
        .join(LotteryRound, LotteryRound.id == LotteryOutcome.round_id)
        .where(where)
    )
    rows = session.execute(
        joined.where(where)
        .order_by(LotteryRound.confirm_deadline, LotteryOutcome.group_id, LotteryOutcome.rank)
        .limit(limit)
    ).all()
    names = slot_labels(session, runtime.config, {s for o, _r in rows for s in o.slot_ids}, locale)
    wins = [
        Win(o, r, [names.get(s, s) for s in o.slot_ids], _win_fee(session, runtime, o, now))
        for o, r in rows
    ]
    return Bounded(wins, int(total or 0))


def _win_fee(
    session: Session, runtime: TenantRuntime, outcome: LotteryOutcome, now: dt.datetime
) -> int | None:
    """The fee confirming the win would fix, priced as the confirmation will price it."""
    data = booking_ops.BookingInput(list(outcome.slot_ids), 1, "")
    try:
        draft = booking_ops.prepare(session, runtime, outcome.group, data, now=now)
    except booking_ops.BookingRefused:
        return None
    return draft.fee.total


def lottery_entries(
    session: Session, group_ids: list[int], *, now: dt.datetime
) -> tuple[list[Entered], list[LotteryRound]]:
    """Entries in rounds not drawn yet, and the open rounds none of the groups entered."""
    current = list(
        session.scalars(
            sa.select(LotteryRound)
            .where(LotteryRound.state.in_((OPEN, CLOSED)))
            .order_by(LotteryRound.usage_month)
            .limit(SHOWN)
        )
    )
    if not current:
        return [], []
    entries = (
        list(
            session.scalars(
                sa.select(LotteryEntry).where(
                    LotteryEntry.round_id.in_([r.id for r in current]),
                    LotteryEntry.group_id.in_(group_ids),
                    LotteryEntry.withdrawn_at.is_(None),
                )
            )
        )
        if group_ids
        else []
    )
    by_round = {r.id: r for r in current}
    entered = [
        Entered(e, by_round[e.round_id], takes_entries(by_round[e.round_id], now)) for e in entries
    ]
    entered.sort(key=lambda x: (x.round.usage_month, x.entry.group_id))
    with_entry = {e.round_id for e in entries}
    open_rounds = [
        r for r in current if takes_entries(r, now) and r.id not in with_entry and group_ids
    ]
    return entered, open_rounds


def registrations(
    session: Session, runtime: TenantRuntime, account_id: int, today: dt.date
) -> list[Registration]:
    """The account's pending and approved registrations, with renewal dates."""
    rules = runtime.config.registration
    groups = [g for g in group_ops.groups_of(session, account_id) if g.status in ACTIVE_STATUSES]
    renewing = {g.renews_group_id for g in groups if g.renews_group_id is not None}
    shown = []
    for group in groups:
        if group.status == APPROVED:
            shown.append(
                Registration(
                    group,
                    group_ops.renewal_open(session, group, rules, today),
                    group_ops.renewal_opens_on(group, rules),
                    group_ops.successor_of(session, group) if group.id in renewing else None,
                )
            )
        else:
            shown.append(Registration(group, False, None, None))
    return shown[:SHOWN]


def overview(
    session: Session, runtime: TenantRuntime, account_id: int, *, now: dt.datetime, locale: str
) -> Overview:
    """What My page shows for ``account_id`` at ``now``."""
    today = local_today(runtime.config, now)
    all_groups = group_ops.groups_of(session, account_id)
    active = [g.id for g in group_ops.active_groups_of(session, account_id, today)]
    entries, open_rounds = lottery_entries(session, active, now=now)
    result = Overview(
        upcoming=upcoming_bookings(session, account_id, today),
        unpaid=unpaid_bookings(session, runtime, account_id),
        wins=pending_wins(session, runtime, active, now=now, locale=locale),
        entries=entries,
        open_rounds=open_rounds,
        registrations=registrations(session, runtime, account_id, today),
        messages=Bounded(*messages_for(session, [g.id for g in all_groups], limit=SHOWN)),
        can_book=bool(active),
    )
    todo = result.unpaid.total + result.wins.total
    todo += sum(1 for r in result.registrations if r.renewal_open and r.successor is None)
    todo += len(result.open_rounds)
    return dataclasses.replace(result, todo=todo)


def messages_page(session: Session, account_id: int, page: int) -> tuple[list[GroupMessage], int]:
    """One page of the messages to the account's groups, newest first, and the total."""
    ids = [g.id for g in group_ops.groups_of(session, account_id)]
    if not ids:
        return [], 0
    where = GroupMessage.group_id.in_(ids)
    total = int(session.scalar(sa.select(sa.func.count()).where(where)) or 0)
    rows = session.scalars(
        sa.select(GroupMessage)
        .where(where)
        .order_by(GroupMessage.created_at.desc(), GroupMessage.id.desc())
        .offset((page - 1) * MESSAGES_PER_PAGE)
        .limit(MESSAGES_PER_PAGE)
    )
    return list(rows), total
