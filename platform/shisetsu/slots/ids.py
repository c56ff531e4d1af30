"""Public slot ids: ``"<room id>-<YYYYMMDD>-<code>"``, e.g. ``"12-20260201-am"``.

The id names a slot without a database row (free slots have none), is stable across
restarts and readable in logs. ``code`` may also be a full-day set's code (``"12-20260201-
full"``): set codes never collide with slot codes (tenant.toml validation), and
:func:`shisetsu.slots.operations.resolve_slots` expands such an id into its slots.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_ROOM_ID = 2**31 - 1
"""Room ids are 32-bit integers in the database; larger numbers are garbage, not a lookup."""

_SLOT_ID = re.compile(r"^([1-9][0-9]{0,9})-([0-9]{8})-([a-z0-9][a-z0-9_-]{0,39})$")


class InvalidSlotId(ValueError):
    """The text is not a slot id at all (a 400, unlike a well-formed unknown id: 404)."""


@dataclass(frozen=True, order=True)
class SlotRef:
    """Which slot: room, local date and slot (or full-day set) code."""

    room_id: int
    date: dt.date
    code: str

    @property
    def id(self) -> str:
        """The public id of this slot."""
        return format_slot_id(self.room_id, self.date, self.code)

    def __str__(self) -> str:
        return self.id


def format_slot_id(room_id: int, day: dt.date, code: str) -> str:
    """``room_id``/``day``/``code`` as a public slot id."""
    return f"{room_id}-{day.year:04d}{day.month:02d}{day.day:02d}-{code}"  # (strftime is slow)


def parse_slot_id(text: str) -> SlotRef:
    """Split a public slot id; :class:`InvalidSlotId` when it is malformed or impossible."""
    match = _SLOT_ID.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidSlotId(f"not a slot id: {text!r}")
    raw_room, raw_date, code = match.groups()
    room_id = int(raw_room)
    if room_id > MAX_ROOM_ID:
        raise InvalidSlotId(f"room id out of range in {text!r}")
    try:
        day = dt.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
    except ValueError:
        raise InvalidSlotId(f"no such date in {text!r}") from None
    return SlotRef(room_id, day, code)
