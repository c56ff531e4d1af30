"""Booking pages on both databases: book, see it, the calendar, the permit, cancel.

The grid's free cell leads to the slot page, which links here; the booking holds every
slot of a full-day set or none; a taken slot says "just taken"; another group's or
tenant's booking is a 404.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking.models import CANCELLED, CONFIRMED, Booking
from shisetsu.slots.models import SlotHold
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import sign_in_as
from tests.support.booking import (
    book,
    booking_mails,
    booking_row,
    holds_of,
    member,
    open_day,
    pdf_fonts,
    pdf_text_chars,
    slot,
)
from tests.support.groups import text

pytestmark = pytest.mark.dates


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def auditorium(app: Flask, code: str, *, after: int = 20, holiday: bool = False) -> str:
    day = open_day(app, "regasu", "history-museum", after=after, holiday=holiday)
    return slot(app, "regasu", "history-museum", "auditorium", day, code)


def test_slot_page_links_to_booking(app: Flask) -> None:
    slot_id = auditorium(app, "am")
    page = text(app.test_client().get(f"/regasu/slots/{slot_id}"))
    assert f"/regasu/book?slot={slot_id}" in page


def test_member_books_a_full_day_set_and_finds_it(app: Flask) -> None:
    m = member(app, "regasu")
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    full = auditorium(app, "full")

    page = client.get(f"/regasu/book?slot={full}")
    assert page.status_code == 200
    assert "6,000円" in text(page)  # 全日 weekday [verified]

    response = client.post(
        "/regasu/book",
        data={"slots": full, "group": m.group_id, "attendees": "80", "purpose": "合唱の練習"},
    )
    assert response.status_code == 302, text(response)[:3000]
    booking_id = int(response.headers["Location"].rsplit("/", 1)[1])
    row = booking_row(app, "regasu", booking_id)
    assert row["status"] == CONFIRMED and row["set_code"] == "full"
    assert row["fee_total"] == 6000 and row["payment_due"] is not None
    assert holds_of(app, "regasu", booking_id) == ["am", "pm"]

    mine = text(client.get("/regasu/bookings/"))
    assert f"{booking_id:06d}" in mine
    detail = text(client.get(f"/regasu/bookings/{booking_id}"))
    assert "6,000円" in detail and "合唱の練習" in detail

    (mail,) = booking_mails(app, "regasu", booking_id)
    assert mail.idempotency_key == f"booking:{booking_id}:confirmed"
    assert "全日（平日）: 6,000円" in mail.body_text
    due = row["payment_due"]
    assert f"{due.year}年{due.month}月{due.day}日" in mail.body_text


def test_a_taken_slot_is_just_taken(app: Flask) -> None:
    first, second = member(app, "regasu"), member(app, "regasu")
    pm = auditorium(app, "pm")
    book(app, "regasu", first.group_id, [pm])
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, app, second.resident)
    full = pm.rsplit("-", 1)[0] + "-full"
    response = client.post(
        "/regasu/book",
        data={"slots": full, "group": second.group_id, "attendees": "10", "purpose": "会議"},
    )
    assert response.status_code == 409
    assert 'role="alert"' in text(response)
    assert "Someone has just booked this time slot" in text(response)


def test_refusals_are_shown_with_every_reason(app: Flask) -> None:
    m = member(app, "regasu", locale="en")
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, app, m.resident)
    am = auditorium(app, "am")
    response = client.post(
        "/regasu/book", data={"slots": am, "group": m.group_id, "attendees": "500", "purpose": ""}
    )
    assert response.status_code == 422
    page = text(response)
    assert "exceeds the room&#39;s capacity (120)" in page
    assert "Please enter the purpose of use." in page
    assert 'aria-describedby="attendees-error"' in page


def test_a_member_without_a_group_is_told_why(app: Flask) -> None:
    from tests.fixtures.auth import make_resident

    resident = make_resident(app, "regasu")
    client = app.test_client()
    sign_in_as(client, app, resident)
    response = client.get(f"/regasu/book?slot={auditorium(app, 'am')}")
    assert response.status_code == 403
    assert "/regasu/groups/" in text(response)


def test_cancel_shows_the_refund_first_then_releases_the_slots(app: Flask) -> None:
    m = member(app, "regasu")
    booking_id = book(app, "regasu", m.group_id, [auditorium(app, "am", after=30)])
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    confirm = client.get(f"/regasu/bookings/{booking_id}/cancel")
    assert confirm.status_code == 200
    assert "100%" in text(confirm)  # 30 days ahead: the full refund tier
    assert booking_row(app, "regasu", booking_id)["status"] == CONFIRMED

    unconfirmed = client.post(f"/regasu/bookings/{booking_id}/cancel", data={})
    assert unconfirmed.status_code == 422
    assert booking_row(app, "regasu", booking_id)["status"] == CONFIRMED

    done = client.post(f"/regasu/bookings/{booking_id}/cancel", data={"confirm": "y"})
    assert done.status_code == 302
    row = booking_row(app, "regasu", booking_id)
    assert row["status"] == CANCELLED and row["cancelled_by"] == "group"
    assert row["refund_amount"] == 0  # nothing was paid
    assert holds_of(app, "regasu", booking_id) == []
    keys = [mail.idempotency_key for mail in booking_mails(app, "regasu", booking_id)]
    assert keys == [f"booking:{booking_id}:confirmed", f"booking:{booking_id}:cancelled"]


def test_other_groups_and_tenants_see_404(app: Flask) -> None:
    owner, stranger = member(app, "genkikan"), member(app, "genkikan")
    day = open_day(app, "genkikan", "genkikan")
    booking_id = book(
        app, "genkikan", owner.group_id, [slot(app, "genkikan", "genkikan", "meeting-a", day, "am")]
    )
    client = app.test_client()
    sign_in_as(client, app, stranger.resident)
    for path in ("", ".ics", "/permit.pdf", "/cancel"):
        assert client.get(f"/genkikan/bookings/{booking_id}{path}").status_code == 404
    other = member(app, "regasu")
    sign_in_as(client, app, other.resident)
    for path in ("", ".ics", "/cancel"):
        assert client.get(f"/regasu/bookings/{booking_id}{path}").status_code == 404


def test_ics_has_tokyo_times(app: Flask) -> None:
    m = member(app, "regasu")
    day = open_day(app, "regasu", "kita-shinjuku-field", after=25)
    ids = [slot(app, "regasu", "kita-shinjuku-field", "field-a", day, c) for c in ("h10", "h11")]
    booking_id = book(app, "regasu", m.group_id, ids)
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    response = client.get(f"/regasu/bookings/{booking_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Tokyo"
    (event,) = cal.walk("VEVENT")  # two consecutive hours: one event
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == dt.timedelta(hours=9)
    assert (start.date(), start.hour, end.hour) == (day, 10, 12)
    assert b"DTSTART;TZID=Asia/Tokyo:" in response.data


def test_group_feed_is_secret_and_rotatable(app: Flask) -> None:
    m = member(app, "genkikan")
    day = open_day(app, "genkikan", "genkikan")
    book(app, "genkikan", m.group_id, [slot(app, "genkikan", "genkikan", "washitsu", day, "pm")])
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    page = text(client.get("/genkikan/bookings/calendar"))
    url = page.split('readonly value="', 1)[1].split('"', 1)[0]
    path = url.split("localhost", 1)[1]
    assert path.startswith("/genkikan/calendar/") and len(path) > 50

    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200
    assert len(icalendar.Calendar.from_ical(feed.data).walk("VEVENT")) == 1
    assert anonymous.get(path.replace("/genkikan/", "/regasu/")).status_code == 404

    group_id = m.group_id
    assert client.post(f"/genkikan/bookings/calendar/{group_id}/rotate").status_code == 302
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/genkikan/calendar/guess.ics").status_code == 404


def test_permit_pdf_is_japanese(app: Flask) -> None:
    m = member(app, "regasu")
    booking_id = book(app, "regasu", m.group_id, [auditorium(app, "am")], purpose="講演会")
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    response = client.get(f"/regasu/bookings/{booking_id}/permit.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    chars = pdf_text_chars(response.data)
    assert set("使用承認書令和講堂") <= chars
    assert any("IPAex" in f or "CJK" in f for f in pdf_fonts(response.data))


def test_demo_bookings_fill_the_grids_once(sqlite_app: Flask) -> None:
    from shisetsu.demo.accounts import seed_tenant_accounts
    from shisetsu.demo.bookings import seed_bookings

    seed_tenant_accounts(sqlite_app, "genkikan", "shisetsu-demo-2026")
    first = seed_bookings(sqlite_app, "genkikan")
    assert "demo bookings" in first and not first.startswith("genkikan: 0 ")
    assert seed_bookings(sqlite_app, "genkikan") == "genkikan: demo bookings already present"
    with tenant_session(sqlite_app, "genkikan") as session:
        rows = list(session.scalars(sa.select(Booking)))
        held = session.scalar(sa.select(sa.func.count(SlotHold.id)))
    assert len(rows) >= 20
    assert held == sum(len(b.slot_codes) for b in rows)
    assert any(b.status == "paid" for b in rows) and any(b.status == "confirmed" for b in rows)
