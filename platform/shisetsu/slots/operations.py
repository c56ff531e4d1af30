"""Slot generation and states: what each slot of a room is on a day, for many at once.

States are the API's (docs/architecture.md): ``free``, ``taken`` (booked, won in a lottery …),
``closed`` (closed day, ad-hoc closure, or already started), ``lottery`` (an open
lottery round covers it), ``not_open`` (free, but first come has not opened: its month's
round is not drawn and released yet, or the booking horizon does not reach it) and
``hold`` (official hold, 公用予約). Availability over any range costs one query for holds,
one for closures, one lottery call and one opening question per month.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from shisetsu.facilities.models import Facility, Room
from shisetsu.slots.calendar import (
    FIRST_DAY,
    LAST_DAY,
    ClosedCalendar,
    closed_calendar,
    days,
    is_holiday_rates,
)
from shisetsu.slots.ids import SlotRef, format_slot_id, parse_slot_id
from shisetsu.slots.lottery import LotterySource, Opening, first_come_opens, lottery_slots
from shisetsu.slots.models import OFFICIAL, Closure, SlotHold
from shisetsu.tenancy.config import FullDaySet, LocalizedText, SlotDef, SlotScheme, TenantConfig
from shisetsu.tenancy.runtime import runtime_of

FREE, TAKEN, CLOSED, LOTTERY, HOLD = "free", "taken", "closed", "lottery", "hold"
NOT_OPEN = "not_open"
STATES = (FREE, TAKEN, CLOSED, LOTTERY, NOT_OPEN, HOLD)
# When slots of a full-day set differ, the set shows the most limiting one.
_SET_PRECEDENCE = (CLOSED, HOLD, TAKEN, LOTTERY, NOT_OPEN, FREE)
DayOpening = Callable[[dt.date], dt.datetime | None]
"""When a day opens first come (None: open now)."""


class UnknownSlot(LookupError):
    """A well-formed slot id that names no slot of this tenant (a 404)."""

    def __init__(self, slot_id: str) -> None:
        super().__init__(f"no such slot: {slot_id}")
        self.slot_id = slot_id


@dataclass(frozen=True, slots=True)
class Slot:
    """One bookable slot: a room's slot division on a date, with its local times."""

    room_id: int
    date: dt.date
    code: str
    name: LocalizedText
    start: dt.datetime
    end: dt.datetime

    @property
    def id(self) -> str:
        """The public slot id (``"<room>-<YYYYMMDD>-<code>"``)."""
        return format_slot_id(self.room_id, self.date, self.code)

    @property
    def ref(self) -> SlotRef:
        """The slot as a :class:`SlotRef` (what ``hold_slots`` takes)."""
        return SlotRef(self.room_id, self.date, self.code)


@dataclass(frozen=True, slots=True)
class SlotState:
    """A slot and its state; ``closure`` says which ad-hoc closure closed it, if one did.

    ``opens_at`` is when first come opens for a ``not_open`` or ``lottery`` slot.
    """

    slot: Slot
    state: str
    closure: Closure | None = None
    opens_at: dt.datetime | None = None


def tenant_zone(config: TenantConfig) -> zoneinfo.ZoneInfo:
    """The tenant's time zone (Asia/Tokyo for the shipped tenants)."""
    return zoneinfo.ZoneInfo(config.timezone)


def scheme_of(config: TenantConfig, room: Room) -> SlotScheme | None:
    """The room's slot scheme, or None if tenant.toml no longer has it."""
    return config.slot_schemes.get(room.slot_scheme)


def slot_defs_on(scheme: SlotScheme, day: dt.date) -> list[SlotDef]:
    """The slot divisions offered on ``day``: the holiday list on weekends and holidays."""
    if scheme.holiday is not None and is_holiday_rates(day):
        return scheme.holiday
    return scheme.weekday


def slots_on(config: TenantConfig, room: Room, day: dt.date) -> list[Slot]:
    """The room's slots on ``day`` in time order (closed days included: see states)."""
    scheme = scheme_of(config, room)
    if scheme is None:
        return []
    zone = tenant_zone(config)
    return [_slot(room.id, day, sd, zone) for sd in slot_defs_on(scheme, day)]


def _slot(room_id: int, day: dt.date, sd: SlotDef, zone: zoneinfo.ZoneInfo) -> Slot:
    return Slot(
        room_id,
        day,
        sd.code,
        sd.name,
        dt.datetime.combine(day, sd.start, tzinfo=zone),
        dt.datetime.combine(day, sd.end, tzinfo=zone),
    )


