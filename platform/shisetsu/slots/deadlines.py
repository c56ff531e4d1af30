"""Deadlines on open days: payment, confirmation and refund deadlines from the tenant's calendar.

A deadline that falls on a day the counter is closed (the year-end break, a facility's
closed days, national holidays where the tenant closes) moves to the last open day before
it. Each deadline has one last moment: a payment is due by the counter's closing time
(``counter_closes``, 17:00 by default) of its day, a confirmation by the end of its day.
Jobs act only once that moment has passed (:func:`passed`). Callers: payment terms and
refund tiers (:mod:`shisetsu.booking.policy`), the round schedule
(:func:`shisetsu.lottery.rounds.schedule_for`), auto-cancel, pages, mails, permit and API.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from shisetsu.slots.calendar import FIRST_DAY, LAST_DAY
from shisetsu.tenancy.config import ClosedDays, TenantConfig, is_closed_by_rule


def counter_rules(config: TenantConfig, facility_code: str | None = None) -> ClosedDays:
    """The closed days that apply: the facility's own (if any) or the tenant's."""
    return config.closed_days_for(facility_code) if facility_code else config.closed_days


def is_open_day(config: TenantConfig, day: dt.date, facility_code: str | None = None) -> bool:
    """True when the counter is open on ``day`` by the tenant's recurring closed days."""
    return not is_closed_by_rule(counter_rules(config, facility_code), day)


def last_open_day(
    config: TenantConfig,
    day: dt.date,
    facility_code: str | None = None,
    *,
    not_before: dt.date | None = None,
) -> dt.date:
    """``day`` itself if the counter is open then, else the last open day before it.

    When that would fall before ``not_before`` (a booking made during the year-end break
    whose deadline is inside it), the first open day from ``not_before`` is used instead:
    a deadline never lies in the past of the booking that has it.
    """
    rules = counter_rules(config, facility_code)
    candidate = day
    while candidate > FIRST_DAY and is_closed_by_rule(rules, candidate):
        candidate -= dt.timedelta(days=1)
    if not_before is not None and candidate < not_before:
        return next_open_day(config, not_before, facility_code)
    return candidate


def next_open_day(config: TenantConfig, day: dt.date, facility_code: str | None = None) -> dt.date:
    """``day`` itself if the counter is open then, else the first open day after it."""
    rules = counter_rules(config, facility_code)
    candidate = day
    while candidate < LAST_DAY and is_closed_by_rule(rules, candidate):
        candidate += dt.timedelta(days=1)
    return candidate


def payment_deadline(config: TenantConfig, due: dt.date | None) -> dt.datetime | None:
    """The last moment to pay a fee due on ``due``: the counter's closing time that day
    (None when there is nothing to pay)."""
    if due is None:
        return None
    return dt.datetime.combine(due, config.counter_closes, zoneinfo.ZoneInfo(config.timezone))


def day_end_deadline(config: TenantConfig, day: dt.date) -> dt.datetime:
    """The exclusive end of a deadline day (the next midnight): what rounds store."""
    zone = zoneinfo.ZoneInfo(config.timezone)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), zone)


def shifted_day_end(
    config: TenantConfig, end: dt.datetime, *, not_before: dt.datetime | None = None
) -> dt.datetime:
    """An exclusive day end (``21日 0:00`` = "by the 20th") moved onto the last open day
    (never onto a day before ``not_before``'s, e.g. before the draw it follows)."""
    zone = zoneinfo.ZoneInfo(config.timezone)
    last_day = (end.astimezone(zone) - dt.timedelta(microseconds=1)).date()
    floor = not_before.astimezone(zone).date() if not_before is not None else None
    return day_end_deadline(config, last_open_day(config, last_day, not_before=floor))


def passed(last_moment: dt.datetime, now: dt.datetime) -> bool:
    """True only strictly after a deadline's last moment."""
    return now > last_moment
