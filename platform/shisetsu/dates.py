"""Every date people read, in one place: Japanese ``2026年2月1日(日)``, English ISO-style
``2026-02-01 (Sun)``, and the Japanese era (和暦) ``令和8年2月1日(日)`` for printed permits.

Plain string building (no babel pattern parsing): a month grid formats hundreds of days.
Stored moments are UTC; they are shown in the tenant's zone (Asia/Tokyo for every tenant).
Also the calendar arithmetic the domains share: local today, month bounds, month steps.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from typing import Protocol

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# The years people may ask for: arithmetic near year 1 or 9999 would overflow.
MIN_YEAR, MAX_YEAR = 1900, 2999
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Start of each era (the first day of its year 1), newest first.
ERAS = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
)


def parse_day(raw: str | None) -> dt.date | None:
    """An ISO date (``2026-04-01``) from :data:`MIN_YEAR` to :data:`MAX_YEAR`, else None."""
    try:
        day = dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def is_english(locale: str) -> bool:
    """True for English locales; everything else is shown in Japanese."""
    return str(locale).lower().startswith("en")


def weekday(day: dt.date, locale: str) -> str:
    """``日`` or ``Sun``."""
    index = day.weekday()
    return WEEKDAYS_EN[index] if is_english(locale) else WEEKDAYS_JA[index]


def format_day(day: dt.date, locale: str) -> str:
    """``2026年2月1日(日)`` in Japanese, ``2026-02-01 (Sun)`` in English."""
    if is_english(locale):
        return f"{day.year:04d}-{day.month:02d}-{day.day:02d} ({WEEKDAYS_EN[day.weekday()]})"
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def format_month(day: dt.date, locale: str) -> str:
    """``2026年2月`` in Japanese, ``2026-02`` in English."""
    if is_english(locale):
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year}年{day.month}月"


def clock(moment: dt.datetime | dt.time) -> str:
    """A time of day in a slot range, ``9:00`` (both languages: ``9:00–12:00``)."""
    return f"{moment.hour}:{moment.minute:02d}"


def time_range(start: dt.datetime | dt.time, end: dt.datetime | dt.time) -> str:
    """``9:00–12:00``."""
    return f"{clock(start)}–{clock(end)}"


def to_local(moment: dt.datetime, zone: str | zoneinfo.ZoneInfo = TOKYO) -> dt.datetime:
    """``moment`` in ``zone`` (a naive value is taken as UTC, as stored)."""
    tz = zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(tz)


def format_day_time(moment: dt.datetime, locale: str, zone: str | zoneinfo.ZoneInfo = TOKYO) -> str:
    """``2026年2月1日(日) 9:05`` in Japanese, ``2026-02-01 09:05`` in English (local time)."""
    local = to_local(moment, zone)
    if is_english(locale):
        return f"{local:%Y-%m-%d %H:%M}"
    return f"{format_day(local.date(), locale)} {clock(local)}"


def last_moment(end: dt.datetime) -> dt.datetime:
    """The last second before an exclusive end (``11日 0:00`` → ``10日 23:59:59``): rounds
    store when a period is over, people and the API are given the last moment inside it."""
    return end - dt.timedelta(seconds=1)


def format_deadline(
    moment: dt.datetime, locale: str, zone: str | zoneinfo.ZoneInfo = TOKYO, *, wareki: bool = False
) -> str:
    """A deadline as its last moment: ``2026年12月28日(月) 17:00まで`` or
    ``until 2026-12-28 (Mon) 17:00`` (``wareki``: ``令和8年12月28日(月) 17:00まで``)."""
    local = to_local(moment, zone)
    if is_english(locale) and not wareki:
        return f"until {format_day(local.date(), locale)} {local:%H:%M}"
    day = format_wareki(local.date()) if wareki else format_day(local.date(), locale)
    return f"{day} {clock(local)}まで"


def local_day(moment: dt.datetime, zone: str | zoneinfo.ZoneInfo = TOKYO) -> dt.date:
    """The local date of a stored (UTC) moment."""
    return to_local(moment, zone).date()


def era_year(day: dt.date) -> tuple[str, int]:
    """The era name and year of ``day`` (令和, 8 for 2026)."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"no era known for {day}")


def format_wareki(day: dt.date, *, weekday: bool = True) -> str:
    """``令和8年2月1日(日)`` (``元年`` for an era's first year); weekday optional."""
    era, year = era_year(day)
    text = f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{text}({WEEKDAYS_JA[day.weekday()]})" if weekday else text


# --- local time --------------------------------------------------------------------------


class Zoned(Protocol):
    """Anything that names its time zone (a tenant's configuration)."""

    @property
    def timezone(self) -> str: ...


def local_today(config: Zoned, now: dt.datetime | None = None) -> dt.date:
    """Today in the tenant's time zone (Asia/Tokyo): registrations run on local dates."""
    zone = zoneinfo.ZoneInfo(config.timezone)
    moment = now if now is not None else dt.datetime.now(zone)
    return moment.astimezone(zone).date()


def local_time(moment: dt.datetime, zone: str | zoneinfo.ZoneInfo = TOKYO) -> str:
    """``moment`` as wall-clock time in ``zone``, e.g. ``2026-04-01 09:15`` (a naive value is
    taken as UTC, as stored): the ISO-style form for messages built outside templates."""
    return f"{to_local(moment, zone):%Y-%m-%d %H:%M}"


# --- months ------------------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month containing ``month``."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def month_end(month: dt.date) -> dt.date:
    """The last day of ``month``'s month."""
    return month_bounds(month)[1]


def first_of_month_after(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``month``'s (the day of ``month`` is
    dropped): lottery rounds and usage months are whole months."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def add_months_clamped(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (negative allowed), clamped to the target month's last
    day (31 January + 1 month is 28 or 29 February): validity and retention periods."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
