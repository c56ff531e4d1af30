"""The booking module's side of the plugin boundary: facts in, the tenant's answers out.

Rules (``check_booking``), fees (``compute_fee``), payment terms (``payment_terms``),
reductions (``fee_reductions``) and refunds (``refund_ratio``) are the tenant's policy.
This module builds the frozen facts they decide on and gives a safe default when a
tenant enables no plugin for a question: no extra rules, no fee, nothing refunded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import pluggy
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.booking.models import ACTIVE, CONFIRMED, PAID, Booking
from shisetsu.dates import month_bounds
from shisetsu.facilities.models import Room
from shisetsu.groups.models import Group
from shisetsu.plugins import Violation
from shisetsu.plugins.booking import (
    BookingRequest,
    FeeBreakdown,
    GroupBookingFacts,
    PaymentTerms,
    ReductionChoice,
    RefundFacts,
    RefundRule,
    RoomFacts,
    SlotFacts,
)
from shisetsu.slots import deadlines
from shisetsu.slots.operations import Slot
from shisetsu.tenancy.config import FullDaySet, TenantConfig

NO_REFUND = RefundRule(0, "還付なし", "No refund")
FULL_REFUND = RefundRule(
    100, "施設側の事由による取消：全額還付", "Cancelled for the facility's reasons: full refund"
)


def room_facts(room: Room) -> RoomFacts:
    """What rules and fee tables know of a room."""
    return RoomFacts(room.id, room.facility.code, room.code, room.slot_scheme, room.capacity)


def slot_facts(slot: Slot) -> SlotFacts:
    """A slot for the plugins."""
    return SlotFacts(slot.code, slot.name.ja, slot.name.en, slot.start, slot.end)


def set_facts(full: FullDaySet, slots: list[Slot]) -> SlotFacts:
    """A full-day set for the plugins: its name, from its first slot's start to its last end."""
    return SlotFacts(full.code, full.name.ja, full.name.en, slots[0].start, slots[-1].end)


def group_facts(
    session: Session, config: TenantConfig, group: Group, day: dt.date
) -> GroupBookingFacts:
    """The group's category and current load (bookings in ``day``'s month, unpaid ones)."""
    first, last = month_bounds(day)
    in_month = sa.select(sa.func.count(Booking.id)).where(
        Booking.group_id == group.id,
        Booking.status.in_(ACTIVE),
        Booking.date >= first,
        Booking.date <= last,
    )
    unpaid = sa.select(sa.func.count(Booking.id)).where(
        Booking.group_id == group.id,
        Booking.status == CONFIRMED,
        Booking.payment_due.is_not(None),
    )
    category = config.category(group.category)
    return GroupBookingFacts(
        id=group.id,
        category=group.category,
        resident=bool(category and category.resident),
        valid_until=group.valid_until,
        bookings_in_month=int(session.scalar(in_month) or 0),
        unpaid=int(session.scalar(unpaid) or 0),
    )


def rule_violations(
    pm: pluggy.PluginManager, request: BookingRequest, room: RoomFacts, group: GroupBookingFacts
) -> list[Violation]:
    """Every plugin's refusals, in the order tenant.toml lists the plugins."""
    results: list[list[Violation]] = pm.hook.check_booking(request=request, room=room, group=group)
    return list(itertools.chain.from_iterable(reversed(results)))


def quote_fee(
    pm: pluggy.PluginManager, request: BookingRequest, room: RoomFacts, group: GroupBookingFacts
) -> FeeBreakdown:
    """The itemised fee (free when no plugin prices the room)."""
    fee: FeeBreakdown | None = pm.hook.compute_fee(request=request, room=room, group=group)
    return fee if fee is not None else FeeBreakdown()


def payment_terms(
    pm: pluggy.PluginManager,
    config: TenantConfig,
    request: BookingRequest,
    room: RoomFacts,
    group: GroupBookingFacts,
    fee: FeeBreakdown,
) -> PaymentTerms:
    """When the fee is due (by default: on the use date; nothing when there is no fee),
    moved onto the last day the room's counter is open (:mod:`shisetsu.slots.deadlines`)."""
    terms: PaymentTerms | None = pm.hook.payment_terms(
        request=request, room=room, group=group, fee=fee
    )
    if terms is None:
        terms = PaymentTerms(due=request.date if fee.total > 0 else None)
    return on_open_days(config, terms, room.facility, request.today)


def on_open_days(
    config: TenantConfig, terms: PaymentTerms, facility_code: str, today: dt.date
) -> PaymentTerms:
    """``terms`` with the due date on an open day; the reminder keeps its lead time."""
    if terms.due is None:
        return terms
    due = deadlines.last_open_day(config, terms.due, facility_code, not_before=today)
    remind = terms.remind_from + (due - terms.due) if terms.remind_from is not None else None
    return PaymentTerms(due=due, remind_from=remind)


def reductions(pm: pluggy.PluginManager) -> list[ReductionChoice]:
    """The reductions (減免) staff may choose, from every fee plugin."""
    lists: list[list[ReductionChoice]] = pm.hook.fee_reductions()
    return list(itertools.chain.from_iterable(reversed(lists)))


def refund_facts(booking: Booking, zone: dt.tzinfo) -> RefundFacts:
    """A booking as the refund schedule sees it (its start in the tenant's time zone)."""
    starts = booking.starts_at.astimezone(zone)
    return RefundFacts(booking.date, starts, booking.fee_total, booking.status == PAID)


def refund_rule(
    pm: pluggy.PluginManager,
    config: TenantConfig,
    booking: Booking,
    when: dt.datetime,
    facility_code: str,
) -> RefundRule:
    """The refund that applies if ``booking`` is cancelled at ``when`` (none by default).

    A refund tier's last day that falls on a closed day moves to the last open day before:
    a cancellation on a closed day is judged as on the next open day, which gives exactly
    that (``when`` and the next open day lie on the same side of every shifted deadline).
    """
    zone = zoneinfo.ZoneInfo(config.timezone)
    facts = refund_facts(booking, zone)
    local = when.astimezone(zone)
    judged = deadlines.next_open_day(config, local.date(), facility_code)
    when = when + dt.timedelta(days=(judged - local.date()).days)
    rule: RefundRule | None = pm.hook.refund_ratio(booking=facts, when=when)
    return rule if rule is not None else NO_REFUND
