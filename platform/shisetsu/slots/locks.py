"""Facility locks: closures take turns with bookings and lottery entries of one facility.

A booking or an entry takes the facility's lock shared (they run side by side); confirming
a closure takes it exclusive, so it lists and cancels what it hits while nothing new can
land on the closed days, and a booking that waited sees the closure once it commits.
PostgreSQL: a transaction-level advisory lock keyed by (schema, facility). SQLite: the
transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, taken before reading).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.facilities.models import Room
from shisetsu.slots.ids import InvalidSlotId, parse_slot_id

_KEY = "hashtext('shisetsu facility ' || current_schema())"


def _lock(session: Session, facility_ids: Iterable[int], function: str) -> None:
    connection = session.connection()  # begins the tenant's transaction (its search_path)
    if connection.dialect.name == "postgresql":
        for facility_id in sorted(set(facility_ids)):  # one order: no lock cycles
            session.execute(
                sa.text(f"SELECT {function}({_KEY}, :facility)"), {"facility": facility_id}
            )
        return
    dbapi = connection.connection.dbapi_connection
    if dbapi is not None and not getattr(dbapi, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def share_facilities(session: Session, facility_ids: Iterable[int]) -> None:
    """Wait for any closure being confirmed on these facilities (bookings, entries)."""
    _lock(session, facility_ids, "pg_advisory_xact_lock_shared")


def lock_facility(session: Session, facility_id: int) -> None:
    """Hold the facility for a closure: no booking or entry of it until the commit."""
    _lock(session, [facility_id], "pg_advisory_xact_lock")


def facilities_of(session: Session, slot_ids: Iterable[str]) -> set[int]:
    """The facilities of the rooms these slot ids name (ids that do not parse are skipped)."""
    rooms = set()
    for slot_id in slot_ids:
        if not isinstance(slot_id, str):
            continue
        try:
            rooms.add(parse_slot_id(slot_id).room_id)
        except InvalidSlotId:
            continue
    if not rooms:
        return set()
    return set(session.scalars(sa.select(Room.facility_id).where(Room.id.in_(sorted(rooms)))))
