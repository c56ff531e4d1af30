"""First come only after the lottery: web, API and counter refuse a month before it opens.

The clock is moved (time-machine) to Thursday 2034-01-12 10:00 in Tokyo: no round exists
for March 2034, whose first come the shipped calendar opens on 2034-01-21 at 09:00. A
resident on the web, a resident through the API and counter staff without a reason are
refused with ``first_come_not_open``; counter staff with a recorded reason may book; the
availability API says ``not_open`` and when it opens. Both databases. A horizon that runs
ahead of the lottery is refused when the tenant's configuration is loaded.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterator

import pytest
import time_machine
from flask import Flask

from shisetsu.provisioning.operations import load_checked_config
from shisetsu.tenancy.config import TenantConfigError
from tests.api.test_bookings import token_for
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.booking import booking_row, member, open_day, slot
from tests.support.groups import text

pytestmark = pytest.mark.dates

TOKYO = dt.timezone(dt.timedelta(hours=9))
BEFORE = dt.datetime(2034, 1, 12, 10, 0, tzinfo=TOKYO)
FIRST_COME = dt.datetime(2034, 1, 21, 9, 0, tzinfo=TOKYO)
TENANTS = pathlib.Path(__file__).resolve().parents[2] / "tenants"


@pytest.fixture
def travelled(any_app: Flask) -> Iterator[Flask]:
    with time_machine.travel(BEFORE, tick=False):
        yield any_app


def march_slot(app: Flask, tenant: str, facility: str, room: str) -> str:
    day = open_day(app, tenant, facility, after=48)
    assert day.month == 3 and day.day < 12, day  # March, inside the 2-month horizon
    return slot(app, tenant, facility, room, day, "am")


def test_the_web_refuses_a_month_before_its_first_come(travelled: Flask) -> None:
    m = member(travelled, "regasu")
    target = march_slot(travelled, "regasu", "history-museum", "auditorium")
    client = travelled.test_client()
    sign_in_as(client, travelled, m.resident)
    form = {"slots": target, "group": m.group_id, "attendees": "10", "purpose": "講演"}
    refused = client.post("/regasu/book", data=form)
    assert refused.status_code == 422
    assert "この月の先着受付は、抽選の後、2034年1月21日 9:00から始まります" in text(refused)
    with time_machine.travel(FIRST_COME + dt.timedelta(minutes=1), tick=False):
        assert client.post("/regasu/book", data=form).status_code == 302


def test_the_api_refuses_it_and_says_when_it_opens(travelled: Flask) -> None:
    m = member(travelled, "regasu")
    target = march_slot(travelled, "regasu", "history-museum", "auditorium")
    client = travelled.test_client()
    auth = token_for(client, m)
    body = {"slots": [target], "attendees": 10, "purpose": "講演"}
    response = client.post("/api/v1/regasu/bookings", json=body, headers=auth)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "booking_refused"
    assert [v["code"] for v in error["violations"]] == ["first_come_not_open"]
    words = error["violations"][0]["message"]
    assert (
        "抽選の後" in words["ja"] and "only after its lottery, on 2034-01-21 09:00" in words["en"]
    )

    day = target.split("-")[1]
    iso = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    room = target.split("-")[0]
    states = client.get(f"/api/v1/regasu/availability?from={iso}&to={iso}&room={room}")
    am = next(s for s in states.get_json()["slots"] if s["id"] == target)
    assert am["state"] == "not_open"
    assert am["opens_at"] == "2034-01-21T09:00:00+09:00"
    february = client.get(f"/api/v1/regasu/availability?from=2034-02-06&to=2034-02-06&room={room}")
    assert {s["state"] for s in february.get_json()["slots"]} == {"free"}
    assert {s["opens_at"] for s in february.get_json()["slots"]} == {None}


def test_the_counter_needs_a_recorded_reason(travelled: Flask) -> None:
    m = member(travelled, "genkikan")
    target = march_slot(travelled, "genkikan", "genkikan", "meeting-a")
    client = travelled.test_client()
    sign_in_as(client, travelled, make_staff(travelled, "genkikan", "counter"))
    path = f"/genkikan/manage/bookings/counter/{m.group_id}"
    form = {"slots": target, "attendees": "8", "purpose": "講座", "reduction": "ward_event"}
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    assert "抽選の後" in text(refused)
    booked = client.post(path, data={**form, "override_reason": "区の行事の会場として前倒し"})
    assert booked.status_code == 302, text(booked)[:2000]
    row = booking_row(travelled, "genkikan", int(booked.headers["Location"].rsplit("/", 1)[1]))
    assert row["overridden"] == ["first_come_not_open"]
    assert row["override_reason"] == "区の行事の会場として前倒し"


@pytest.mark.parametrize(
    ("tenant", "line"),
    [
        ("genkikan", "horizon_months = { registered = 2 }"),
        ("regasu", "horizon_months = { resident = 2, children = 2, nonresident = 2 }"),
    ],
)
def test_a_horizon_ahead_of_the_lottery_is_refused_at_load(
    tmp_path: pathlib.Path, tenant: str, line: str
) -> None:
    shipped = (TENANTS / tenant / "tenant.toml").read_text(encoding="utf-8")
    assert line in shipped
    load_checked_config(TENANTS / tenant / "tenant.toml", tenant)  # the shipped one loads
    path = tmp_path / "tenant.toml"
    path.write_text(shipped.replace(line, line.replace("= 2", "= 3", 1)), encoding="utf-8")
    with pytest.raises(TenantConfigError) as refused:
        load_checked_config(path, tenant)
    message = str(refused.value)
    assert "booking_rules.horizon_months" in message
    assert "lottery_calendar" in message and "usage_month_offset" in message
