"""Public availability pages: month grid, slot page and search (both databases, ja and en)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from shisetsu.dates import month_bounds
from shisetsu.facilities.models import Room
from shisetsu.slots.grid import shift_month
from shisetsu.slots.holds import hold_slots
from shisetsu.slots.models import BOOKING, OFFICIAL, Closure
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support.slots import open_weekday, regasu_only_room_id, room_id, today

pytestmark = pytest.mark.dates

ROW = re.compile(r'<tr class="day-(\w+)">(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="(?:state-(\w+)|not-offered)">')


@pytest.fixture
def slots_app(any_app: Flask) -> Flask:
    return any_app


def grid_states(page: str) -> list[list[str]]:
    """The state of every cell, row by row (as the page's classes say)."""
    return [CELL.findall(body) for _kind, body in ROW.findall(page)]


def future_month(months: int = 1) -> dt.date:
    """Next month: open first come (its lottery's first come was last month) whatever today is."""
    return shift_month(today(), months)


def prepare(app: Flask) -> tuple[int, dt.date, dt.date, dt.date]:
    """Kitchen: a booking and an official hold on one day, an ad-hoc closure on another."""
    room = room_id(app, "genkikan", "genkikan", "kitchen")
    month = future_month()
    with tenant_session(app, "genkikan") as session:
        config = current_runtime().config
        busy = open_weekday(config, month, "genkikan")
        closed = open_weekday(config, busy, "genkikan")
        hold_slots(session, [f"{room}-{busy:%Y%m%d}-am"], BOOKING, 1)
        hold_slots(session, [f"{room}-{busy:%Y%m%d}-pm"], OFFICIAL, note="区の行事")
        facility_id = session.get(Room, room).facility_id  # type: ignore[union-attr]
        session.add(
            Closure(
                facility_id=facility_id,
                room_id=room,
                start_date=closed,
                end_date=closed,
                reason_ja="設備点検",
                reason_en="Equipment inspection",
            )
        )
        session.commit()
    return room, month, busy, closed


def test_month_grid_in_japanese(slots_app: Flask) -> None:
    room, month, busy, _closed = prepare(slots_app)
    client = slots_app.test_client()
    response = client.get(f"/genkikan/rooms/{room}/availability?month={month:%Y-%m}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    _first, last = month_bounds(month)
    assert page.count('<tr class="day-') == last.day
    assert '<th scope="col">' in page and '<th scope="row">' in page
    day = f"{busy.year}年{busy.month}月{busy.day}日"
    assert re.search(day + r"\(.\) 午前[: ]+[^<]+</span>", page)  # every cell has a text label
    assert 'aria-hidden="true">×</span>' in page and 'aria-hidden="true">公</span>' in page
    assert "設備点検" in page  # the closure's reason on its row
    free = f'href="/genkikan/slots/{room}-{busy:%Y%m%d}-night"'
    assert free in page  # free cells are links (keyboard-reachable)
    assert f'href="/genkikan/slots/{room}-{busy:%Y%m%d}-am"' not in page
    # Legend, month navigation.
    for symbol in ("○", "×", "−", "抽", "公"):
        assert f'aria-hidden="true">{symbol}</span>' in page
    assert f"?month={shift_month(month, -1):%Y-%m}" in page
    assert f"?month={shift_month(month, 1):%Y-%m}" in page


def test_month_grid_in_english_marks_weekends_and_holidays_in_words(slots_app: Flask) -> None:
    room = room_id(slots_app, "genkikan", "genkikan", "kitchen")
    january = dt.date(today().year + 1, 1, 1)
    client = slots_app.test_client()
    client.set_cookie("lang", "en")
    page = client.get(f"/genkikan/rooms/{room}/availability?month={january:%Y-%m}").get_data(
        as_text=True
    )
    assert '<html lang="en">' in page
    assert re.search(
        r'<tr class="day-holiday">\s*<th scope="row"><span class="day-date">'
        rf"{january.year}-01-01 \(\w{{3}}\)</span> <span [^>]*>holiday</span>",
        page,
        re.I,
    )
    assert '<span class="holiday-name">New Year&#39;s Day</span>' in page
    assert "元日" not in page
    assert re.search(r">Sat(urday)?<", page) and re.search(r">Sun(day)?<", page)
    assert f"{january.year}-01-02" in page and "Closed day" in page  # New Year break
    rows = grid_states(page)
    assert rows[0] == ["closed"] * 4  # 1/1: three slots and the full-day set


def test_grid_and_api_agree(slots_app: Flask) -> None:
    room, month, busy, closed = prepare(slots_app)
    client = slots_app.test_client()
    page = client.get(f"/genkikan/rooms/{room}/availability?month={month:%Y-%m}").get_data(
        as_text=True
    )
    first, last = month_bounds(month)
    api = client.get(
        "/api/v1/genkikan/availability",
        query_string={"from": first.isoformat(), "to": last.isoformat(), "room": room},
    ).get_json()["slots"]
    by_day: dict[str, list[str]] = {}
    for slot in api:
        by_day.setdefault(slot["date"], []).append(slot["state"])
    rows = grid_states(page)
    assert [row[:3] for row in rows] == [by_day[d] for d in sorted(by_day)]
    busy_row = rows[(busy - first).days]
    assert busy_row == ["taken", "hold", "free", "hold"]  # full day: the most limiting
    assert rows[(closed - first).days] == ["closed"] * 4


def test_slot_page(slots_app: Flask) -> None:
    room, _month, busy, _closed = prepare(slots_app)
    client = slots_app.test_client()
    page = client.get(f"/genkikan/slots/{room}-{busy:%Y%m%d}-night")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "調理室" in text and "18:00–21:00" in text
    full = client.get(f"/genkikan/slots/{room}-{busy:%Y%m%d}-full").get_data(as_text=True)
    assert full.count('<th scope="row">') == 3  # the set's three slots
    assert client.get("/genkikan/slots/garbage").status_code == 400
    assert client.get(f"/genkikan/slots/{room}-{busy:%Y%m%d}-h09").status_code == 404
    regasu_room = regasu_only_room_id(slots_app)
    assert client.get(f"/genkikan/slots/{regasu_room}-{busy:%Y%m%d}-am").status_code == 404


def test_month_argument_and_other_tenants_rooms(any_app: Flask) -> None:
    client = any_app.test_client()
    room = room_id(any_app, "genkikan", "genkikan", "kitchen")
    assert client.get(f"/genkikan/rooms/{room}/availability").status_code == 200
    for garbage in ("2030-13", "2030-1", "x", "2030-00"):
        response = client.get(f"/genkikan/rooms/{room}/availability?month={garbage}")
        assert response.status_code == 400, garbage
    far = shift_month(today(), 60)
    assert client.get(f"/genkikan/rooms/{room}/availability?month={far:%Y-%m}").status_code == 404
    regasu_room = regasu_only_room_id(any_app)
    assert client.get(f"/regasu/rooms/{regasu_room}/availability").status_code == 200
    assert client.get(f"/genkikan/rooms/{regasu_room}/availability").status_code == 404


def test_search_by_capacity_and_slot(slots_app: Flask) -> None:
    room, _month, busy, _closed = prepare(slots_app)
    client = slots_app.test_client()
    form = client.get("/genkikan/availability")
    assert form.status_code == 200
    assert 'name="start"' in form.get_data(as_text=True)
    query = {"start": busy.isoformat(), "end": busy.isoformat(), "slot": "am", "capacity": 24}
    page = client.get("/genkikan/availability", query_string=query).get_data(as_text=True)
    # Capacity >= 24: multipurpose (60), meeting room A (30), kitchen (24).
    assert page.count('class="room-result"') == 3
    assert f"/genkikan/slots/{room}-{busy:%Y%m%d}-am" not in page  # the kitchen's am is taken
    multipurpose = room_id(slots_app, "genkikan", "genkikan", "multipurpose")
    assert f"/genkikan/slots/{multipurpose}-{busy:%Y%m%d}-am" in page
    assert f"/genkikan/slots/{multipurpose}-{busy:%Y%m%d}-pm" not in page  # only "am" asked


def test_search_rejects_bad_periods(any_app: Flask) -> None:
    client = any_app.test_client()
    start = future_month()
    backwards = {"start": start.isoformat(), "end": (start - dt.timedelta(days=1)).isoformat()}
    assert client.get("/genkikan/availability", query_string=backwards).status_code == 400
    too_long = {"start": start.isoformat(), "end": (start + dt.timedelta(days=93)).isoformat()}
    assert client.get("/genkikan/availability", query_string=too_long).status_code == 400
    assert client.get("/genkikan/availability?room=999").status_code == 400
    assert client.get("/genkikan/availability?capacity=-1").status_code == 400


def test_home_and_room_pages_link_to_availability(any_app: Flask) -> None:
    client = any_app.test_client()
    room = room_id(any_app, "genkikan", "genkikan", "kitchen")
    home = client.get("/genkikan/").get_data(as_text=True)
    assert 'href="/genkikan/availability"' in home
    assert f'href="/genkikan/rooms/{room}/availability"' in home
    client.set_cookie("lang", "en")
    page = client.get(f"/genkikan/rooms/{room}").get_data(as_text=True)
    assert f'href="/genkikan/rooms/{room}/availability"' in page