def full_day_sets(config: TenantConfig, room: Room) -> list[FullDaySet]:
    """The room's full-day sets (全日): slots booked, won or lost together."""
    scheme = scheme_of(config, room)
    return list(scheme.full_day) if scheme else []


def load_rooms(
    session: Session,
    *,
    facility_code: str | None = None,
    room_ids: Iterable[int] | None = None,
    min_capacity: int | None = None,
    include_inactive: bool = False,
) -> list[Room]:
    """Rooms (with their facility loaded) in the operator's order, filtered."""
    stmt = (
        sa.select(Room)
        .join(Room.facility)
        .options(contains_eager(Room.facility))
        .order_by(Facility.position, Facility.id, Room.position, Room.id)
    )
    if not include_inactive:
        stmt = stmt.where(Room.active.is_(True), Facility.active.is_(True))
    if facility_code is not None:
        stmt = stmt.where(Facility.code == facility_code)
    if room_ids is not None:
        stmt = stmt.where(Room.id.in_(sorted(set(room_ids))))
    if min_capacity is not None:
        stmt = stmt.where(Room.capacity >= min_capacity)
    return list(session.scalars(stmt))


def held_slots(
    session: Session, room_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date, str], str]:
    """``(room id, date, code) → hold kind`` for every hold in range (one query)."""
    if not room_ids:
        return {}
    stmt = sa.select(SlotHold.room_id, SlotHold.date, SlotHold.slot_code, SlotHold.kind).where(
        SlotHold.room_id.in_(sorted(set(room_ids))),
        SlotHold.date >= start,
        SlotHold.date <= end,
    )
    return {(r, d, c): kind for r, d, c, kind in session.execute(stmt)}


class _Evaluator:
    """Everything needed to tell the state of any slot of some rooms in a date range."""

    def __init__(
        self,
        session: Session,
        config: TenantConfig,
        rooms: Sequence[Room],
        start: dt.date,
        end: dt.date,
        now: dt.datetime | None,
        lottery: LotterySource | None,
        category: str | None = None,
        opening: DayOpening | None = None,
    ) -> None:
        room_ids = [room.id for room in rooms]
        self.session, self.config, self.category = session, config, category
        self.now = now or dt.datetime.now(tenant_zone(config))
        self.holds = held_slots(session, room_ids, start, end)
        self.calendar: ClosedCalendar = closed_calendar(session, config, rooms, start, end)
        self.lottery = (lottery or lottery_slots)(session, config, room_ids, start, end)
        self._months: dict[dt.date, Opening | None] = {}
        self._days: dict[dt.date, dt.datetime | None] = {}
        self._opening = opening

    def opening(self, day: dt.date) -> dt.datetime | None:
        """When ``day`` opens first come, if it has not: the lottery's month, the horizon."""
        if self._opening is not None:
            return self._opening(day)
        if day in self._days:
            return self._days[day]
        month = day.replace(day=1)
        if month not in self._months:
            self._months[month] = first_come_opens(
                self.session, self.config, self.category, day, self.now
            )
        found = self._months[month]
        waits = [] if found is None else [found.at.astimezone(tenant_zone(self.config))]
        horizon = runtime_of(self.config).plugins.hook.booking_opens_on(
            date=day, category=self.category
        )
        if horizon is not None:
            starts = dt.datetime.combine(horizon, dt.time(0), tenant_zone(self.config))
            if starts > self.now:
                waits.append(starts)
        self._days[day] = max(waits) if waits else None
        return self._days[day]

    def state(self, room: Room, slot: Slot, closed_day: bool) -> tuple[str, dt.datetime | None]:
        if closed_day or slot.start <= self.now:
            return CLOSED, None
        kind = self.holds.get((room.id, slot.date, slot.code))
        if kind == OFFICIAL:
            return HOLD, None
        if kind is not None:
            return TAKEN, None
        opens = self.opening(slot.date)
        if slot.id in self.lottery:
            return LOTTERY, opens
        return (FREE, None) if opens is None else (NOT_OPEN, opens)

    def day_states(self, config: TenantConfig, room: Room, day: dt.date) -> list[SlotState]:
        closure = self.calendar.closure_for(room, day)
        closed_day = closure is not None or self.calendar.closed_by_rule(room, day)
        out = []
        for slot in slots_on(config, room, day):
            state, opens = self.state(room, slot, closed_day)
            out.append(SlotState(slot, state, closure, opens))
        return out


