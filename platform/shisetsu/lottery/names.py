"""Lottery choices in words: facility, room, date with weekday and time band.

Receipts (page and mail) and the entry pages name every choice this way, never by its
slot ids. No Flask request objects here: the locale is passed in (a mail is written in
its reader's language).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shisetsu.dates import format_day, is_english, time_range
from shisetsu.slots.ids import InvalidSlotId
from shisetsu.slots.operations import UnknownSlot, full_day_sets, load_rooms, resolve_slots
from shisetsu.tenancy.config import TenantConfig


@dataclass(frozen=True)
class ChoiceName:
    """One choice as people read it; ``slot_ids`` are the slots it stands for."""

    facility: str
    room: str
    day: str
    band: str
    slot_ids: tuple[str, ...]
    room_id: int

    def __str__(self) -> str:
        return f"{self.facility} {self.room} {self.day} {self.band}"


def name_choices(
    session: Session, config: TenantConfig, choices: Sequence[Sequence[str]], locale: str
) -> list[ChoiceName | None]:
    """Each choice (slot ids or a full-day set id) named; None where it names no slot now
    (a room taken out of service, a malformed id)."""
    wanted: set[int] = set()
    resolved = []
    for choice in choices:
        try:
            slots = resolve_slots(session, config, list(choice))
        except (InvalidSlotId, UnknownSlot):
            slots = []
        resolved.append(slots)
        wanted.update(s.room_id for s in slots)
    rooms = {room.id: room for room in load_rooms(session, room_ids=wanted)}
    out: list[ChoiceName | None] = []
    for slots in resolved:
        room = rooms.get(slots[0].room_id) if slots else None
        if room is None or len({(s.room_id, s.date) for s in slots}) != 1:
            out.append(None)
            continue
        codes = {s.code for s in slots}
        full = next((f for f in full_day_sets(config, room) if set(f.slots) == codes), None)
        if full is not None and len(slots) > 1:
            band = f"{full.name.get(locale)} {time_range(slots[0].start, slots[-1].end)}"
        else:
            sep = ", " if is_english(locale) else "、"
            band = sep.join(f"{s.name.get(locale)} {time_range(s.start, s.end)}" for s in slots)
        out.append(
            ChoiceName(
                facility=room.facility.name(locale),
                room=room.name(locale),
                day=format_day(slots[0].date, locale),
                band=band,
                slot_ids=tuple(s.id for s in slots),
                room_id=room.id,
            )
        )
    return out
