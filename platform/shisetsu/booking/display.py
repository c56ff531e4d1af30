"""How bookings read to people: yen, dates (via :mod:`shisetsu.dates`), slot times, status words.

No Flask request objects; functions that translate use ``gettext`` and so follow the
current (or forced) locale.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from shisetsu import dates
from shisetsu.booking.models import BY_AUTO, BY_GROUP, BY_STAFF, CANCELLED, CONFIRMED, PAID, Booking
from shisetsu.dates import clock
from shisetsu.slots import deadlines
from shisetsu.slots.operations import slot_defs_on
from shisetsu.tenancy.config import TenantConfig

STATUS_LABELS: dict[str, LazyString] = {
    CONFIRMED: _l("Booked (payment due)"),
    PAID: _l("Paid"),
    CANCELLED: _l("Cancelled"),
}
FREE_STATUS = _l("Booked (no fee)")
CANCELLED_BY: dict[str, LazyString] = {
    BY_GROUP: _l("by the group"),
    BY_STAFF: _l("by staff"),
    BY_AUTO: _l("automatically (unpaid after the deadline)"),
}


def is_english(locale: str) -> bool:
    """True for English locales."""
    return dates.is_english(locale)


def yen(amount: int, locale: str = "ja") -> str:
    """``6,000円`` in Japanese, ``¥6,000`` in English (ASCII minus for reductions)."""
    sign = "-" if amount < 0 else ""
    if is_english(locale):
        return f"{sign}¥{abs(amount):,}"
    return f"{sign}{abs(amount):,}円"


def long_date(day: dt.date, locale: str) -> str:
    """``2026年2月1日(日)`` or ``2026-02-01 (Sun)``."""
    return dates.format_day(day, locale)


def payment_deadline(config: TenantConfig, due: dt.date | None) -> dt.datetime | None:
    """The last moment to pay a fee due on ``due`` (for ``|deadline``; None: nothing due)."""
    return deadlines.payment_deadline(config, due)


def local_date(moment: dt.datetime, config: TenantConfig) -> dt.date:
    """The tenant-local date of a stored (UTC) moment."""
    return dates.local_day(moment, config.timezone)


@dataclass(frozen=True)
class SlotLine:
    """One booked slot as text: name and local times."""

    code: str
    name: str
    start: dt.time
    end: dt.time

    def __str__(self) -> str:
        return f"{self.name} {clock(self.start)}–{clock(self.end)}"


def slot_lines(config: TenantConfig, booking: Booking, locale: str) -> list[SlotLine]:
    """The booked slots with names and times from the room's scheme (codes if it changed)."""
    scheme = config.slot_schemes.get(booking.room.slot_scheme)
    defs = {sd.code: sd for sd in slot_defs_on(scheme, booking.date)} if scheme else {}
    zone = zoneinfo.ZoneInfo(config.timezone)
    lines = []
    for code in booking.slot_codes:
        sd = defs.get(code)
        if sd is not None:
            lines.append(SlotLine(code, sd.name.get(locale), sd.start, sd.end))
        else:
            start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
            lines.append(SlotLine(code, code, start.time(), end.time()))
    return sorted(lines, key=lambda line: line.start)


def set_name(config: TenantConfig, booking: Booking, locale: str) -> str | None:
    """The name of the full-day set the booking is (全日), if it is one."""
    scheme = config.slot_schemes.get(booking.room.slot_scheme)
    if booking.set_code is None or scheme is None:
        return None
    found = next((f for f in scheme.full_day if f.code == booking.set_code), None)
    return found.name.get(locale) if found else None


def describe_slots(config: TenantConfig, booking: Booking, locale: str) -> str:
    """``全日（午前 9:30–12:30、午後 13:00–17:00）`` or the slots alone."""
    separator = ", " if is_english(locale) else "、"
    lines = separator.join(str(line) for line in slot_lines(config, booking, locale))
    name = set_name(config, booking, locale)
    if name is None:
        return lines
    return f"{name} ({lines})" if is_english(locale) else f"{name}（{lines}）"


def room_name(booking: Booking, locale: str) -> str:
    """``新宿歴史博物館 講堂``."""
    return f"{booking.room.facility.name(locale)} {booking.room.name(locale)}"


def status_label(booking: Booking) -> str:
    """The booking's state in words (current locale)."""
    if booking.status == CONFIRMED and booking.payment_due is None:
        return str(FREE_STATUS)
    return str(STATUS_LABELS[booking.status])


def cancelled_by_label(booking: Booking) -> str:
    """Who cancelled, in words ("" while active)."""
    label = CANCELLED_BY.get(booking.cancelled_by or "")
    return str(label) if label is not None else ""
