"""Calendars for deadline tests: the shipped tenants, and variants that close on more days.

The oracle here is written apart from :mod:`shisetsu.slots.deadlines`: it reads the raw
rules (``jpholiday``, the year-end range, 4th Mondays) day by day, so a wrong shift in the
module under test cannot also be wrong here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path

import jpholiday
import pluggy

from shisetsu.plugins import build_plugin_manager
from shisetsu.tenancy.config import ClosedDays, TenantConfig, load_tenant_config

ROOT = Path(__file__).resolve().parents[2]
TENANTS = ("regasu", "genkikan")


@functools.cache
def shipped(slug: str) -> TenantConfig:
    """A tenant's own ``tenant.toml``."""
    return load_tenant_config(ROOT / "tenants" / slug / "tenant.toml")


@functools.cache
def plugins_of(slug: str) -> pluggy.PluginManager:
    """The shipped tenant's plugin manager (booking rules, lottery calendar, refunds)."""
    return build_plugin_manager(shipped(slug).plugins)


@functools.cache
def holidays_closed(slug: str) -> TenantConfig:
    """The shipped tenant, closed on national holidays too (a tenant may say so)."""
    config = shipped(slug)
    rules = config.closed_days.model_copy(update={"national_holidays_closed": True})
    return config.model_copy(update={"closed_days": rules})


CALENDARS = [(slug, variant) for slug in TENANTS for variant in ("shipped", "holidays_closed")]


def calendar(slug: str, variant: str) -> TenantConfig:
    """One of :data:`CALENDARS`."""
    return shipped(slug) if variant == "shipped" else holidays_closed(slug)


def fourth_monday(day: dt.date) -> dt.date:
    """The 4th Monday of ``day``'s month, moved past national holidays (the shipped rule)."""
    first = day.replace(day=1)
    monday = first + dt.timedelta(days=(0 - first.weekday()) % 7 + 21)
    while jpholiday.is_holiday(monday):
        monday += dt.timedelta(days=1)
    return monday


def oracle_closed(rules: ClosedDays, day: dt.date) -> bool:
    """Closed by the shipped kinds of rule, checked from scratch."""
    if rules.national_holidays_closed and jpholiday.is_holiday(day):
        return True
    if (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3):
        return True
    previous = day.replace(day=1) - dt.timedelta(days=1)
    return day in (fourth_monday(day), fourth_monday(previous))


def oracle_last_open(rules: ClosedDays, day: dt.date) -> dt.date:
    """The last day on or before ``day`` the oracle calls open."""
    while oracle_closed(rules, day):
        day -= dt.timedelta(days=1)
    return day


def every_day(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """``start`` to ``end`` inclusive."""
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)


# Every day of 2027, the 2026/27 year end before it, and February 2028 (leap day).
YEAR = [
    *every_day(dt.date(2026, 12, 1), dt.date(2027, 12, 31)),
    *every_day(dt.date(2028, 2, 1), dt.date(2028, 3, 5)),
]
