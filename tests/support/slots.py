"""Helpers for the slot and availability tests (no tests here)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from flask import Flask

from shisetsu.facilities.models import Facility, Room
from shisetsu.slots.calendar import is_holiday_rates
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import TenantConfig, is_closed_by_rule

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=TOKYO)
"""A ``now`` before every date the calendar tests look at: nothing is past."""


def today() -> dt.date:
    return dt.datetime.now(TOKYO).date()


def open_weekday(config: TenantConfig, after: dt.date, facility: str) -> dt.date:
    """The first plain weekday after ``after`` that no rule closes."""
    day = after + dt.timedelta(days=1)
    rules = config.closed_days_for(facility)
    while is_holiday_rates(day) or is_closed_by_rule(rules, day):
        day += dt.timedelta(days=1)
    return day


def room_id(app: Flask, tenant: str, facility: str, code: str) -> int:
    """The id of room ``code`` of ``facility`` in ``tenant``."""

    with tenant_session(app, tenant) as session:
        found = session.scalar(
            sa.select(Room.id)
            .join(Room.facility)
            .where(Facility.code == facility, Room.code == code)
        )
        assert found is not None
        return int(found)


def regasu_only_room_id(app: Flask) -> int:
    """A room id that exists at Regasu but not at Genkikan."""
    with tenant_session(app, "genkikan") as session:
        genkikan_max = session.scalar(sa.select(sa.func.max(Room.id)))
    with tenant_session(app, "regasu") as session:
        found = session.scalar(sa.select(sa.func.max(Room.id)))
    assert found is not None and genkikan_max is not None and found > genkikan_max
    return int(found)
