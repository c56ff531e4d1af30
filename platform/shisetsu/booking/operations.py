"""Booking: check a request against the slots' states and the tenant's rules, then hold it.

No Flask request objects here. :func:`prepare` answers "could this be booked, and what
would it cost?" without writing; :func:`book` does it for real: the group's row is locked
(one booking at a time per group, so caps hold), the slots are held through
:func:`shisetsu.slots.holds.hold_slots` — the unique key decides races, the loser gets
:class:`~shisetsu.slots.holds.SlotTaken` and nothing is written — and the booking, its
frozen fee and its confirmation mail are added in the same transaction. Committing is
the caller's job.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.booking import mail, policy
from shisetsu.booking.models import ACTIVE, CONFIRMED, Booking
from shisetsu.dates import local_today
from shisetsu.facilities.models import Room
from shisetsu.groups.models import Group
from shisetsu.groups.operations import can_book
from shisetsu.plugins import Violation
from shisetsu.plugins.booking import BookingRequest, FeeBreakdown, PaymentTerms
from shisetsu.refusals import Refusal
from shisetsu.routing import MAX_ID
from shisetsu.slots.calendar import is_holiday_rates
from shisetsu.slots.holds import SlotTaken, hold_slots
from shisetsu.slots.ids import InvalidSlotId
from shisetsu.slots.locks import facilities_of, share_facilities
from shisetsu.slots.lottery import first_come_opens
from shisetsu.slots.models import BOOKING
from shisetsu.slots.operations import (
    CLOSED,
    FREE,
    LOTTERY,
    NOT_OPEN,
    Slot,
    UnknownSlot,
    full_day_sets,
    load_rooms,
    resolve_slots,
    slot_states,
)
from shisetsu.tenancy.config import FullDaySet
from shisetsu.tenancy.runtime import TenantRuntime

MAX_SLOTS = 24
"""Ids are 32-bit in the database; a larger number in a URL is simply not found."""
PURPOSE_MAX = 200


class BookingRefused(Refusal):
    """The request breaks rules; ``violations`` (never empty) says which, in ja and en."""

    code = "booking_refused"

    def __init__(self, violations: Sequence[Violation]) -> None:
        super().__init__(violations=violations)


def _violation(code: str, ja: str, en: str, field: str | None = "slots") -> Violation:
    return Violation(code=code, ja=ja, en=en, field=field)


UNKNOWN_SLOT = _violation(
    "unknown_slot", "指定された枠が見つかりません。", "The chosen time slot does not exist."
)
NO_SLOTS = _violation("no_slots", "枠を選んでください。", "Please choose at least one time slot.")
ONE_ROOM_ONE_DAY = _violation(
    "one_room_one_day",
    "1件の予約は、同じ部屋・同じ日の枠に限ります。",
    "One booking covers time slots of one room on one day.",
)
GROUP_NOT_ACTIVE = _violation(
    "group_not_active",
    "この団体は現在予約できません（登録が有効ではありません）。",
    "This group cannot book now: its registration is not valid.",
    None,
)
ATTENDEES_REQUIRED = _violation(
    "attendees_required",
    "利用人数を1名以上で入力してください。",
    "Please enter the number of people (at least 1).",
    "attendees",
)
PURPOSE_TOO_LONG = _violation(
    "purpose_too_long",
    f"利用目的は{PURPOSE_MAX}文字以内で入力してください。",
    f"Please keep the purpose within {PURPOSE_MAX} characters.",
    "purpose",
)


@dataclass(frozen=True)
class BookingInput:
    """What someone asks for: slot ids (a full-day set id counts as its slots), and more.

    ``reduction`` (減免) and ``override_reason`` are for staff at the counter only.
    """

    slot_ids: Sequence[str]
    attendees: int | None
    purpose: str
    reduction: str | None = None
    override_reason: str | None = None


@dataclass
class Draft:
    """A request checked against states and rules, with its fee, before anything is held."""

    room: Room
    date: dt.date
    slots: list[Slot]
    full_day: FullDaySet | None
    request: BookingRequest
    fee: FeeBreakdown
    terms: PaymentTerms
    taken: list[str] = field(default_factory=list)
    """Slot ids someone else holds: the request fails with SlotTaken (409)."""
    refusals: list[Violation] = field(default_factory=list)
    """What no one may override: closed, in a lottery, already started, malformed."""
    rules: list[Violation] = field(default_factory=list)
    """The tenant's rules (staff may override them at the counter with a reason)."""

    @property
    def violations(self) -> list[Violation]:
        """Every reason, fixed ones first."""
        return [*self.refusals, *self.rules]

    @property
    def slot_ids(self) -> list[str]:
        """The individual slot ids, in time order."""
        return [slot.id for slot in self.slots]


