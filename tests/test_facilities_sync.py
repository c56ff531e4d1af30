"""`tenants sync` refreshes names from tenant.toml but keeps what staff edited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from shisetsu.facilities.models import Room
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import tenant_session


def _edit(app: Flask, capacity: int, equipment: list[str], active: bool) -> tuple:
    with tenant_session(app, "genkikan") as session:
        room = session.scalar(sa.select(Room).where(Room.code == "washitsu"))
        assert room is not None
        before = (room.capacity, room.equipment, room.active)
        room.capacity, room.equipment, room.active = capacity, equipment, active
        session.commit()
    return before


def test_sync_keeps_staff_edits(any_app: Flask) -> None:
    original = _edit(any_app, 7, ["座卓"], False)
    tenant = next(t for t in provisioning.list_tenants(any_app) if t.slug == "genkikan")
    provisioning.sync_tenant(any_app, tenant)
    with tenant_session(any_app, "genkikan") as session:
        room = session.scalar(sa.select(Room).where(Room.code == "washitsu"))
        assert room is not None
        assert (room.capacity, room.equipment, room.active) == (7, ["座卓"], False)
        assert room.name_ja == "和室"  # names still come from the file
    _edit(any_app, *original)  # the PostgreSQL database is shared by the session
