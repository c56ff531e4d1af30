"""The bookings API (docs/architecture.md): 201 shape, 409 slot_taken, 422 violations, GET mine.

Residents sign in through ``POST /tokens`` and send the bearer token; another tenant's or
another group's booking is a 404; staff tokens and anonymous calls are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.api import token_for
from tests.support.booking import (
    book,
    member,
    open_day,
    slot,
    today,
)
from tests.support.groups import make_approved

URL = "/api/v1/{tenant}/bookings"


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def field_slots(app: Flask, *codes: str, after: int = 20) -> list[str]:
    day = open_day(app, "regasu", "kita-shinjuku-field", after=after)
    return [slot(app, "regasu", "kita-shinjuku-field", "field-b", day, code) for code in codes]


def post(client: FlaskClient, auth: dict[str, str], **body: Any):  # type: ignore[no-untyped-def]
    return client.post(URL.format(tenant="regasu"), json=body, headers=auth)


def test_book_through_the_api(app: Flask) -> None:
    m = member(app, "regasu")
    client = app.test_client()
    auth = token_for(client, m)
    ids = field_slots(app, "h17", "h18")
    response = post(client, auth, slots=ids, attendees=20, purpose="フットサル")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {"id", "slots", "fee"} <= set(body)
    assert body["slots"] == ids
    assert body["fee"]["total"] == 10000  # 夜間 ¥5,000 an hour [verified]
    assert [item["amount"] for item in body["fee"]["items"]] == [5000, 5000]
    assert body["fee"]["items"][0]["label"]["ja"]
    assert body["status"] == "confirmed" and body["payment_due"]
    assert body["start"].endswith("+09:00") and "T17:00:00" in body["start"]

    mine = client.get(URL.format(tenant="regasu"), headers=auth)
    assert mine.status_code == 200
    assert [b["id"] for b in mine.get_json()["bookings"]] == [body["id"]]
    one = client.get(f"{URL.format(tenant='regasu')}/{body['id']}", headers=auth)
    assert one.status_code == 200 and one.get_json()["slots"] == ids

    # the availability API now shows the slots as taken
    day = ids[0].split("-")[1]
    iso = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    states = client.get(
        "/api/v1/regasu/availability",
        query_string={"from": iso, "to": iso, "room": ids[0].split("-")[0]},
    ).get_json()["slots"]
    assert {s["id"]: s["state"] for s in states if s["id"] in ids} == dict.fromkeys(ids, "taken")


def test_a_taken_slot_is_409_slot_taken(app: Flask) -> None:
    first, second = member(app, "regasu"), member(app, "regasu")
    ids = field_slots(app, "h10", "h11", "h12")
    book(app, "regasu", first.group_id, [ids[1]])
    client = app.test_client()
    response = post(client, token_for(client, second), slots=ids, attendees=10, purpose="野球")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "slot_taken" and error["slots"] == [ids[1]]
    assert set(error["message"]) == {"ja", "en"}


def test_rule_refusals_are_422_with_every_violation(app: Flask) -> None:
    m = member(app, "regasu", category="nonresident")
    client = app.test_client()
    # beyond 2 months, in a month whose lottery is not drawn yet: 80 days ahead is always
    # past the month first come has opened
    far = field_slots(app, "h09", after=80)
    response = post(client, token_for(client, m), slots=far, attendees=99, purpose="")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "booking_refused"
    by_code = {v["code"]: v for v in error["violations"]}
    assert set(by_code) == {
        "beyond_horizon",
        "over_capacity",
        "purpose_required",
        "first_come_not_open",
    }
    assert all(v["message"]["ja"] and v["message"]["en"] for v in by_code.values())
    assert by_code["over_capacity"]["field"] == "attendees"


def test_malformed_bodies_are_422(app: Flask) -> None:
    m = member(app, "regasu")
    client = app.test_client()
    auth = token_for(client, m)
    assert post(client, auth, slots=["nonsense"], attendees=1).status_code == 422
    assert post(client, auth, slots=[], attendees=1).status_code == 422
    assert post(client, auth, slots=field_slots(app, "h09"), attendees=0).status_code == 422
    unknown = post(client, auth, slots=["99999-20300101-am"], attendees=1)
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["violations"][0]["code"] == "unknown_slot"


def test_authentication_and_tenants(app: Flask) -> None:
    owner = member(app, "genkikan")
    day = open_day(app, "genkikan", "genkikan")
    booking_id = book(
        app, "genkikan", owner.group_id, [slot(app, "genkikan", "genkikan", "kitchen", day, "am")]
    )
    client = app.test_client()
    assert client.get(URL.format(tenant="genkikan")).status_code == 401
    assert client.post(URL.format(tenant="genkikan"), json={}).status_code in (401, 422)
    auth = token_for(client, owner)
    assert client.get(f"/api/v1/genkikan/bookings/{booking_id}", headers=auth).status_code == 200
    # another tenant: the token means nothing there, and the id is not there either
    assert client.get(f"/api/v1/regasu/bookings/{booking_id}", headers=auth).status_code == 401
    stranger = member(app, "regasu")
    other = token_for(client, stranger)
    assert client.get(f"/api/v1/regasu/bookings/{booking_id}", headers=other).status_code == 404
    # another group of the same tenant
    neighbour = member(app, "genkikan")
    theirs = token_for(client, neighbour)
    assert client.get(f"/api/v1/genkikan/bookings/{booking_id}", headers=theirs).status_code == 404
    assert client.get(URL.format(tenant="genkikan"), headers=theirs).get_json() == {"bookings": []}


def test_the_group_must_be_named_when_there_are_several(app: Flask) -> None:
    m = member(app, "regasu")
    second = make_approved(
        app,
        "regasu",
        m.resident.id,
        valid_from=today(),
        valid_until=today() + dt.timedelta(days=365),
        category="children",
        name="子ども会",
    )
    client = app.test_client()
    auth = token_for(client, m)
    ids = field_slots(app, "h13")
    unnamed = post(client, auth, slots=ids, attendees=5, purpose="練習")
    assert unnamed.status_code == 422
    assert unnamed.get_json()["error"]["violations"][0]["code"] == "group_required"
    named = post(client, auth, slots=ids, attendees=5, purpose="練習", group=second)
    assert named.status_code == 201
    assert named.get_json()["fee"]["total"] == 2000  # children's groups: half of ¥4,000
