"""Closed days: the recurring rules in tenant.toml plus ad-hoc closures staff enter.

A room is closed on a day when its facility's rules close it (``closed_days_for``: the
facility's own rules or the tenant's) or when an ad-hoc closure covers the facility or
that room. :func:`closed_calendar` answers this for many rooms and days from one query.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import jpholiday
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.facilities.models import Room
from shisetsu.slots.models import Closure
from shisetsu.tenancy.config import ClosedDays, TenantConfig, is_closed_by_rule

FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
"""The calendar this system answers for (jpholiday and the rules need real neighbours)."""


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every date from ``start`` to ``end`` inclusive (safe up to date.max)."""
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


@functools.lru_cache(maxsize=8192)
def holiday_name(day: dt.date) -> str | None:
    """The national holiday's (Japanese) name on ``day``, or None."""
    name = jpholiday.is_holiday_name(day)
    return str(name) if name else None


def is_holiday_rates(day: dt.date) -> bool:
    """Saturdays, Sundays and national holidays (cached twin of the config's helper)."""
    return day.weekday() >= 5 or holiday_name(day) is not None


def rule_closed_dates(rules: ClosedDays, start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The days in ``start..end`` that the recurring ``rules`` close."""
    return frozenset(day for day in days(start, end) if is_closed_by_rule(rules, day))


def load_closures(
    session: Session, facility_ids: Iterable[int], start: dt.date, end: dt.date
) -> list[Closure]:
    """Ad-hoc closures of these facilities (whole or any room) overlapping ``start..end``."""
    ids = sorted(set(facility_ids))
    if not ids:
        return []
    stmt = (
        sa.select(Closure)
        .where(Closure.facility_id.in_(ids), Closure.start_date <= end, Closure.end_date >= start)
        .order_by(Closure.start_date, Closure.id)
    )
    return list(session.scalars(stmt))


@dataclass
class ClosedCalendar:
    """Which rooms are closed on which days in one date range, and why."""

    start: dt.date
    end: dt.date
    rule_days: dict[int, frozenset[dt.date]] = field(default_factory=dict)
    """facility id → days closed by rule."""
    closures: list[Closure] = field(default_factory=list)

    def closure_for(self, room: Room, day: dt.date) -> Closure | None:
        """The ad-hoc closure that closes ``room`` on ``day``, if any."""
        for closure in self.closures:
            if (
                closure.facility_id == room.facility_id
                and closure.room_id in (None, room.id)
                and closure.covers(day)
            ):
                return closure
        return None

    def closed_by_rule(self, room: Room, day: dt.date) -> bool:
        """True when the facility's recurring closed days include ``day``."""
        return day in self.rule_days.get(room.facility_id, frozenset())

    def is_closed(self, room: Room, day: dt.date) -> bool:
        """Closed by rule or by an ad-hoc closure."""
        return self.closed_by_rule(room, day) or self.closure_for(room, day) is not None

    def closures_of(self, room: Room) -> list[Closure]:
        """The ad-hoc closures in range that affect ``room`` (facility-wide ones too)."""
        return [
            c
            for c in self.closures
            if c.facility_id == room.facility_id and c.room_id in (None, room.id)
        ]


def closed_calendar(
    session: Session, config: TenantConfig, rooms: Sequence[Room], start: dt.date, end: dt.date
) -> ClosedCalendar:
    """Closed days of ``rooms`` over ``start..end``: rules per facility, closures in one query."""
    facility_codes = {room.facility_id: room.facility.code for room in rooms}
    calendar = ClosedCalendar(start, end)
    by_rules: dict[str, frozenset[dt.date]] = {}
    for facility_id, code in facility_codes.items():
        rules = config.closed_days_for(code)
        key = rules.model_dump_json()
        if key not in by_rules:
            by_rules[key] = rule_closed_dates(rules, start, end)
        calendar.rule_days[facility_id] = by_rules[key]
    calendar.closures = load_closures(session, facility_codes, start, end)
    return calendar
