"""Staff pages of a closure over bookings (both databases): the preview, its pages, the
409 on a changed list, keeping with a reason, the void permit (410), CSRF and tenants."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.booking.models import ACTIVE, CANCELLED, Booking
from shisetsu.slots.models import Closure
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.booking import book, booking_row, member, open_days, slot
from tests.support.closures import hidden_fields, plan_closure
from tests.support.slots import regasu_only_room_id, room_id

T = "genkikan"


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def staff(app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, T, "handler"))
    return client


def preview_url(room: int, day: dt.date, page: int | None = None) -> str:
    url = f"/{T}/manage/rooms/{room}/closures/preview?start={day}&end={day}&reason_ja=設備点検"
    return url if page is None else f"{url}&page={page}"


def confirm_url(room: int) -> str:
    return f"/{T}/manage/rooms/{room}/closures/confirm"


def closures(app: Flask) -> int:
    with tenant_session(app, T) as session:
        return int(session.scalar(sa.select(sa.func.count(Closure.id))) or 0)


def setup(app: Flask) -> tuple[int, dt.date, list[int], int]:
    """Two bookings of one group in the hall on an open day; the room, day, ids, group."""
    (day,) = open_days(app, T, "genkikan", 1)
    m = member(app, T)
    ids = [
        book(app, T, m.group_id, [slot(app, T, "genkikan", "multipurpose", day, code)])
        for code in ("am", "pm")
    ]
    return room_id(app, T, "genkikan", "multipurpose"), day, ids, m.group_id


def test_the_preview_lists_the_bookings_and_confirming_cancels_them(app: Flask) -> None:
    room, day, ids, _ = setup(app)
    client = staff(app)
    page = plan_closure(client, T, room, day.isoformat(), day.isoformat())
    assert "<h1>" in page and 'lang="ja"' in page
    for booking_id in ids:
        assert f"{booking_id:06d}" in page
    assert closures(app) == 0  # the preview writes nothing
    response = client.post(confirm_url(room), data=hidden_fields(page), follow_redirects=True)
    assert response.status_code == 200
    assert all(booking_row(app, T, b)["status"] == CANCELLED for b in ids)
    assert closures(app) == 1


def test_the_preview_shows_fifty_a_page(app: Flask) -> None:
    room, day, _ids, group_id = setup(app)
    start = dt.datetime.combine(day, dt.time(9), dt.UTC)
    with tenant_session(app, T) as session:  # 49 more bookings listed (their slots unheld)
        session.add_all(
            Booking(
                group_id=group_id,
                room_id=room,
                date=day,
                slot_codes=["am"],
                starts_at=start,
                ends_at=start + dt.timedelta(hours=3),
                attendees=5,
                purpose=f"練習{n}",
            )
            for n in range(49)
        )
        session.commit()
    client = staff(app)
    first = client.get(preview_url(room, day)).get_data(as_text=True)
    second = client.get(preview_url(room, day, 2)).get_data(as_text=True)
    rows = re.compile(r'<tr><th scope="row">')
    assert len(rows.findall(first)) == 50 and len(rows.findall(second)) == 1
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert hidden_fields(first)["fingerprint"] == hidden_fields(second)["fingerprint"]
    response = client.post(confirm_url(room), data=hidden_fields(second))  # from page 2
    assert response.status_code == 302
    with tenant_session(app, T) as session:
        active = sa.select(sa.func.count(Booking.id)).where(Booking.status.in_(ACTIVE))
        assert session.scalar(active) == 0


def test_a_changed_list_answers_409_with_the_new_preview(app: Flask) -> None:
    room, day, ids, group_id = setup(app)
    client = staff(app)
    seen = hidden_fields(client.get(preview_url(room, day)).get_data(as_text=True))
    late = book(app, T, group_id, [slot(app, T, "genkikan", "multipurpose", day, "night")])
    response = client.post(confirm_url(room), data=seen)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"{late:06d}" in page and hidden_fields(page)["fingerprint"] != seen["fingerprint"]
    assert closures(app) == 0
    assert all(booking_row(app, T, b)["status"] in ACTIVE for b in [*ids, late])


def test_a_booking_is_kept_only_with_a_reason(app: Flask) -> None:
    room, day, (kept, gone), _ = setup(app)
    client = staff(app)
    seen = hidden_fields(client.get(preview_url(room, day)).get_data(as_text=True))
    refused = client.post(confirm_url(room), data={**seen, "keep": str(kept)})
    assert refused.status_code == 400
    assert 'id="keep_reason-error"' in refused.get_data(as_text=True)
    assert closures(app) == 0 and booking_row(app, T, gone)["status"] in ACTIVE
    data = {**seen, "keep": str(kept), "keep_reason": "区の防災訓練で使用"}
    assert client.post(confirm_url(room), data=data).status_code == 302
    assert booking_row(app, T, kept)["status"] in ACTIVE
    assert booking_row(app, T, gone)["status"] == CANCELLED


def test_the_permit_of_a_cancelled_booking_answers_410_saying_why(app: Flask) -> None:
    (day,) = open_days(app, T, "genkikan", 1)
    m = member(app, T)
    target = slot(app, T, "genkikan", "multipurpose", day, "am")
    booking_id = book(app, T, m.group_id, [target])
    resident = app.test_client()
    sign_in_as(resident, app, m.resident)
    permit = f"/{T}/bookings/{booking_id}/permit.pdf"
    assert resident.get(permit).status_code == 200
    client = staff(app)
    room = room_id(app, T, "genkikan", "multipurpose")
    page = plan_closure(client, T, room, day.isoformat(), day.isoformat())
    assert client.post(confirm_url(room), data=hidden_fields(page)).status_code == 302
    void = resident.get(permit)
    assert void.status_code == 410
    text = void.get_data(as_text=True)
    assert "施設都合" in text and "設備点検" in text and "<h1>" in text


def test_confirming_needs_the_csrf_token(app: Flask) -> None:
    room, day, ids, _ = setup(app)
    client = staff(app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        seen = hidden_fields(client.get(preview_url(room, day)).get_data(as_text=True))
        assert seen.get("csrf_token")
        without = {k: v for k, v in seen.items() if k != "csrf_token"}
        assert client.post(confirm_url(room), data=without).status_code == 400
        assert closures(app) == 0
        assert client.post(confirm_url(room), data=seen).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert all(booking_row(app, T, b)["status"] == CANCELLED for b in ids)


def test_another_tenants_room_is_not_found(app: Flask) -> None:
    client = staff(app)
    other = regasu_only_room_id(app)
    (day,) = open_days(app, T, "genkikan", 1)
    assert client.get(preview_url(other, day)).status_code == 404
    assert client.post(confirm_url(other), data={}).status_code == 404
    assert client.post(f"/{T}/manage/rooms/{other}/closures", data={}).status_code == 404
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        denied = pytest.raises(sa.exc.ProgrammingError, match="permission denied")
        with tenant_session(app, "regasu") as session, denied:
            session.execute(sa.text("SELECT * FROM tenant_genkikan.closure_decisions"))
