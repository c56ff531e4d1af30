"""Manager console for rooms: details, closures and official holds (both databases)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.slots.holds import hold_slots
from shisetsu.slots.models import BOOKING, OFFICIAL, Closure, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.closures import hidden_fields
from tests.support.slots import open_weekday, regasu_only_room_id, room_id, today

pytestmark = pytest.mark.dates


@pytest.fixture
def slots_app(any_app: Flask) -> Flask:
    return any_app


def staff_client(app: Flask, role: str = "handler", tenant: str = "genkikan") -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, tenant, role))
    return client


def two_open_days(app: Flask) -> tuple[dt.date, dt.date]:
    with tenant_session(app, "genkikan"):
        config = current_runtime().config
        first = open_weekday(config, today() + dt.timedelta(days=20), "genkikan")
        return first, open_weekday(config, first, "genkikan")


def holds(app: Flask) -> list[tuple[dt.date, str, str, str | None]]:
    with tenant_session(app, "genkikan") as session:
        rows = session.execute(
            sa.select(SlotHold.date, SlotHold.slot_code, SlotHold.kind, SlotHold.note)
        )
        return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def test_only_operations_staff_get_in(slots_app: Flask) -> None:
    anonymous = slots_app.test_client().get("/genkikan/manage/rooms/")
    assert anonymous.status_code == 302
    assert "/genkikan/manage/" in anonymous.headers["Location"]
    assert staff_client(slots_app, "counter").get("/genkikan/manage/rooms/").status_code == 403
    for role in ("handler", "responsible"):
        page = staff_client(slots_app, role).get("/genkikan/manage/rooms/")
        assert page.status_code == 200
        assert "調理室" in page.get_data(as_text=True)


def test_edit_room_details(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    client = staff_client(slots_app)
    page = client.get(f"/genkikan/manage/rooms/{room}")
    assert page.status_code == 200
    assert "調理台" in page.get_data(as_text=True)
    form = {
        "room-capacity": "18",
        "room-area_m2": "40",
        "room-equipment": "調理台\n\n 冷蔵庫 \n",
        "room-active": "y",
    }
    response = client.post(f"/genkikan/manage/rooms/{room}/details", data=form)
    assert response.status_code == 302
    public = slots_app.test_client().get(f"/genkikan/rooms/{room}").get_data(as_text=True)
    assert "18名" in public and "冷蔵庫" in public and "40 m²" in public
    # Invalid input is shown again with its error, nothing saved.
    bad = client.post(f"/genkikan/manage/rooms/{room}/details", data={**form, "room-capacity": "0"})
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    # Stopping a room takes it off the public pages.
    del form["room-active"]
    client.post(f"/genkikan/manage/rooms/{room}/details", data=form)
    assert slots_app.test_client().get(f"/genkikan/rooms/{room}/availability").status_code == 404
    assert client.get(f"/genkikan/manage/rooms/{room}").status_code == 200  # staff still see it


def test_add_and_remove_a_closure(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "meeting-a")
    other = room_id(slots_app, "genkikan", "genkikan", "meeting-b")
    day, _ = two_open_days(slots_app)
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{other}-{day:%Y%m%d}-am"], BOOKING, 9)
        session.commit()
    client = staff_client(slots_app)
    response = client.post(
        f"/genkikan/manage/rooms/{room}/closures",
        data={
            "closure-start": day.isoformat(),
            "closure-whole_facility": "y",
            "closure-reason_ja": "全館点検",
            "closure-reason_en": "Building inspection",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "全館点検" in text  # the preview of what it hits (no booking row here)
    hidden = hidden_fields(text)
    assert hidden["reason_ja"] == "全館点検" and hidden["whole"] == "1"
    confirmed = client.post(f"/genkikan/manage/rooms/{room}/closures/confirm", data=hidden)
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    api = slots_app.test_client().get(
        "/api/v1/genkikan/availability",
        query_string={"from": day.isoformat(), "to": day.isoformat()},
    )
    assert {s["state"] for s in api.get_json()["slots"]} == {"closed"}

    with tenant_session(slots_app, "genkikan") as session:
        closure_id = session.scalar(sa.select(Closure.id))
    url = f"/genkikan/manage/rooms/{room}/closures/{closure_id}/remove"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "全館点検" in confirm.get_data(as_text=True)
    assert client.post(url).status_code == 302
    with tenant_session(slots_app, "genkikan") as session:
        assert session.scalar(sa.select(sa.func.count(Closure.id))) == 0


def test_closures_in_the_past_or_reversed_are_refused(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "meeting-a")
    client = staff_client(slots_app)
    for start, end in (
        (today() - dt.timedelta(days=3), None),
        (today() + dt.timedelta(5), today()),
    ):
        data = {"closure-start": start.isoformat(), "closure-reason_ja": "点検"}
        if end:
            data["closure-end"] = end.isoformat()
        assert client.post(f"/genkikan/manage/rooms/{room}/closures", data=data).status_code == 400
    assert client.post(f"/genkikan/manage/rooms/{room}/closures", data={}).status_code == 400


def test_official_holds_all_or_nothing_and_removal(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    first, second = two_open_days(slots_app)
    client = staff_client(slots_app)
    url = f"/genkikan/manage/rooms/{room}/holds"
    data = {
        "hold-start": first.isoformat(),
        "hold-end": second.isoformat(),
        "hold-slots": ["full"],
        "hold-reason": "区の健康診断",
    }
    # Someone has booked one slot in the period: nothing is held.
    with tenant_session(slots_app, "genkikan") as session:
        hold_slots(session, [f"{room}-{second:%Y%m%d}-night"], BOOKING, 4)
        session.commit()
    refused = client.post(url, data=data)
    assert refused.status_code == 409
    assert holds(slots_app) == [(second, "night", BOOKING, None)]

    data["hold-end"] = first.isoformat()
    assert client.post(url, data=data).status_code == 302
    assert [h[1:3] for h in holds(slots_app) if h[0] == first] == [
        ("am", OFFICIAL),
        ("night", OFFICIAL),
        ("pm", OFFICIAL),
    ]
    api = slots_app.test_client().get(
        "/api/v1/genkikan/availability",
        query_string={"from": first.isoformat(), "to": first.isoformat(), "room": room},
    )
    assert {s["state"] for s in api.get_json()["slots"]} == {"hold"}
    page = client.get(f"/genkikan/manage/rooms/{room}").get_data(as_text=True)
    assert "区の健康診断" in page

    with tenant_session(slots_app, "genkikan") as session:
        hold_id = session.scalar(
            sa.select(SlotHold.id).where(SlotHold.kind == OFFICIAL, SlotHold.slot_code == "pm")
        )
        booking_id = session.scalar(sa.select(SlotHold.id).where(SlotHold.kind == BOOKING))
    remove = f"/genkikan/manage/rooms/{room}/holds/{hold_id}/remove"
    assert client.get(remove).status_code == 200  # the confirmation step
    assert client.post(remove).status_code == 302
    assert (first, "pm", OFFICIAL, "区の健康診断") not in holds(slots_app)
    # Bookings are not removed through this page.
    assert client.get(f"/genkikan/manage/rooms/{room}/holds/{booking_id}/remove").status_code == 404


def test_official_holds_need_slots_and_an_open_day(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "washitsu")
    client = staff_client(slots_app)
    url = f"/genkikan/manage/rooms/{room}/holds"
    first, _ = two_open_days(slots_app)
    base = {"hold-start": first.isoformat(), "hold-reason": "行事"}
    assert client.post(url, data=base).status_code == 400  # no slot chosen
    new_year = dt.date(today().year + 1, 1, 2)
    closed = {**base, "hold-start": new_year.isoformat(), "hold-slots": ["am"]}
    assert client.post(url, data=closed).status_code == 400  # nothing open that day
    assert holds(slots_app) == []


def test_english_console_and_other_tenants_rooms(slots_app: Flask) -> None:
    client = staff_client(slots_app)
    client.set_cookie("lang", "en")
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    page = client.get(f"/genkikan/manage/rooms/{room}")
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
    assert "Cooking Room" in page.get_data(as_text=True)
    regasu_room = regasu_only_room_id(slots_app)
    assert client.get(f"/genkikan/manage/rooms/{regasu_room}").status_code == 404
    assert client.post(f"/genkikan/manage/rooms/{regasu_room}/holds", data={}).status_code == 404
    # A staff member of one operator is nobody at the other.
    assert client.get("/regasu/manage/rooms/").status_code == 302
