"""Searching as residents search: by time band, purpose or sport, weekday, and one day
across every room (no Flask here).

A time band (午前・午後・夜間) is read from a slot's start time, so rooms booked by the
hour and rooms booked by half-day answer the same question. A purpose (利用目的・種目)
comes from ``tenant.toml`` and names facility kinds and rooms that suit it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu.facilities.models import Room
from shisetsu.slots.operations import SlotState, availability
from shisetsu.tenancy.config import Purpose, TenantConfig

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
BANDS: dict[str, LazyString] = {
    MORNING: _l("Morning (until 12:00)"),
    AFTERNOON: _l("Afternoon (12:00–17:00)"),
    EVENING: _l("Evening (from 17:00)"),
}
SHORT_BANDS: dict[str, LazyString] = {
    MORNING: _l("Morning"),
    AFTERNOON: _l("Afternoon"),
    EVENING: _l("Evening"),
}
NOON, FIVE_PM = dt.time(12, 0), dt.time(17, 0)


def band_of(start: dt.time) -> str:
    """The time band a slot starting at ``start`` belongs to."""
    if start < NOON:
        return MORNING
    return AFTERNOON if start < FIVE_PM else EVENING


def purpose_of(config: TenantConfig, code: str | None) -> Purpose | None:
    """The tenant's purpose ``code`` (None when not given or unknown)."""
    return next((p for p in config.purposes if p.code == code), None) if code else None


def suits(purpose: Purpose, room: Room) -> bool:
    """Whether ``room`` suits ``purpose`` (its facility's kind, or the room named)."""
    return room.facility.kind in purpose.kinds or f"{room.facility.code}/{room.code}" in (
        purpose.rooms
    )


def purposes_of_room(config: TenantConfig, room: Room) -> list[Purpose]:
    """Every purpose ``room`` suits, in the tenant's order."""
    return [p for p in config.purposes if suits(p, room)]


@dataclass
class DayRoom:
    """One room on one day: its slots by band (each band's list may be empty)."""

    room: Room
    bands: dict[str, list[SlotState]]

    @property
    def free(self) -> int:
        """How many of the shown slots are free."""
        return sum(1 for states in self.bands.values() for st in states if st.state == "free")


def day_rooms(
    session: Session,
    config: TenantConfig,
    rooms: Sequence[Room],
    day: dt.date,
    bands: Iterable[str],
    *,
    now: dt.datetime | None = None,
) -> list[DayRoom]:
    """Every room's slots of ``day`` in the chosen ``bands`` (one availability pass)."""
    wanted = list(bands)
    rows = {room.id: DayRoom(room, {band: [] for band in wanted}) for room in rooms}
    for st in availability(session, config, rooms, day, day, now=now):
        band = band_of(st.slot.start.time())
        if band in wanted:
            rows[st.slot.room_id].bands[band].append(st)
    return [rows[room.id] for room in rooms]


def matches_band(st: SlotState, band: str | None) -> bool:
    """Whether ``st`` lies in ``band`` (any band when None)."""
    return band is None or band_of(st.slot.start.time()) == band
