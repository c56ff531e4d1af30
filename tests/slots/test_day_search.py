"""Searching as residents search: one day across rooms (a row of ○/× per room), time of day,
purpose or sport, capacity, days of the week; bad query strings are a 400 with a message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from shisetsu.slots.finder import band_of
from shisetsu.slots.grid import shift_month
from shisetsu.slots.holds import hold_slots
from shisetsu.slots.models import BOOKING
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support.groups import text
from tests.support.slots import open_weekday, room_id, today

pytestmark = pytest.mark.dates

ROW = re.compile(r'<tr>\s*<th scope="row"><a href="/\w+/rooms/(\d+)">(.*?)</a>(.*?)</tr>', re.S)
SLOT = re.compile(r'<li class="state-(\w+)">')


def rows(page: str) -> dict[int, list[str]]:
    """Room id → the state of each slot shown in its row, in order."""
    return {int(rid): SLOT.findall(body) for rid, _name, body in ROW.findall(page)}


def day_with_first_come(app: Flask) -> dt.date:
    """A plain weekday next month: first come is open there, so free slots show ○."""
    with tenant_session(app, "genkikan"):
        return open_weekday(current_runtime().config, shift_month(today(), 1), "genkikan")


def test_bands_follow_the_start_time() -> None:
    assert [band_of(dt.time(h)) for h in (9, 11, 12, 16, 17, 21)] == [
        "morning",
        "morning",
        "afternoon",
        "afternoon",
        "evening",
        "evening",
    ]


def test_one_day_across_rooms_with_taken_slots_and_a_purpose(any_app: Flask) -> None:
    day = day_with_first_come(any_app)
    kitchen = room_id(any_app, "genkikan", "genkikan", "kitchen")
    meeting_a = room_id(any_app, "genkikan", "genkikan", "meeting-a")
    with tenant_session(any_app, "genkikan") as session:
        hold_slots(session, [f"{meeting_a}-{day:%Y%m%d}-pm"], BOOKING, 1)
        session.commit()
    client = any_app.test_client()
    page = text(client.get(f"/genkikan/availability/day?date={day.isoformat()}"))
    found = rows(page)
    assert len(found) == 5  # every room of Genkikan, one row each
    assert found[meeting_a] == ["free", "taken", "free"]
    assert found[kitchen] == ["free", "free", "free"]
    assert "5室のうち5室に空きがあります。" in page
    assert f'href="/genkikan/slots/{meeting_a}-{day:%Y%m%d}-am"' in page
    assert f'href="/genkikan/slots/{meeting_a}-{day:%Y%m%d}-pm"' not in page
    # Purpose: meetings and classes suit the two meeting rooms and the multipurpose room.
    meetings = rows(text(client.get(f"/genkikan/availability/day?date={day}&purpose=meeting")))
    assert set(meetings) == {
        room_id(any_app, "genkikan", "genkikan", code)
        for code in ("meeting-a", "meeting-b", "multipurpose")
    }
    # Time of day and capacity narrow it down further.
    evening = text(client.get(f"/genkikan/availability/day?date={day}&band=afternoon&capacity=25"))
    assert rows(evening) == {
        room_id(any_app, "genkikan", "genkikan", "multipurpose"): ["free"],
        meeting_a: ["taken"],
    }
    assert '<th scope="col">午後</th>' in evening and "夜間</th>" not in evening


def test_one_day_in_english_across_regasu_facilities(any_app: Flask) -> None:
    day = day_with_first_come(any_app)
    client = any_app.test_client()
    client.set_cookie("lang", "en")
    page = text(client.get(f"/regasu/availability/day?date={day}&purpose=baseball&band=morning"))
    found = rows(page)
    grounds = {room_id(any_app, "regasu", "edogawa-ground", c) for c in ("ground-1", "ground-2")}
    assert set(found) == grounds
    assert all(states == ["free"] * 3 for states in found.values())  # 9, 10 and 11 o'clock
    assert "Edogawa Riverside Ground Ground 1" in page and "Morning</th>" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date=2026-13-45", "日付を 2027-04-01 のような形で入力してください。"),
        ("date=1999-01-01", "今日から2年先までの日付を選んでください。"),
        ("purpose=rugby", "利用目的・種目"),
        ("band=night-owl", "時間帯"),
        ("capacity=-3", "利用人数"),
        ("facility=nowhere", "施設"),
    ],
)
def test_bad_query_strings_are_a_clear_400(any_app: Flask, query: str, message: str) -> None:
    response = any_app.test_client().get(f"/genkikan/availability/day?{query}")
    assert response.status_code == 400
    page = text(response)
    assert 'class="error-summary"' in page and message in page
    assert "<tbody>" not in page  # no results from a refused question


def test_period_search_by_weekday_purpose_and_band(any_app: Flask) -> None:
    start = shift_month(today(), 1)
    end = start + dt.timedelta(days=13)
    client = any_app.test_client()
    page = text(
        client.get(
            f"/regasu/availability?start={start}&end={end}&weekdays=5&purpose=tea&band=evening"
        )
    )
    washitsu = room_id(any_app, "regasu", "lifelong-learning", "washitsu")
    assert f'id="room-{washitsu}"' in page
    assert page.count('class="room-result"') == 1  # tea ceremony: the washitsu only
    links = re.findall(rf'href="/regasu/slots/{washitsu}-(\d{{8}})-(\w+)"', page)
    assert links  # a fortnight has two Saturdays
    days = {dt.datetime.strptime(d, "%Y%m%d").date() for d, _code in links}
    assert {d.weekday() for d in days} == {5}
    assert {code for _d, code in links} == {"night"}
    bad = client.get("/regasu/availability?weekdays=9")
    assert bad.status_code == 400 and 'class="error-summary"' in text(bad)
