"""My page: what to do next — an upcoming booking, a fee with its deadline, a win to confirm
with its deadline and fee, renewals and staff messages — bounded, linked, in both languages;
another group's or tenant's items never show."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking.models import Booking
from shisetsu.dates import format_deadline, last_moment
from shisetsu.groups.models import Group, GroupMessage
from shisetsu.lottery.models import LotteryOutcome
from shisetsu.slots.display import slot_labels
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.booking import book, config_of, member, open_day, slot
from tests.support.groups import text, today_in_tokyo, update_group
from tests.support.lottery import CLOSE, DRAW, enter, lottery_slot_ids, open_round, round_row, step

pytestmark = pytest.mark.dates


def _auditorium(app: Flask, day: dt.date, code: str) -> str:
    return slot(app, "regasu", "history-museum", "auditorium", day, code)


def _win(app: Flask, group_id: int) -> tuple[int, str]:
    """A drawn genkikan round in which ``group_id`` won one slot (not confirmed yet)."""
    rid = open_round(app, "genkikan")
    (slot_id,) = lottery_slot_ids(app, "genkikan", rid, 1)
    enter(app, "genkikan", rid, group_id, [[slot_id]])
    step(app, "genkikan", CLOSE)
    step(app, "genkikan", DRAW)
    return rid, slot_id


def test_my_page_shows_a_booking_its_fee_deadline_and_a_message(any_app: Flask) -> None:
    m = member(any_app, "regasu")
    day = open_day(any_app, "regasu", "history-museum")
    booking_id = book(any_app, "regasu", m.group_id, [_auditorium(any_app, day, "full")])
    with tenant_session(any_app, "regasu") as session:
        booking = session.get(Booking, booking_id)
        assert booking is not None and booking.payment_due is not None
        due = booking.payment_due
        session.add(GroupMessage(group_id=m.group_id, body="鍵の返却をお忘れなく。"))
        session.commit()
    closes = config_of(any_app, "regasu").counter_closes
    client = any_app.test_client()
    sign_in_as(client, any_app, m.resident)

    page = text(client.get("/regasu/account/"))
    assert "<h1>マイページ</h1>" in page
    assert f'href="/regasu/bookings/{booking_id}"' in page
    assert f"受付番号 {booking_id:06d} の利用料 6,000円をお支払いください" in page
    assert f"{due.year}年{due.month}月{due.day}日" in page
    assert f"{closes.hour}:{closes:%M}まで" in page
    assert "鍵の返却をお忘れなく。" in page

    client.set_cookie("lang", "en")
    english = text(client.get("/regasu/account/"))
    assert f"Pay ¥6,000 for booking {booking_id:06d}" in english
    assert (
        f"Pay at the facility's counter until {due:%Y-%m-%d} ({due:%a}) {closes:%H:%M}." in english
    )
    assert f"{day:%Y-%m-%d}" in english  # the upcoming booking's date
    assert '<span lang="ja">鍵の返却をお忘れなく。</span>' in english


def test_my_page_shows_a_win_to_confirm_with_its_deadline_and_fee(any_app: Flask) -> None:
    m = member(any_app, "genkikan", locale="en")
    rid, slot_id = _win(any_app, m.group_id)
    client = any_app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, any_app, m.resident)
    page = text(client.get("/genkikan/account/"))
    assert "Confirm or decline your lottery win" in page
    assert 'href="/genkikan/lottery/"' in page
    assert slot_id not in page  # named by facility, room, date and time band
    with tenant_session(any_app, "genkikan") as session:
        outcome = session.scalar(sa.select(LotteryOutcome).where(LotteryOutcome.round_id == rid))
        assert outcome is not None and outcome.win_state == "pending"
        names = slot_labels(session, current_runtime().config, [slot_id], "en")
    deadline = format_deadline(
        last_moment(round_row(any_app, "genkikan", rid)["confirm_deadline"]), "en"
    )
    assert names[slot_id] in page
    assert f"Confirm {deadline}; a win not confirmed by then is released." in page
    assert re.search(r"Fee: ¥[0-9,]+\.", page)


def test_a_decided_win_leaves_the_list(any_app: Flask) -> None:
    m = member(any_app, "genkikan", locale="en")
    rid, _slot = _win(any_app, m.group_id)
    with tenant_session(any_app, "genkikan") as session:
        session.execute(
            sa.update(LotteryOutcome)
            .where(LotteryOutcome.round_id == rid)
            .values(win_state="declined")
        )
        session.commit()
    client = any_app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, any_app, m.resident)
    page = text(client.get("/genkikan/account/"))
    assert "Confirm or decline your lottery win" not in page


def test_lists_are_bounded_and_link_to_the_rest(app: Flask) -> None:
    m = member(app, "regasu")
    day = open_day(app, "regasu", "history-museum")
    first = book(app, "regasu", m.group_id, [_auditorium(app, day, "am")])
    with tenant_session(app, "regasu") as session:  # six more like it on later days
        model = session.get(Booking, first)
        assert model is not None
        columns = {c.key: getattr(model, c.key) for c in Booking.__table__.columns}
        for n in range(1, 7):
            later = dt.timedelta(days=n)
            session.add(
                Booking(
                    **{
                        **columns,
                        "id": None,
                        "date": day + later,
                        "starts_at": model.starts_at + later,
                        "ends_at": model.ends_at + later,
                    }
                )
            )
        session.commit()
    with tenant_session(app, "regasu") as session:
        for n in range(7):
            session.add(GroupMessage(group_id=m.group_id, body=f"お知らせ{n}"))
        session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, app, m.resident)
    page = text(client.get("/regasu/account/"))
    assert len(re.findall(r'href="/regasu/bookings/\d+"', page)) == 5 * 2  # five in each list
    assert "2 more bookings to pay: see My bookings" in page
    assert "My bookings</a> (7 upcoming)" in page
    assert "All 7 messages" in page and 'href="/regasu/account/messages"' in page
    first = text(client.get("/regasu/account/messages"))
    assert all(f"お知らせ{n}" in first for n in range(7))


def test_an_expiring_registration_asks_for_renewal(app: Flask) -> None:
    m = member(app, "regasu")
    today = today_in_tokyo()
    update_group(app, "regasu", m.group_id, valid_until=today + dt.timedelta(days=20))
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, app, m.resident)
    page = text(client.get("/regasu/account/"))
    assert f'href="/regasu/groups/{m.group_id}/renew"' in page
    assert "Renew the registration of" in page


def test_nothing_to_do_says_so(app: Flask) -> None:
    m = member(app, "regasu")
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in_as(client, app, m.resident)
    page = text(client.get("/regasu/account/"))
    assert "Nothing is waiting for you right now." in page
    assert "No upcoming bookings." in page and "No messages." in page


def test_another_groups_items_never_show(any_app: Flask) -> None:
    mine, theirs = member(any_app, "regasu"), member(any_app, "regasu")
    day = open_day(any_app, "regasu", "history-museum")
    other = book(any_app, "regasu", theirs.group_id, [_auditorium(any_app, day, "am")])
    with tenant_session(any_app, "regasu") as session:
        session.add(GroupMessage(group_id=theirs.group_id, body="他団体あてのお知らせ"))
        session.commit()
    client = any_app.test_client()
    sign_in_as(client, any_app, mine.resident)
    page = text(client.get("/regasu/account/"))
    assert f"/regasu/bookings/{other}" not in page
    assert "他団体あてのお知らせ" not in page
    assert "他団体あてのお知らせ" not in text(client.get("/regasu/account/messages"))


def test_my_page_of_another_tenant_is_not_a_signed_in_page(any_app: Flask) -> None:
    m = member(any_app, "regasu")
    client = any_app.test_client()
    sign_in_as(client, any_app, m.resident)
    for path in ("/genkikan/account/", "/genkikan/account/messages"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/genkikan/account/login" in response.headers["Location"]


def test_staff_write_a_message_the_group_reads(any_app: Flask) -> None:
    m = member(any_app, "genkikan")
    staff = any_app.test_client()
    sign_in_as(staff, any_app, make_staff(any_app, "genkikan", "handler"))
    empty = staff.post(f"/genkikan/manage/groups/{m.group_id}/messages", data={"body": "  "})
    assert empty.status_code == 422
    assert "この項目は必須です。" in text(empty)
    long = staff.post(f"/genkikan/manage/groups/{m.group_id}/messages", data={"body": "あ" * 1001})
    assert long.status_code == 422
    ok = staff.post(
        f"/genkikan/manage/groups/{m.group_id}/messages", data={"body": "来月は点検日です。"}
    )
    assert ok.status_code == 302
    with tenant_session(any_app, "genkikan") as session:
        bodies = list(session.scalars(sa.select(GroupMessage.body)))
    assert bodies == ["来月は点検日です。"]
    assert "来月は点検日です。" in text(staff.get(f"/genkikan/manage/groups/{m.group_id}"))
    resident = any_app.test_client()
    sign_in_as(resident, any_app, m.resident)
    assert "来月は点検日です。" in text(resident.get("/genkikan/account/"))


def test_counter_staff_cannot_write_messages(app: Flask) -> None:
    m = member(app, "genkikan")
    staff = app.test_client()
    sign_in_as(staff, app, make_staff(app, "genkikan", "counter"))
    response = staff.post(f"/genkikan/manage/groups/{m.group_id}/messages", data={"body": "x"})
    assert response.status_code == 403


def test_a_message_to_another_tenants_group_is_404(any_app: Flask) -> None:
    theirs = member(any_app, "regasu")
    staff = any_app.test_client()
    sign_in_as(staff, any_app, make_staff(any_app, "genkikan", "handler"))
    with tenant_session(any_app, "genkikan") as session:
        assert session.get(Group, theirs.group_id) is None  # the id means nothing here
    path = f"/genkikan/manage/groups/{theirs.group_id}/messages"
    response = staff.post(path, data={"body": "越境"})
    assert response.status_code == 404
    with tenant_session(any_app, "regasu") as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(GroupMessage)) == 0


@pytest.mark.postgres
def test_the_database_refuses_another_tenants_messages(pg_app: Flask) -> None:
    refused = pytest.raises(sa.exc.ProgrammingError, match="permission denied")
    with tenant_session(pg_app, "regasu") as session, refused:
        session.execute(sa.text("SELECT * FROM tenant_genkikan.group_messages"))
