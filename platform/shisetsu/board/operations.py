"""The booking board (予約状況表): one facility's rooms × time bands for a day or a week,
each cell saying what occupies it — a booking (group, purpose, paid or not), a lottery win,
an official hold, a closure — or that it is free.

It reads what the availability grids read (slot states, holds, the closed-day calendar)
plus the records behind each hold, in a fixed number of queries whatever the range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from shisetsu.booking.models import Booking
from shisetsu.facilities.models import Facility, Room
from shisetsu.lottery.models import LotteryOutcome
from shisetsu.slots.models import BOOKING, CLOSURE, LOTTERY_WIN, OFFICIAL, Closure, SlotHold
from shisetsu.slots.operations import CLOSED, FREE, LOTTERY, NOT_OPEN, Slot, evaluate, load_rooms
from shisetsu.tenancy.config import TenantConfig

DAY, WEEK = "day", "week"
VIEWS = (DAY, WEEK)
WEEK_DAYS = 7

# What occupies a cell (the template words them).
FREE_CELL, BOOKED, WON, OFFICIAL_HOLD, CLOSED_CELL, CLOSED_DAY, PAST = (
    "free",
    "booked",
    "won",
    "official",
    "closure",
    "closed_day",
    "past",
)
LOTTERY_CELL, NOT_OPEN_CELL = "lottery", "not_open"


@dataclass(frozen=True)
class Cell:
    """One slot of one room on one day and what occupies it."""

    slot: Slot
    state: str  # the slot's state as residents see it (free, taken, hold, …)
    what: str  # one of the cell kinds above
    booking: Booking | None = None
    outcome: LotteryOutcome | None = None
    closure: Closure | None = None
    note: str | None = None


@dataclass(frozen=True)
class Band:
    """A column of the day view: a slot division by its code and its name."""

    code: str
    slot: Slot  # the first slot of that code on the board (for its name and times)


@dataclass
class RoomRow:
    """One room: its cells by day, each day's cells by slot code."""

    room: Room
    cells: dict[dt.date, dict[str, Cell]]


@dataclass
class Board:
    """What the board page and its print show."""

    facility: Facility
    view: str
    days: list[dt.date]
    bands: list[Band]
    rows: list[RoomRow]

    @property
    def booking_count(self) -> int:
        return len(
            {
                cell.booking.id
                for row in self.rows
                for by_code in row.cells.values()
                for cell in by_code.values()
                if cell.booking is not None
            }
        )


def board_days(view: str, start: dt.date) -> list[dt.date]:
    """The days a view shows from ``start``: one, or the seven from it."""
    count = WEEK_DAYS if view == WEEK else 1
    return [start + dt.timedelta(days=i) for i in range(count)]


def _holds(
    session: Session, room_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[tuple[int, dt.date, str], SlotHold]:
    stmt = sa.select(SlotHold).where(
        SlotHold.room_id.in_(sorted(room_ids)), SlotHold.date >= start, SlotHold.date <= end
    )
    return {(h.room_id, h.date, h.slot_code): h for h in session.scalars(stmt)}


def _by_id(session: Session, model: Any, ids: set[int], *options: Any) -> dict[int, Any]:
    """Rows of ``model`` by id (one query; none for no ids)."""
    if not ids:
        return {}
    stmt = sa.select(model).where(model.id.in_(sorted(ids))).options(*options)
    return {row.id: row for row in session.scalars(stmt)}


def build_board(
    session: Session,
    config: TenantConfig,
    facility: Facility,
    view: str,
    start: dt.date,
    now: dt.datetime,
) -> Board:
    """The board of ``facility`` for the ``view`` (day or week) beginning on ``start``."""
    days = board_days(view, start)
    rooms = load_rooms(session, facility_code=facility.code)
    found = evaluate(session, config, rooms, days[0], days[-1], now=now)
    holds = _holds(session, [r.id for r in rooms], days[0], days[-1])
    refs: dict[str, set[int]] = {BOOKING: set(), LOTTERY_WIN: set(), CLOSURE: set()}
    for held in holds.values():
        if held.kind in refs and held.ref_id is not None:
            refs[held.kind].add(held.ref_id)
    bookings = _by_id(session, Booking, refs[BOOKING], selectinload(Booking.group))
    outcomes = _by_id(
        session, LotteryOutcome, refs[LOTTERY_WIN], selectinload(LotteryOutcome.group)
    )
    closures = _by_id(session, Closure, refs[CLOSURE])
    by_room = {room.id: RoomRow(room, {day: {} for day in days}) for room in rooms}
    bands: dict[str, Band] = {}
    for state in found.states:
        slot = state.slot
        row = by_room[slot.room_id]
        hold = holds.get((slot.room_id, slot.date, slot.code))
        rule_closed = found.calendar.closed_by_rule(row.room, slot.date)
        closure = state.closure
        if hold is not None and hold.kind == CLOSURE:
            closure = closures.get(hold.ref_id or 0, closure)
        cell = _cell(state.state, slot, hold, closure, rule_closed, bookings, outcomes)
        row.cells[slot.date][slot.code] = cell
        bands.setdefault(slot.code, Band(slot.code, slot))
    ordered = sorted(bands.values(), key=lambda b: (b.slot.start.time(), b.slot.end.time()))
    return Board(facility, view, days, ordered, list(by_room.values()))


def _cell(
    state: str,
    slot: Slot,
    hold: SlotHold | None,
    closure: Closure | None,
    rule_closed: bool,
    bookings: dict[int, Any],
    outcomes: dict[int, Any],
) -> Cell:
    """What occupies one slot: the hold's record first (a booking stays on the board after
    its start), then the state residents would see."""
    if hold is not None and hold.kind == BOOKING and hold.ref_id in bookings:
        return Cell(slot, state, BOOKED, booking=bookings[hold.ref_id])
    if hold is not None and hold.kind == LOTTERY_WIN and hold.ref_id in outcomes:
        return Cell(slot, state, WON, outcome=outcomes[hold.ref_id])
    if hold is not None and hold.kind == OFFICIAL:
        return Cell(slot, state, OFFICIAL_HOLD, note=hold.note)
    if closure is not None or (hold is not None and hold.kind == CLOSURE):
        return Cell(slot, state, CLOSED_CELL, closure=closure)
    if state == CLOSED:
        return Cell(slot, state, CLOSED_DAY if rule_closed else PAST)
    if state == LOTTERY:
        return Cell(slot, state, LOTTERY_CELL)
    if state == NOT_OPEN:
        return Cell(slot, state, NOT_OPEN_CELL)
    # Held for a record this board could not load (it is being cancelled): not free.
    return Cell(slot, state, FREE_CELL if state == FREE else BOOKED)
