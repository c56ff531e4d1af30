"""Staff work on rooms: details, ad-hoc closures and official holds (公用予約).

No Flask request objects here; the console views parse forms and call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu.facilities.models import Room
from shisetsu.refusals import Refusal
from shisetsu.slots.calendar import closed_calendar, days
from shisetsu.slots.holds import hold_slots, holds_between, release_slots
from shisetsu.slots.ids import SlotRef
from shisetsu.slots.models import CLOSURE, OFFICIAL, Closure, SlotHold
from shisetsu.slots.operations import full_day_sets, slots_on
from shisetsu.tenancy.config import TenantConfig

MAX_HOLD_DAYS = 93
MAX_CLOSURE_DAYS = 731


class ManageError(Refusal, ValueError):
    """A staff request that cannot be carried out; ``message`` says why (translated)."""

    code = "not_possible"

    def __init__(self, message: LazyString) -> None:
        super().__init__(message=str(message))
        self.message = message


def room_for_staff(session: Session, room_id: int) -> Room | None:
    """Any room of the bound tenant, active or not (staff may re-activate one)."""
    return session.get(Room, room_id)


def update_room(
    room: Room, *, capacity: int, area_m2: float | None, equipment: Sequence[str], active: bool
) -> None:
    """Change what residents see about a room (and whether it can be booked at all)."""
    room.capacity = capacity
    room.area_m2 = area_m2
    room.equipment = [item.strip() for item in equipment if item.strip()]
    room.active = active


def check_closure_period(start: dt.date, end: dt.date, today: dt.date) -> None:
    """Raise :class:`ManageError` unless ``start..end`` can be closed (not past, not too long)."""
    _check_period(start, end, today, MAX_CLOSURE_DAYS)


def _check_period(start: dt.date, end: dt.date, today: dt.date, longest: int) -> None:
    if end < start:
        raise ManageError(_l("The end date must not be before the start date."))
    if start < today:
        raise ManageError(_l("The period must not start in the past."))
    if (end - start).days + 1 > longest:
        raise ManageError(_l("The period can be at most %(days)s days.", days=longest))


def add_closure(
    session: Session,
    room: Room,
    start: dt.date,
    end: dt.date,
    *,
    whole_facility: bool,
    reason_ja: str,
    reason_en: str | None,
    staff_id: int | None,
    today: dt.date,
) -> tuple[Closure, int]:
    """Close ``room`` (or its whole facility) from ``start`` to ``end``.

    Returns the closure and how many slots inside it are already held. Staff pages go
    through :mod:`shisetsu.closures`, which decides on each booking it hits first.
    """
    _check_period(start, end, today, MAX_CLOSURE_DAYS)
    closure = Closure(
        facility_id=room.facility_id,
        room_id=None if whole_facility else room.id,
        start_date=start,
        end_date=end,
        reason_ja=reason_ja.strip(),
        reason_en=(reason_en or "").strip() or None,
        created_by_staff_id=staff_id,
    )
    session.add(closure)
    session.flush()
    rooms = [r.id for r in room.facility.rooms] if whole_facility else [room.id]
    held = session.scalar(
        sa.select(sa.func.count(SlotHold.id)).where(
            SlotHold.room_id.in_(rooms), SlotHold.date >= start, SlotHold.date <= end
        )
    )
    return closure, int(held or 0)


def closures_affecting(session: Session, room: Room, since: dt.date) -> list[Closure]:
    """Closures of the room or its whole facility that end on or after ``since``."""
    stmt = (
        sa.select(Closure)
        .where(
            Closure.facility_id == room.facility_id,
            sa.or_(Closure.room_id.is_(None), Closure.room_id == room.id),
            Closure.end_date >= since,
        )
        .order_by(Closure.start_date, Closure.id)
    )
    return list(session.scalars(stmt))


def closure_of(session: Session, room: Room, closure_id: int) -> Closure | None:
    """A closure that affects ``room`` (its own or its facility's), or None."""
    closure = session.get(Closure, closure_id)
    if closure is None or closure.facility_id != room.facility_id:
        return None
    return closure if closure.room_id in (None, room.id) else None


def remove_closure(session: Session, closure: Closure) -> None:
    """Reopen the days of ``closure`` (and free the lottery slots it held)."""
    release_slots(session, CLOSURE, closure.id)
    session.delete(closure)
    session.flush()


def hold_choices(config: TenantConfig, room: Room) -> list[tuple[str, str, str]]:
    """``(code, name ja, name en)`` of the slots and full-day sets staff can hold."""
    scheme = config.slot_schemes.get(room.slot_scheme)
    if scheme is None:
        return []
    seen: dict[str, tuple[str, str, str]] = {}
    for sd in [*scheme.weekday, *(scheme.holiday or [])]:
        seen.setdefault(sd.code, (sd.code, sd.name.ja, sd.name.en))
    for full in scheme.full_day:
        seen.setdefault(full.code, (full.code, full.name.ja, full.name.en))
    return list(seen.values())


def add_official_holds(
    session: Session,
    config: TenantConfig,
    room: Room,
    start: dt.date,
    end: dt.date,
    codes: Sequence[str],
    *,
    reason: str,
    staff_id: int | None,
    now: dt.datetime,
) -> list[SlotHold]:
    """Hold the chosen slots (or full-day sets) on every open day from ``start`` to ``end``.

    All or nothing: if any of them is already held, :class:`~shisetsu.slots.holds.SlotTaken`
    names those and nothing is held. Closed days and slots already started are skipped.
    """
    _check_period(start, end, now.date(), MAX_HOLD_DAYS)
    sets = {f.code: list(f.slots) for f in full_day_sets(config, room)}
    wanted = {member for code in codes for member in sets.get(code, [code])}
    calendar = closed_calendar(session, config, [room], start, end)
    refs = [
        SlotRef(room.id, day, slot.code)
        for day in days(start, end)
        if not calendar.is_closed(room, day)
        for slot in slots_on(config, room, day)
        if slot.code in wanted and slot.start > now
    ]
    if not refs:
        raise ManageError(_l("None of the chosen slots is open in this period."))
    return hold_slots(session, refs, OFFICIAL, note=reason.strip(), staff_id=staff_id)


def official_holds(session: Session, room: Room, since: dt.date) -> list[SlotHold]:
    """Official holds of ``room`` from ``since`` on (a year ahead at most)."""
    return holds_between(session, room.id, since, since + dt.timedelta(days=366), OFFICIAL)


def official_hold_of(session: Session, room: Room, hold_id: int) -> SlotHold | None:
    """The official hold ``hold_id`` of ``room``, or None (bookings are not removed here)."""
    hold = session.get(SlotHold, hold_id)
    if hold is None or hold.room_id != room.id or hold.kind != OFFICIAL:
        return None
    return hold


def remove_official_hold(session: Session, hold: SlotHold) -> None:
    """Free the slot of an official hold."""
    session.delete(hold)
    session.flush()