def _resolve(session: Session, runtime: TenantRuntime, slot_ids: Sequence[str]) -> list[Slot]:
    if not slot_ids:
        raise BookingRefused([NO_SLOTS])
    if len(slot_ids) > MAX_SLOTS:
        raise BookingRefused([ONE_ROOM_ONE_DAY])
    try:
        slots = resolve_slots(session, runtime.config, slot_ids)
    except (InvalidSlotId, UnknownSlot):
        raise BookingRefused([UNKNOWN_SLOT]) from None
    if len({(s.room_id, s.date) for s in slots}) != 1:
        raise BookingRefused([ONE_ROOM_ONE_DAY])
    return slots


def _state_refusals(
    states: dict[str, str], slots: list[Slot], now: dt.datetime
) -> tuple[list[str], list[Violation]]:
    taken: list[str] = []
    refusals: list[Violation] = []
    if any(slot.start <= now for slot in slots):
        refusals.append(
            _violation(
                "slot_past",
                "開始時刻を過ぎた枠は予約できません。",
                "A time slot that has already started cannot be booked.",
            )
        )
    elif any(states.get(slot.id) == CLOSED for slot in slots):
        refusals.append(
            _violation(
                "slot_closed",
                "休館日または利用できない日の枠が含まれています。",
                "A chosen time slot falls on a closed day.",
            )
        )
    if any(states.get(slot.id) == LOTTERY for slot in slots):
        refusals.append(
            _violation(
                "slot_in_lottery",
                "抽選の対象期間中の枠は、抽選後の先着受付まで予約できません。",
                "A chosen time slot is in the lottery; it opens first come after the draw.",
            )
        )
    for slot in slots:
        # A not-yet-open slot is free; the group's own opening is a rule, checked in prepare.
        if states.get(slot.id) not in (FREE, CLOSED, LOTTERY, NOT_OPEN):
            taken.append(slot.id)
    return taken, refusals


def _opens_later(opens: dt.datetime) -> Violation:
    """A staggered first come: this group category may book the month from ``opens``."""
    return _violation(
        "first_come_later",
        f"この月の枠は、あなたの団体区分では{opens:%Y年%-m月%-d日 %-H:%M}から先着予約できます。",
        f"For your group category, this month opens first come on {opens:%Y-%m-%d %H:%M}.",
    )


def _not_open(opens: dt.datetime) -> Violation:
    """The month's lottery has not been drawn and released: first come opens at ``opens``."""
    return _violation(
        "first_come_not_open",
        (
            "この月の先着受付は、抽選の後、"
            f"{opens:%Y年%-m月%-d日 %-H:%M}から始まります。それまでは予約できません。"
        ),
        (
            "First come for this month opens only after its lottery, on "
            f"{opens:%Y-%m-%d %H:%M}; it cannot be booked before then."
        ),
    )


def prepare(
    session: Session,
    runtime: TenantRuntime,
    group: Group,
    data: BookingInput,
    *,
    now: dt.datetime,
    by_staff: bool = False,
) -> Draft:
    """Check ``data`` for ``group`` and price it; raises :class:`BookingRefused` if malformed."""
    config = runtime.config
    slots = _resolve(session, runtime, data.slot_ids)
    room = load_rooms(session, room_ids=[slots[0].room_id])[0]
    day = slots[0].date
    codes = [slot.code for slot in slots]
    full = next((f for f in full_day_sets(config, room) if sorted(f.slots) == sorted(codes)), None)
    today = local_today(config, now)
    request = BookingRequest(
        date=day,
        slots=tuple(policy.slot_facts(slot) for slot in slots),
        attendees=data.attendees,
        purpose=data.purpose,
        today=today,
        now=now,
        holiday_rates=is_holiday_rates(day),
        full_day=policy.set_facts(full, slots) if full is not None else None,
        by_staff=by_staff,
        reduction=data.reduction if by_staff else None,
    )
    room_facts = policy.room_facts(room)
    group_facts = policy.group_facts(session, config, group, day)
    states = {k: st.state for k, st in slot_states(session, config, slots, now=now).items()}
    taken, refusals = _state_refusals(states, slots, now)
    if not can_book(group, today):
        refusals.insert(0, GROUP_NOT_ACTIVE)
    if data.attendees is None or data.attendees < 1:
        refusals.append(ATTENDEES_REQUIRED)
    if len(data.purpose) > PURPOSE_MAX:
        refusals.append(PURPOSE_TOO_LONG)
    rules = policy.rule_violations(runtime.plugins, request, room_facts, group_facts)
    opening = first_come_opens(session, config, group.category, day, now)
    if opening is not None:
        local = opening.at.astimezone(zoneinfo.ZoneInfo(config.timezone))
        rules.append(_opens_later(local) if opening.staggered else _not_open(local))
    fee = policy.quote_fee(runtime.plugins, request, room_facts, group_facts)
    terms = policy.payment_terms(runtime.plugins, config, request, room_facts, group_facts, fee)
    return Draft(room, day, slots, full, request, fee, terms, taken, refusals, rules)


