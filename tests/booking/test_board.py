"""The booking board: a facility's rooms × time bands for a day or a week, each cell saying
what occupies it; opening it is logged, printing it is recorded (both databases)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.exports.models import ExportLedger
from shisetsu.facilities.models import Facility
from shisetsu.slots.holds import hold_slots
from shisetsu.slots.models import OFFICIAL
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import is_closed_by_rule
from tests.support.audit import entries_after, last_id, text
from tests.support.booking import book, config_of, member, open_day, pdf_text_chars, slot
from tests.support.groups import signed_in_staff
from tests.support.slots import room_id

pytestmark = pytest.mark.dates
TENANT = "genkikan"


def facility_id(app: Flask, tenant: str, code: str) -> int:
    with tenant_session(app, tenant) as session:
        found = session.scalar(sa.select(Facility.id).where(Facility.code == code))
        assert found is not None
        return found


def cells(page: str, room: str) -> list[str]:
    """The text of each cell of ``room``'s row of the day view."""
    row = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(room)}</th>(.*?)</tr>", page, re.S)
    assert row is not None, re.findall(r"<th scope=\"row\">[^<]*</th>", page)
    found = re.findall(r"<td class=\"board-(\w+)\">(.*?)</td>", row.group(1), re.S)
    return [f"{kind}: {' '.join(re.sub(r'<[^>]+>', ' ', body).split())}" for kind, body in found]


def test_a_day_shows_each_cell_by_what_occupies_it(any_app: Flask) -> None:
    m = member(any_app, TENANT)
    day = open_day(any_app, TENANT, "genkikan", after=24)
    target = slot(any_app, TENANT, "genkikan", "multipurpose", day, "pm")
    booking_id = book(any_app, TENANT, m.group_id, [target], purpose="合唱の練習")
    kitchen = room_id(any_app, TENANT, "genkikan", "kitchen")
    with tenant_session(any_app, TENANT) as session:
        hold_slots(session, [f"{kitchen}-{day:%Y%m%d}-am"], OFFICIAL, note="区の料理教室")
        session.commit()
    client = any_app.test_client()
    clerk = signed_in_staff(client, any_app, TENANT, "counter")
    client.set_cookie("lang", "ja")
    before = last_id(any_app, TENANT)
    facility = facility_id(any_app, TENANT, "genkikan")
    response = client.get(f"/{TENANT}/manage/board/?facility={facility}&date={day.isoformat()}")
    assert response.status_code == 200
    page = text(response)
    group_name = re.search(r"テスト団体\w+", page)
    assert group_name is not None
    assert cells(page, "多目的室") == [
        f"free: 空き：窓口で予約 — 午前 {_long(day)}",
        f"booked: {group_name.group(0)} 合唱の練習 未払い",
        f"free: 空き：窓口で予約 — 夜間 {_long(day)}",
    ]
    assert cells(page, "調理室")[0] == "official: 公用 区の料理教室"
    assert f'href="/{TENANT}/manage/bookings/{booking_id}"' in page
    free = slot(any_app, TENANT, "genkikan", "multipurpose", day, "am")
    assert f'href="/{TENANT}/manage/bookings/counter?slot={free}"' in page
    # Group names are on the page: the view is on the record.
    (entry,) = entries_after(any_app, TENANT, before)
    assert (entry.action, entry.record_type, entry.actor_id) == ("view", "booking_board", clerk.id)
    assert (entry.record_id, entry.detail) == (f"genkikan:{day.isoformat()}", "day, 1 bookings")


def _long(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日({'月火水木金土日'[day.weekday()]})"


def test_a_week_shows_seven_days_and_the_closed_ones(any_app: Flask) -> None:
    config = config_of(any_app, TENANT)
    rules = config.closed_days_for("genkikan")
    start = open_day(any_app, TENANT, "genkikan", after=30)
    days = [start + dt.timedelta(days=i) for i in range(7)]
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "handler")
    facility = facility_id(any_app, TENANT, "genkikan")
    page = text(client.get(f"/{TENANT}/manage/board/?facility={facility}&view=week&date={start}"))
    header = re.search(r"<thead>(.*?)</thead>", page, re.S)
    assert header is not None
    assert header.group(1).count('<th scope="col">') == 2 + 7
    assert page.count('scope="rowgroup"') == len(re.findall(r"rowspan=", page))
    closed = [d for d in days if is_closed_by_rule(rules, d)]
    # Every closed day shows as closed in every row; others never do.
    rows = page.count('scope="row"')
    assert page.count('class="board-closed_day"') == len(closed) * rows


def test_bad_arguments_and_another_tenants_facility(any_app: Flask) -> None:
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "counter")
    other = max(_ids(any_app, "regasu"))
    mine = facility_id(any_app, TENANT, "genkikan")
    # Ids are per schema: regasu has more facilities, and its last id is none of genkikan's.
    assert other not in _ids(any_app, TENANT)
    assert client.get(f"/{TENANT}/manage/board/?facility={other}").status_code == 404
    assert client.get(f"/{TENANT}/manage/board/?facility=987654").status_code == 404
    assert client.get(f"/{TENANT}/manage/board/?facility={mine}&date=2026-13-01").status_code == 400
    assert client.get(f"/{TENANT}/manage/board/?facility={mine}&view=month").status_code == 400
    assert client.get(f"/{TENANT}/manage/board/?facility=abc").status_code == 200  # ignored


def _ids(app: Flask, tenant: str) -> set[int]:
    with tenant_session(app, tenant) as session:
        return set(session.scalars(sa.select(Facility.id)))


def test_residents_and_strangers_do_not_see_the_board(any_app: Flask) -> None:
    anonymous = any_app.test_client()
    response = anonymous.get(f"/{TENANT}/manage/board/")
    assert response.status_code == 302 and "/manage/login" in response.headers["Location"]
    regasu_staff = any_app.test_client()
    signed_in_staff(regasu_staff, any_app, "regasu", "responsible")
    response = regasu_staff.get(f"/{TENANT}/manage/board/")
    assert response.status_code in (302, 403, 404)


def test_printing_the_board_is_recorded_and_marked(any_app: Flask) -> None:
    m = member(any_app, TENANT)
    day = open_day(any_app, TENANT, "genkikan", after=25)
    book(any_app, TENANT, m.group_id, [slot(any_app, TENANT, "genkikan", "kitchen", day, "am")])
    client = any_app.test_client()
    clerk = signed_in_staff(client, any_app, TENANT, "counter")
    facility = facility_id(any_app, TENANT, "genkikan")
    page = text(client.get(f"/{TENANT}/manage/board/?facility={facility}&date={day}"))
    assert 'class="print-only"' in page
    before = last_id(any_app, TENANT)
    response = client.post(
        f"/{TENANT}/manage/board/print?facility={facility}&view=day&date={day.isoformat()}"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with tenant_session(any_app, TENANT) as session:
        row = session.scalars(sa.select(ExportLedger).order_by(ExportLedger.id.desc())).first()
        assert row is not None
        assert (row.handler_id, row.content, row.record_count) == (
            clerk.id,
            f"board:genkikan:day:{day.isoformat()}",
            1,
        )
    (entry,) = entries_after(any_app, TENANT, before)
    assert (entry.action, entry.record_type) == ("print", "booking_board")
    chars = pdf_text_chars(response.get_data())
    assert set("予約状況表印刷者管理簿") <= chars and set(clerk.login) <= chars
