"""Counter booking by picking: the clerk chooses room, date and time bands from the day's
slots with their states; nothing asks for an internal id (both databases)."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.audit import text
from tests.support.booking import book, member, open_day, slot
from tests.support.slots import room_id

pytestmark = pytest.mark.dates
TENANT = "genkikan"


def test_pick_a_room_a_day_and_a_band_then_book(any_app: Flask) -> None:
    m = member(any_app, TENANT)
    other = member(any_app, TENANT)
    day = open_day(any_app, TENANT, "genkikan", after=23)
    taken = slot(any_app, TENANT, "genkikan", "kitchen", day, "pm")
    book(any_app, TENANT, other.group_id, [taken])
    kitchen = room_id(any_app, TENANT, "genkikan", "kitchen")
    client = any_app.test_client()
    sign_in_as(client, any_app, make_staff(any_app, TENANT, "counter"))
    client.set_cookie("lang", "ja")
    path = f"/{TENANT}/manage/bookings/counter/{m.group_id}"

    first = text(client.get(path))
    assert 'name="room"' in first and 'type="date"' in first
    assert 'name="slots"' not in first  # nothing to book until slots are picked
    assert "12-20260201-am" not in first and "区分ID" not in first

    picker = text(client.get(f"{path}?room={kitchen}&date={day.isoformat()}"))
    boxes = dict(re.findall(r'<input type="checkbox" name="slot" value="([^"]+)"([^>]*)>', picker))
    am, night = (slot(any_app, TENANT, "genkikan", "kitchen", day, c) for c in ("am", "night"))
    full = slot(any_app, TENANT, "genkikan", "kitchen", day, "full")
    assert set(boxes) == {am, taken, night, full}
    assert "disabled" in boxes[taken] and "disabled" in boxes[full]  # pm is booked
    assert "disabled" not in boxes[am] and "disabled" not in boxes[night]
    assert "午後 13:00–17:00 (予約済み)" in picker or "午後 13:00–17:00 (taken)" in picker

    draft = text(client.get(f"{path}?room={kitchen}&date={day.isoformat()}&slot={am}"))
    assert f'<input type="hidden" name="slots" value="{am}">' in draft
    assert re.search(r"使用料|Fee", draft)
    booked = client.post(
        path, data={"slots": am, "attendees": "6", "purpose": "料理教室", "reduction": ""}
    )
    assert booked.status_code == 302, re.sub(r"<[^>]+>|\s+", " ", text(booked))[-1500:]
    assert re.search(r"/manage/bookings/\d+$", booked.headers["Location"])


def test_an_unknown_room_or_a_bad_date_shows_the_choice_again(any_app: Flask) -> None:
    m = member(any_app, TENANT)
    client = any_app.test_client()
    sign_in_as(client, any_app, make_staff(any_app, TENANT, "counter"))
    path = f"/{TENANT}/manage/bookings/counter/{m.group_id}"
    for query in ("room=987654&date=2030-01-01", "room=abc", "date=2030-13-40"):
        page = client.get(f"{path}?{query}")
        assert page.status_code == 200
        assert 'name="slot"' not in text(page)