def lock_group(session: Session, group_id: int) -> None:
    """Serialise one group's bookings (a row lock on PostgreSQL), so caps cannot be raced."""
    session.execute(sa.select(Group.id).where(Group.id == group_id).with_for_update())


def book(
    session: Session,
    runtime: TenantRuntime,
    group: Group,
    data: BookingInput,
    *,
    now: dt.datetime,
    account_id: int | None = None,
    staff_id: int | None = None,
) -> Booking:
    """Book ``data`` for ``group``: all its slots or none (the caller commits).

    Raises :class:`~shisetsu.slots.holds.SlotTaken` when a slot is held by someone else
    (checked first, and again by the unique key) and :class:`BookingRefused` with every
    violation otherwise. Staff (``staff_id``) may override the tenant's rules — never a
    closed, past or lottery slot — by giving ``override_reason``; the overridden rules
    are recorded with the booking.
    """
    share_facilities(session, facilities_of(session, data.slot_ids))  # closures take turns
    lock_group(session, group.id)
    by_staff = staff_id is not None
    draft = prepare(session, runtime, group, data, now=now, by_staff=by_staff)
    if draft.taken:
        raise SlotTaken(draft.taken)
    reason = (data.override_reason or "").strip() if by_staff else ""
    refused = draft.refusals if reason else draft.violations
    if refused:
        raise BookingRefused(refused)
    holds = hold_slots(session, draft.slots, BOOKING, staff_id=staff_id)
    booking = Booking(
        group_id=group.id,
        account_id=account_id,
        staff_id=staff_id,
        room_id=draft.room.id,
        date=draft.date,
        slot_codes=[slot.code for slot in draft.slots],
        set_code=draft.full_day.code if draft.full_day else None,
        starts_at=draft.slots[0].start,
        ends_at=draft.slots[-1].end,
        attendees=data.attendees,
        purpose=data.purpose.strip(),
        status=CONFIRMED,
        fee_total=draft.fee.total,
        fee_items=[item.to_dict() for item in draft.fee.items],
        fee_sample=draft.fee.sample,
        reduction_code=draft.request.reduction,
        payment_due=draft.terms.due,
        remind_from=draft.terms.remind_from if draft.terms.due else None,
        override_reason=reason if draft.rules and reason else None,
        overridden=[v.code for v in draft.rules] if reason else [],
        created_at=now,
    )
    session.add(booking)
    session.flush()
    for hold in holds:
        hold.ref_id = booking.id
    session.flush()
    mail.queue_confirmation(session, runtime.config, booking)
    return booking


# --- reading -----------------------------------------------------------------------------


def bookings_of_account(session: Session, account_id: int) -> list[Booking]:
    """Bookings of every group the account represents, latest use date first."""
    query = (
        sa.select(Booking)
        .join(Booking.group)
        .where(Group.account_id == account_id)
        .order_by(Booking.date.desc(), Booking.starts_at.desc(), Booking.id.desc())
    )
    return list(session.scalars(query))


def get_booking(session: Session, booking_id: int) -> Booking | None:
    """Any booking of the bound tenant by id (None for ids that cannot exist)."""
    if not 1 <= booking_id <= MAX_ID:
        return None
    return session.get(Booking, booking_id)


def get_group(session: Session, group_id: int) -> Group | None:
    """Any group of the bound tenant by id (None for ids that cannot exist)."""
    if not 1 <= group_id <= MAX_ID:
        return None
    return session.get(Group, group_id)


def own_booking(session: Session, account_id: int, booking_id: int) -> Booking | None:
    """Booking ``booking_id`` if one of the account's groups holds it; else None (a 404)."""
    booking = get_booking(session, booking_id)
    if booking is None or booking.group.account_id != account_id:
        return None
    return booking


def bookings_on(session: Session, day: dt.date, *, facility_id: int | None = None) -> list[Booking]:
    """Every booking (cancelled ones too) using ``day``, by facility, room and time."""
    query = sa.select(Booking).join(Booking.room).where(Booking.date == day)
    if facility_id is not None:
        query = query.where(Room.facility_id == facility_id)
    query = query.order_by(Room.facility_id, Room.position, Room.id, Booking.starts_at, Booking.id)
    return list(session.scalars(query))


def active_count(session: Session, group_id: int) -> int:
    """How many active bookings the group has (for pages)."""
    query = sa.select(sa.func.count(Booking.id)).where(
        Booking.group_id == group_id, Booking.status.in_(ACTIVE)
    )
    return int(session.scalar(query) or 0)
