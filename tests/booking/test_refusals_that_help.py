"""A refused booking shows the reason and what to do instead, never an active form; "just
taken" only when the slot was taken minutes ago; signed-in pages never ask to sign in."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import Flask

from shisetsu.slots.models import SlotHold
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import sign_in_as
from tests.support.booking import book, member, open_day, slot, today
from tests.support.groups import text

BOOK_BUTTON = '<button type="submit">Book</button>'


def _auditorium(app: Flask, day: dt.date, code: str) -> str:
    return slot(app, "regasu", "history-museum", "auditorium", day, code)


def _signed_in(app: Flask):  # type: ignore[no-untyped-def]
    m = member(app, "regasu", locale="en")
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, app, m.resident)
    return m, client


def _age_holds(app: Flask, booking_id: int, age: dt.timedelta) -> None:
    with tenant_session(app, "regasu") as session:
        session.execute(
            sa.update(SlotHold)
            .where(SlotHold.kind == "booking", SlotHold.ref_id == booking_id)
            .values(created_at=dt.datetime.now(dt.UTC) - age)
        )
        session.commit()


def test_a_slot_taken_days_ago_is_already_booked_not_just_taken(app: Flask) -> None:
    other = member(app, "regasu")
    am = _auditorium(app, open_day(app, "regasu", "history-museum"), "am")
    _age_holds(app, book(app, "regasu", other.group_id, [am]), dt.timedelta(days=3))
    m, client = _signed_in(app)
    for response in (
        client.get(f"/regasu/book?slot={am}"),
        client.post(
            "/regasu/book",
            data={"slots": am, "group": m.group_id, "attendees": "10", "purpose": "会議"},
        ),
    ):
        assert response.status_code == 409
        page = text(response)
        assert "Already booked" in page and "already booked by another group" in page
        assert "Just taken" not in page and "just booked" not in page
        assert BOOK_BUTTON not in page and 'action="/regasu/book"' not in page
        assert "What you can do instead" in page
        assert "Payment due" not in page


def test_a_slot_taken_a_minute_ago_is_just_taken(app: Flask) -> None:
    other = member(app, "regasu")
    am = _auditorium(app, open_day(app, "regasu", "history-museum"), "am")
    _age_holds(app, book(app, "regasu", other.group_id, [am]), dt.timedelta(minutes=1))
    _m, client = _signed_in(app)
    page = text(client.get(f"/regasu/book?slot={am}"))
    assert "Just taken" in page and "Someone has just booked this time slot" in page
    assert BOOK_BUTTON not in page


def test_a_started_slot_shows_the_reason_and_no_form(app: Flask) -> None:
    _m, client = _signed_in(app)
    day = today() - dt.timedelta(days=1)
    response = client.get(f"/regasu/book?slot={_auditorium(app, day, 'am')}")
    page = text(response)
    assert "A time slot that has already started cannot be booked." in page
    assert BOOK_BUTTON not in page and "Payment due" not in page
    assert 'href="/regasu/rooms/' in page and "Choose another free time slot of this room" in page


def test_a_fixable_refusal_keeps_the_form(app: Flask) -> None:
    m, client = _signed_in(app)
    am = _auditorium(app, open_day(app, "regasu", "history-museum"), "am")
    response = client.post(
        "/regasu/book", data={"slots": am, "group": m.group_id, "attendees": "500", "purpose": ""}
    )
    assert response.status_code == 422
    assert BOOK_BUTTON in text(response)


def test_a_signed_in_slot_page_never_asks_to_sign_in(app: Flask) -> None:
    am = _auditorium(app, open_day(app, "regasu", "history-museum"), "am")
    anonymous = app.test_client()
    anonymous.set_cookie("lang", "en")
    assert "after signing in" in text(anonymous.get(f"/regasu/slots/{am}"))
    _m, client = _signed_in(app)
    page = text(client.get(f"/regasu/slots/{am}"))
    assert "after signing in" not in page and "sign in" not in page.lower().split("<main")[1]
    assert f'href="/regasu/book?slot={am}"' in page


def test_required_fields_are_marked_and_required(app: Flask) -> None:
    _m, client = _signed_in(app)
    client.set_cookie("lang", "ja")
    am = _auditorium(app, open_day(app, "regasu", "history-museum"), "am")
    page = text(client.get(f"/regasu/book?slot={am}"))
    label = re.search(r'<label for="attendees">(.*?)</label>', page)
    assert label is not None and '<span class="required">（必須）</span>' in label.group(1)
    field = re.search(r'<input[^>]*id="attendees"[^>]*>', page)
    assert field is not None and re.search(r"\brequired\b", field.group(0))
