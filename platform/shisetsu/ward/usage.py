"""Usage figures for the ward: bookings and utilisation by facility, room and month, and
the lottery's win rate by group category (operations; no Flask).

Utilisation is slots taken (booked, won in the lottery or held for official use) out of
the slots offered on open days: a day closed by the tenant's rules or by an ad-hoc closure
offers nothing and counts for nothing. Everything comes from a few aggregate queries (holds
per room and day, bookings per room and month, lottery entries and wins per category); the
Python side only walks the calendar, once per slot scheme and once per room.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.booking.models import ACTIVE, Booking
from shisetsu.facilities.models import Room
from shisetsu.lottery.engine import WON
from shisetsu.lottery.models import (
    DRAWN,
    RELEASED,
    LotteryChoice,
    LotteryEntry,
    LotteryOutcome,
    LotteryRound,
)
from shisetsu.slots.calendar import closed_calendar, days
from shisetsu.slots.grid import shift_month
from shisetsu.slots.models import SlotHold
from shisetsu.slots.operations import load_rooms, scheme_of, slot_defs_on
from shisetsu.tenancy.config import TenantConfig

MONTHS_BACK, MONTHS_AHEAD = 11, 3
"""The window: this month and the 11 before it (the last 12 months), and the next 3."""
LEVELS = (0, 20, 40, 60, 80)
"""Lower bounds (percent) of the heat-map levels 0–4; the legend prints them."""


@dataclass(frozen=True)
class Name:
    """A name in Japanese and English (facility, room, group category)."""

    ja: str
    en: str

    def get(self, locale: str) -> str:
        """The name in ``locale`` (Japanese unless English)."""
        return self.en if locale.startswith("en") else self.ja


@dataclass(frozen=True)
class Cell:
    """One room (or facility, or tenant) in one month (or the whole window)."""

    bookings: int = 0
    taken: int = 0
    offered: int = 0
    """Slots on open days (closed days offer none)."""

    def __add__(self, other: Cell) -> Cell:
        return Cell(
            self.bookings + other.bookings, self.taken + other.taken, self.offered + other.offered
        )

    @property
    def rate(self) -> float | None:
        """Taken out of offered (None when nothing was offered)."""
        return self.taken / self.offered if self.offered else None

    @property
    def percent(self) -> int | None:
        """The utilisation as a whole percentage (None when nothing was offered)."""
        return None if self.rate is None else round(self.rate * 100)

    @property
    def level(self) -> int | None:
        """The heat-map level 0–4 (see :data:`LEVELS`), None when nothing was offered."""
        percent = self.percent
        if percent is None:
            return None
        return max(i for i, low in enumerate(LEVELS) if percent >= low)


def total(cells: Iterable[Cell]) -> Cell:
    """The sum of ``cells``."""
    out = Cell()
    for cell in cells:
        out = out + cell
    return out


@dataclass(frozen=True)
class RoomUsage:
    """One room's months."""

    id: int
    name: Name
    cells: list[Cell]

    @property
    def total(self) -> Cell:
        return total(self.cells)


@dataclass(frozen=True)
class FacilityUsage:
    """One facility's rooms and their sum per month."""

    name: Name
    rooms: list[RoomUsage]

    @property
    def cells(self) -> list[Cell]:
        return [total(cells) for cells in zip(*(r.cells for r in self.rooms), strict=True)]

    @property
    def total(self) -> Cell:
        return total(r.total for r in self.rooms)


@dataclass(frozen=True)
class CategoryRate:
    """Lottery entries and wins of one group category over the drawn rounds in the window."""

    code: str
    name: Name
    entered: int
    won: int

    @property
    def percent(self) -> float | None:
        """Groups that won at least one choice, per hundred that entered (one decimal)."""
        return round(100 * self.won / self.entered, 1) if self.entered else None


@dataclass
class TenantUsage:
    """Everything the usage page shows for one tenant."""

    months: list[dt.date]
    facilities: list[FacilityUsage] = field(default_factory=list)
    categories: list[CategoryRate] = field(default_factory=list)
    rounds_drawn: int = 0

    @property
    def month_totals(self) -> list[Cell]:
        if not self.facilities:
            return [Cell() for _ in self.months]
        return [total(cells) for cells in zip(*(f.cells for f in self.facilities), strict=True)]

    @property
    def total(self) -> Cell:
        return total(f.total for f in self.facilities)


def window(today: dt.date) -> list[dt.date]:
    """First days of the months shown: the last 12 (this one included) and the next 3."""
    this_month = today.replace(day=1)
    return [shift_month(this_month, k) for k in range(-MONTHS_BACK, MONTHS_AHEAD + 1)]


def tenant_usage(session: Session, config: TenantConfig, today: dt.date) -> TenantUsage:
    """Usage of the tenant ``session`` is bound to, over :func:`window` of ``today``."""
    months = window(today)
    start, end = months[0], shift_month(months[-1], 1) - dt.timedelta(days=1)
    rooms = load_rooms(session)
    index = {month: i for i, month in enumerate(months)}
    offered = _offered(session, config, rooms, start, end, index)
    taken = _taken(session, rooms, start, end, offered.per_day, index)
    bookings = _bookings(session, rooms, start, end, index)
    usage = TenantUsage(months)
    by_facility: dict[int, FacilityUsage] = {}
    for room in rooms:
        cells = [
            Cell(bookings[room.id][i], taken[room.id][i], offered.per_month[room.id][i])
            for i in range(len(months))
        ]
        facility = by_facility.get(room.facility_id)
        if facility is None:
            facility = FacilityUsage(Name(room.facility.name_ja, room.facility.name_en), [])
            by_facility[room.facility_id] = facility
            usage.facilities.append(facility)
        facility.rooms.append(RoomUsage(room.id, Name(room.name_ja, room.name_en), cells))
    usage.categories, usage.rounds_drawn = _win_rates(session, config, months[0], months[-1])
    return usage