@dataclass
class Availability:
    """States of many slots, with the closed-day calendar they were computed from."""

    states: list[SlotState]
    calendar: ClosedCalendar


def evaluate(
    session: Session,
    config: TenantConfig,
    rooms: Sequence[Room],
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
    lottery: LotterySource | None = None,
    category: str | None = None,
    opening: DayOpening | None = None,
) -> Availability:
    """Like :func:`availability`, also returning the closed-day calendar (for grids)."""
    evaluator = _Evaluator(session, config, rooms, start, end, now, lottery, category, opening)
    out: list[SlotState] = []
    if end >= start:
        for room in rooms:
            for day in days(start, end):
                out.extend(evaluator.day_states(config, room, day))
    return Availability(out, evaluator.calendar)


def availability(
    session: Session,
    config: TenantConfig,
    rooms: Sequence[Room],
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
    lottery: LotterySource | None = None,
    category: str | None = None,
    opening: DayOpening | None = None,
) -> list[SlotState]:
    """Every slot of ``rooms`` from ``start`` to ``end`` (inclusive) with its state.

    Ordered by room (as given), date, start time. ``now`` (aware) decides which slots are
    past; ``lottery`` overrides the lottery source (see :mod:`shisetsu.slots.lottery`);
    ``category`` is the viewer's group category (None: when first come opens to anyone);
    ``opening`` overrides when each day opens first come (tests of other rules).
    Costs one query for holds, one for closures, one lottery call.
    """
    if not rooms or end < start:
        return []
    states = evaluate(
        session,
        config,
        rooms,
        start,
        end,
        now=now,
        lottery=lottery,
        category=category,
        opening=opening,
    )
    return states.states


def combined_state(states: Iterable[str]) -> str:
    """The state of a full-day set from its slots' states (free only if all are free)."""
    present = set(states)
    return next((s for s in _SET_PRECEDENCE if s in present), CLOSED)


def resolve_slots(session: Session, config: TenantConfig, slot_ids: Iterable[str]) -> list[Slot]:
    """The slots these public ids name, full-day set ids expanded; sorted, no duplicates.

    Raises :class:`~shisetsu.slots.ids.InvalidSlotId` for malformed ids (400) and
    :class:`UnknownSlot` for ids that name no slot of an active room of this tenant on
    that day (404) — another tenant's room is simply unknown.
    """
    refs = [parse_slot_id(text) for text in slot_ids]
    rooms = {room.id: room for room in load_rooms(session, room_ids={r.room_id for r in refs})}
    found: dict[str, Slot] = {}
    for ref in refs:
        room = rooms.get(ref.room_id)
        if room is None or not FIRST_DAY <= ref.date <= LAST_DAY:
            raise UnknownSlot(ref.id)
        on_day = {slot.code: slot for slot in slots_on(config, room, ref.date)}
        if ref.code in on_day:
            codes = [ref.code]
        else:
            full = next((f for f in full_day_sets(config, room) if f.code == ref.code), None)
            if full is None:
                raise UnknownSlot(ref.id)
            codes = list(full.slots)
        for code in codes:
            found[on_day[code].id] = on_day[code]
    return sorted(found.values(), key=lambda s: (s.room_id, s.start))


def slot_states(
    session: Session,
    config: TenantConfig,
    slots: Sequence[Slot],
    *,
    now: dt.datetime | None = None,
    lottery: LotterySource | None = None,
    opening: DayOpening | None = None,
) -> dict[str, SlotState]:
    """``slot id → SlotState`` for particular slots (e.g. those a booking asks for)."""
    if not slots:
        return {}
    rooms = load_rooms(session, room_ids={s.room_id for s in slots})
    by_id = {room.id: room for room in rooms}
    start, end = min(s.date for s in slots), max(s.date for s in slots)
    evaluator = _Evaluator(session, config, rooms, start, end, now, lottery, opening=opening)
    wanted = {s.id for s in slots}
    out: dict[str, SlotState] = {}
    for room_id, day in sorted({(s.room_id, s.date) for s in slots}):
        room = by_id.get(room_id)
        if room is None:
            continue
        for state in evaluator.day_states(config, room, day):
            if state.slot.id in wanted:
                out[state.slot.id] = state
    return out
