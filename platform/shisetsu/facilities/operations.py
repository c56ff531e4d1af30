"""Reading and syncing facilities; no Flask request objects here."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from shisetsu.facilities.models import Facility, Room
from shisetsu.routing import MAX_ID
from shisetsu.tenancy.config import Facility as FacilityConfig
from shisetsu.tenancy.config import TenantConfig

DETAIL_TEXTS = ("access", "hours", "closed_note")
"""The facility's texts in two languages that staff may edit (``<name>_ja``/``_en``)."""


@dataclass
class SyncSummary:
    """What a sync changed, for the CLI's final summary."""

    added: int = 0
    updated: int = 0
    deactivated: int = 0


def list_facilities(session: Session) -> list[Facility]:
    """Active facilities with their rooms, in the operator's order."""
    stmt = (
        sa.select(Facility)
        .where(Facility.active.is_(True))
        .options(selectinload(Facility.rooms))
        .order_by(Facility.position, Facility.id)
    )
    return list(session.scalars(stmt))


def sync_facilities(session: Session, config: TenantConfig) -> SyncSummary:
    """Make the facility and room rows match ``config``; removed ones are deactivated.

    Rows are deactivated rather than deleted because bookings will refer to them. Capacity,
    area, equipment and "open for booking" are only seeded from the file: after that they
    belong to staff, who edit them in the console, so a sync never overwrites them. The
    facility's descriptive fields (address, access, hours, closed-day note, phone) are
    filled from the file only while empty, for the same reason; photos come from the file.
    """
    summary = SyncSummary()
    existing = {f.code: f for f in session.scalars(sa.select(Facility))}
    seen: set[str] = set()
    for position, fc in enumerate(config.facilities):
        seen.add(fc.code)
        facility = existing.get(fc.code)
        if facility is None:
            facility = Facility(code=fc.code)
            session.add(facility)
            summary.added += 1
        else:
            summary.updated += 1
        facility.name_ja, facility.name_en = fc.name.ja, fc.name.en
        facility.kind = fc.kind
        seed_details(facility, fc)
        facility.position, facility.active = position, True
        rooms = {r.code: r for r in facility.rooms}
        for room_position, rc in enumerate(fc.rooms):
            room = rooms.pop(rc.code, None)
            if room is None:
                room = Room(code=rc.code, capacity=rc.capacity, area_m2=rc.area_m2)
                room.equipment, room.active = list(rc.equipment), True
                facility.rooms.append(room)
                summary.added += 1
            room.name_ja, room.name_en = rc.name.ja, rc.name.en
            room.slot_scheme, room.sample, room.position = rc.slot_scheme, rc.sample, room_position
        for leftover in rooms.values():
            if leftover.active:
                leftover.active = False
                summary.deactivated += 1
    for code, facility in existing.items():
        if code not in seen and facility.active:
            facility.active = False
            summary.deactivated += 1
    session.flush()
    return summary


def seed_details(facility: Facility, fc: FacilityConfig) -> None:
    """Fill the facility's empty descriptive fields from ``tenant.toml``; set its photos."""
    if not facility.address and fc.address:
        facility.address = fc.address
    if not facility.phone and fc.phone:
        facility.phone = fc.phone
    for name in DETAIL_TEXTS:
        text = getattr(fc, name)
        if text is None:
            continue
        for lang in ("ja", "en"):
            if not getattr(facility, f"{name}_{lang}"):
                setattr(facility, f"{name}_{lang}", getattr(text, lang))
    facility.photos = [{"src": p.src, "alt_ja": p.alt.ja, "alt_en": p.alt.en} for p in fc.photos]


"""Ids are INTEGER columns: a larger number from a URL cannot name a row (and SQLite would
raise OverflowError past 2**63 instead of finding nothing)."""


def get_facility(session: Session, facility_id: int) -> Facility | None:
    """An active facility of the bound tenant, or None (another tenant's id is absent)."""
    if not 0 < facility_id <= MAX_ID:
        return None
    facility = session.get(Facility, facility_id)
    return facility if facility is not None and facility.active else None


def get_room(session: Session, room_id: int) -> Room | None:
    """An active room of the bound tenant, or None (another tenant's id is simply absent)."""
    if not 0 < room_id <= MAX_ID:
        return None
    room = session.get(Room, room_id)
    return room if room is not None and room.active and room.facility.active else None
