"""GET /api/v1/<tenant>/availability: shape, states, validation and tenant isolation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import Flask

from shisetsu.slots.holds import hold_slots
from shisetsu.slots.models import BOOKING, OFFICIAL
from shisetsu.tenancy.binding import tenant_session
from tests.support.api import assert_error
from tests.support.slots import regasu_only_room_id, room_id

URL = "/api/v1/{tenant}/availability"


@pytest.fixture
def slots_app(any_app: Flask) -> Flask:
    return any_app


def assert_contract_error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    """The contract's error shape; ``invalid_period``'s Japanese text comes with the catalogue."""
    if code != "invalid_period":
        assert_error(response, status, code)
        return
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert set(body["error"]["message"]) == {"ja", "en"} and all(body["error"]["message"].values())


def get(app: Flask, tenant: str = "genkikan", **query: object):  # type: ignore[no-untyped-def]
    return app.test_client().get(URL.format(tenant=tenant), query_string=query)


TOKYO = dt.timezone(dt.timedelta(hours=9))


@time_machine.travel(dt.datetime(2030, 5, 1, 9, 0, tzinfo=TOKYO), tick=False)
def test_slots_have_the_contract_shape(slots_app: Flask) -> None:
    """On 2030-05-01 June 2030 is open first come (its round's time, 04-21, has passed)."""
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    response = get(slots_app, **{"from": "2030-06-12", "to": "2030-06-13", "room": room})
    assert response.status_code == 200
    slots = response.get_json()["slots"]
    assert [s["id"] for s in slots] == [
        f"{room}-2030061{d}-{c}" for d in (2, 3) for c in ("am", "pm", "night")
    ]
    assert slots[0] == {
        "id": f"{room}-20300612-am",
        "room": room,
        "date": "2030-06-12",
        "start": "2030-06-12T09:00:00+09:00",
        "end": "2030-06-12T12:00:00+09:00",
        "state": "free",
        "opens_at": None,
        "code": "am",
        "name": {"ja": "午前", "en": "Morning"},
    }
    assert {s["state"] for s in slots} == {"free"}


@time_machine.travel(dt.datetime(2030, 11, 1, 9, 0, tzinfo=TOKYO), tick=False)
def test_states_from_holds_and_closed_days(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-20301227-am"], BOOKING, 3)
        hold_slots(session, [f"{room}-20301227-pm"], OFFICIAL, note="区の行事")
        session.commit()
    slots = get(slots_app, **{"from": "2030-12-27", "to": "2030-12-29", "room": room}).get_json()
    states = {s["id"].split("-", 1)[1]: s["state"] for s in slots["slots"]}
    assert states["20301227-am"] == "taken"
    assert states["20301227-pm"] == "hold"
    assert states["20301227-night"] == "free"
    assert states["20301229-am"] == "closed"  # New Year break


def test_a_facility_or_the_whole_tenant(slots_app: Flask) -> None:
    whole = get(slots_app, **{"from": "2030-06-12", "to": "2030-06-12"}).get_json()["slots"]
    assert len(whole) == 5 * 3  # five rooms, three slots
    facility = get(slots_app, **{"from": "2030-06-12", "to": "2030-06-12", "facility": "genkikan"})
    assert facility.get_json()["slots"] == whole
    hourly = room_id(slots_app, "regasu", "kita-shinjuku-field", "field-a")
    field = get(slots_app, "regasu", **{"from": "2030-06-12", "to": "2030-06-12", "room": hourly})
    assert [s["code"] for s in field.get_json()["slots"]][:2] == ["h09", "h10"]


def test_past_slots_are_closed(slots_app: Flask) -> None:
    yesterday = dt.date.today() - dt.timedelta(days=2)
    slots = get(slots_app, **{"from": yesterday.isoformat(), "to": yesterday.isoformat()})
    assert {s["state"] for s in slots.get_json()["slots"]} == {"closed"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "unprocessable"),
        ({"from": "2030-06-01"}, "unprocessable"),
        ({"from": "June", "to": "2030-06-02"}, "unprocessable"),
        ({"from": "2030-02-30", "to": "2030-03-02"}, "unprocessable"),
        ({"from": "1999-12-31", "to": "2000-01-01"}, "unprocessable"),
        ({"from": "2030-06-01", "to": "2030-06-02", "room": "abc"}, "unprocessable"),
        ({"from": "2030-06-01", "to": "2030-06-02", "room": 0}, "unprocessable"),
        ({"from": "2030-06-01", "to": "2030-06-02", "room": 2**40}, "unprocessable"),
        ({"from": "2030-06-01", "to": "2030-06-02", "facility": "Bad Code"}, "unprocessable"),
        ({"from": "2030-06-02", "to": "2030-06-01"}, "invalid_period"),
        ({"from": "2030-06-01", "to": "2030-09-02"}, "invalid_period"),  # 94 days
    ],
)
def test_bad_parameters_are_422_in_the_contract_format(
    any_app: Flask, query: dict[str, object], code: str
) -> None:
    assert_contract_error(get(any_app, **query), 422, code)


def test_ninety_three_days_are_allowed(any_app: Flask) -> None:
    response = get(any_app, **{"from": "2030-06-01", "to": "2030-09-01", "room": 1})
    assert response.status_code == 200
    assert len(response.get_json()["slots"]) == 93 * 3


def test_another_tenants_room_or_an_unknown_facility_is_404(any_app: Flask) -> None:
    period = {"from": "2030-06-01", "to": "2030-06-02"}
    regasu_room = regasu_only_room_id(any_app)
    assert get(any_app, "regasu", **period, room=regasu_room).status_code == 200
    assert_error(get(any_app, "genkikan", **period, room=regasu_room), 404, "not_found")
    assert_error(get(any_app, "genkikan", **period, facility="history-museum"), 404, "not_found")
    # A room of the tenant but not of the named facility.
    assert_error(
        get(any_app, "regasu", **period, room=1, facility="edogawa-ground"), 404, "not_found"
    )
    assert_error(get(any_app, "nope", **period), 404, "not_found")


def test_the_openapi_document_describes_the_endpoint(any_app: Flask) -> None:
    spec = any_app.test_client().get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/{tenant}/availability"]["get"]
    assert {"200", "400", "404", "422"} <= set(operation["responses"])
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "facility", "room"} <= names
    slot = spec["components"]["schemas"]["Slot"]
    assert slot["properties"]["state"]["enum"] == [
        "free",
        "taken",
        "closed",
        "lottery",
        "not_open",
        "hold",
    ]
    assert slot["properties"]["opens_at"]["format"] == "date-time"