@dataclass
class _Offered:
    per_month: dict[int, list[int]]
    """room id → slots offered per month of the window."""
    per_day: dict[int, dict[dt.date, int]]
    """room id → slots offered on each open day (closed days are absent)."""


def _offered(
    session: Session,
    config: TenantConfig,
    rooms: Sequence[Room],
    start: dt.date,
    end: dt.date,
    index: dict[dt.date, int],
) -> _Offered:
    calendar = closed_calendar(session, config, rooms, start, end)
    all_days = list(days(start, end))
    per_scheme: dict[str, list[int]] = {}
    out = _Offered({}, {})
    for room in rooms:
        scheme = scheme_of(config, room)
        if room.slot_scheme not in per_scheme:
            per_scheme[room.slot_scheme] = [
                len(slot_defs_on(scheme, day)) if scheme else 0 for day in all_days
            ]
        counts = per_scheme[room.slot_scheme]
        closed = set(calendar.rule_days.get(room.facility_id, frozenset()))
        for closure in calendar.closures_of(room):
            closed.update(days(max(closure.start_date, start), min(closure.end_date, end)))
        months = [0] * len(index)
        open_days: dict[dt.date, int] = {}
        for day, count in zip(all_days, counts, strict=True):
            if count and day not in closed:
                open_days[day] = count
                months[index[day.replace(day=1)]] += count
        out.per_month[room.id] = months
        out.per_day[room.id] = open_days
    return out


def _taken(
    session: Session,
    rooms: Sequence[Room],
    start: dt.date,
    end: dt.date,
    per_day: dict[int, dict[dt.date, int]],
    index: dict[dt.date, int],
) -> dict[int, list[int]]:
    """Held slots per room and month, counting only open days (one grouped query)."""
    out: dict[int, list[int]] = defaultdict(lambda: [0] * len(index))
    if not rooms:
        return out
    stmt = (
        sa.select(SlotHold.room_id, SlotHold.date, sa.func.count())
        .where(
            SlotHold.room_id.in_([r.id for r in rooms]),
            SlotHold.date >= start,
            SlotHold.date <= end,
        )
        .group_by(SlotHold.room_id, SlotHold.date)
    )
    for room_id, day, count in session.execute(stmt):
        offered = per_day[room_id].get(day, 0)
        if offered:
            out[room_id][index[day.replace(day=1)]] += min(int(count), offered)
    return out


def _bookings(
    session: Session, rooms: Sequence[Room], start: dt.date, end: dt.date, index: dict[dt.date, int]
) -> dict[int, list[int]]:
    """Bookings (not cancelled) per room and month of their date (one grouped query)."""
    out: dict[int, list[int]] = defaultdict(lambda: [0] * len(index))
    if not rooms:
        return out
    year, month = sa.extract("year", Booking.date), sa.extract("month", Booking.date)
    stmt = (
        sa.select(Booking.room_id, year, month, sa.func.count())
        .where(
            Booking.room_id.in_([r.id for r in rooms]),
            Booking.status.in_(ACTIVE),
            Booking.date >= start,
            Booking.date <= end,
        )
        .group_by(Booking.room_id, year, month)
    )
    for room_id, y, m, count in session.execute(stmt):
        out[room_id][index[dt.date(int(y), int(m), 1)]] += int(count)
    return out


def _win_rates(
    session: Session, config: TenantConfig, first: dt.date, last: dt.date
) -> tuple[list[CategoryRate], int]:
    """Groups entered and groups with a win, per category, over drawn rounds in the window."""
    drawn = sa.and_(
        LotteryRound.state.in_((DRAWN, RELEASED)),
        LotteryRound.usage_month >= first,
        LotteryRound.usage_month <= last,
    )
    rounds = int(session.scalar(sa.select(sa.func.count(LotteryRound.id)).where(drawn)) or 0)
    if not rounds:
        return [], 0
    has_choice = sa.exists().where(LotteryChoice.entry_id == LotteryEntry.id)
    entered_stmt = (
        sa.select(LotteryEntry.category, sa.func.count(sa.distinct(LotteryEntry.id)))
        .join(LotteryRound, LotteryRound.id == LotteryEntry.round_id)
        .where(drawn, LotteryEntry.withdrawn_at.is_(None), has_choice)
        .group_by(LotteryEntry.category)
    )
    won_stmt = (
        sa.select(LotteryEntry.category, sa.func.count(sa.distinct(LotteryEntry.id)))
        .select_from(LotteryOutcome)
        .join(LotteryEntry, LotteryEntry.id == LotteryOutcome.entry_id)
        .join(LotteryRound, LotteryRound.id == LotteryOutcome.round_id)
        .where(drawn, LotteryOutcome.status == WON)
        .group_by(LotteryEntry.category)
    )
    entered = {c: int(n) for c, n in session.execute(entered_stmt)}
    won = {c: int(n) for c, n in session.execute(won_stmt)}
    rank = {c.code: i for i, c in enumerate(config.group_categories)}
    codes = sorted(set(entered) | set(won), key=lambda c: (rank.get(c, len(rank)), c))
    rates = []
    for code in codes:
        category = config.category(code)
        name = Name(category.name.ja, category.name.en) if category else Name(code, code)
        rates.append(CategoryRate(code, name, entered.get(code, 0), won.get(code, 0)))
    return rates, rounds
