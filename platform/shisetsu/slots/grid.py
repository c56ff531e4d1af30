"""Month grids and search results: availability arranged for the pages (no Flask here).

A grid has dates as rows and the room's slots (then its full-day sets) as columns. A cell
is None where a slot is not offered that day (weekday and holiday lists may differ).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from shisetsu.facilities.models import Room
from shisetsu.slots import finder
from shisetsu.slots.calendar import FIRST_DAY, LAST_DAY, holiday_name
from shisetsu.slots.ids import format_slot_id
from shisetsu.slots.models import Closure
from shisetsu.slots.operations import (
    FREE,
    NOT_OPEN,
    SlotState,
    availability,
    combined_state,
    evaluate,
    full_day_sets,
    load_rooms,
    scheme_of,
)
from shisetsu.tenancy.config import LocalizedText, Purpose, TenantConfig


@dataclass(frozen=True)
class Column:
    """A slot division, or a full-day set (``members`` lists its slot codes)."""

    code: str
    name: LocalizedText
    start: dt.time | None = None
    end: dt.time | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    """One slot (or set) on one day; ``slot_id`` is what a booking link would carry."""

    column: Column
    state: str
    slot_id: str
    opens_at: dt.datetime | None = None


@dataclass
class Row:
    """One date of the grid."""

    day: dt.date
    cells: list[Cell | None]
    holiday: str | None = None
    closed_by_rule: bool = False
    closure: Closure | None = None


@dataclass
class Grid:
    """A room's slots over a date range, ready to render."""

    room: Room
    start: dt.date
    end: dt.date
    columns: list[Column]
    rows: list[Row]
    closures: list[Closure] = field(default_factory=list)

    @property
    def first_come_at(self) -> dt.datetime | None:
        """The earliest first-come opening of a slot shown as not yet open, if any."""
        times = [
            c.opens_at
            for row in self.rows
            for c in row.cells
            if c is not None and c.state == NOT_OPEN and c.opens_at is not None
        ]
        return min(times) if times else None


def shift_month(month: dt.date, delta: int) -> dt.date:
    """The first day of the month ``delta`` months from ``month``."""
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def columns_for(config: TenantConfig, room: Room) -> list[Column]:
    """The room's slot columns (weekday and holiday lists merged, by start) and its sets."""
    scheme = scheme_of(config, room)
    if scheme is None:
        return []
    seen: dict[str, Column] = {}
    for sd in sorted([*scheme.weekday, *(scheme.holiday or [])], key=lambda s: s.start):
        seen.setdefault(sd.code, Column(sd.code, sd.name, sd.start, sd.end))
    sets = [Column(f.code, f.name, members=tuple(f.slots)) for f in full_day_sets(config, room)]
    return [*seen.values(), *sets]


def build_grid(
    config: TenantConfig,
    room: Room,
    states: Sequence[SlotState],
    start: dt.date,
    end: dt.date,
    rule_days: frozenset[dt.date] = frozenset(),
    closures: Sequence[Closure] = (),
) -> Grid:
    """Arrange one room's ``states`` (from :func:`availability`) as a grid."""
    columns = columns_for(config, room)
    by_day: dict[dt.date, dict[str, SlotState]] = {}
    for st in states:
        if st.slot.room_id == room.id:
            by_day.setdefault(st.slot.date, {})[st.slot.code] = st
    rows = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        on_day = by_day.get(day, {})
        cells: list[Cell | None] = []
        for column in columns:
            cells.append(_cell(room.id, day, column, on_day))
        closure = next((s.closure for s in on_day.values() if s.closure is not None), None)
        rows.append(Row(day, cells, holiday_name(day), day in rule_days, closure))
    return Grid(room, start, end, columns, rows, list(closures))


def _cell(room_id: int, day: dt.date, column: Column, on_day: dict[str, SlotState]) -> Cell | None:
    slot_id = format_slot_id(room_id, day, column.code)
    if not column.members:
        st = on_day.get(column.code)
        return Cell(column, st.state, slot_id, st.opens_at) if st else None
    members = [on_day.get(code) for code in column.members]
    present = [m for m in members if m is not None]
    if len(present) < len(members):
        return None
    opens = [m.opens_at for m in present if m.opens_at is not None]
    state = combined_state(m.state for m in present)
    return Cell(column, state, slot_id, max(opens) if opens else None)


def room_grid(
    session: Session,
    config: TenantConfig,
    room: Room,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
) -> Grid:
    """One room's grid from ``start`` to ``end`` (two queries: holds, closures)."""
    result = evaluate(session, config, [room], start, end, now=now)
    return build_grid(
        config,
        room,
        result.states,
        start,
        end,
        result.calendar.rule_days.get(room.facility_id, frozenset()),
        result.calendar.closures_of(room),
    )


@dataclass(frozen=True)
class SearchCriteria:
    """What a resident looks for on the availability search page."""

    start: dt.date
    end: dt.date
    facility_code: str | None = None
    room_id: int | None = None
    slot_code: str | None = None
    min_capacity: int | None = None
    band: str | None = None
    """``morning``, ``afternoon`` or ``evening`` (:mod:`shisetsu.slots.finder`)."""
    purpose: Purpose | None = None
    weekdays: frozenset[int] = frozenset()
    """Days of the week to keep (0 = Monday); empty: every day."""


@dataclass
class RoomMatch:
    """A room with free slots that match, grouped by day."""

    room: Room
    days: list[tuple[dt.date, list[SlotState]]]


def search(
    session: Session,
    config: TenantConfig,
    criteria: SearchCriteria,
    now: dt.datetime | None = None,
) -> list[RoomMatch]:
    """Rooms matching ``criteria`` with their free slots (in one availability pass)."""
    if not FIRST_DAY <= criteria.start <= criteria.end <= LAST_DAY:
        return []
    rooms = load_rooms(
        session,
        facility_code=criteria.facility_code,
        room_ids=None if criteria.room_id is None else [criteria.room_id],
        min_capacity=criteria.min_capacity,
    )
    if criteria.purpose is not None:
        rooms = [room for room in rooms if finder.suits(criteria.purpose, room)]
    states = availability(session, config, rooms, criteria.start, criteria.end, now=now)
    matches: dict[int, dict[dt.date, list[SlotState]]] = {room.id: {} for room in rooms}
    for st in states:
        if st.state != FREE:
            continue
        if criteria.slot_code is not None and st.slot.code != criteria.slot_code:
            continue
        if criteria.weekdays and st.slot.date.weekday() not in criteria.weekdays:
            continue
        if not finder.matches_band(st, criteria.band):
            continue
        matches[st.slot.room_id].setdefault(st.slot.date, []).append(st)
    return [RoomMatch(room, sorted(matches[room.id].items())) for room in rooms]
