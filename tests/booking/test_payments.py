"""Payments, cancellations by staff, the daily deadline job and counter booking (窓口).

On both databases. The deadline job is run the way ``shisetsu cron`` runs it (a tenant
session and commit per tenant, through the job runner), twice, to show it is idempotent.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking.models import CANCELLED, PAID, Booking
from shisetsu.jobs.runner import run_in_app
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_staff, sign_in_as
from tests.fixtures.clock import Clock
from tests.support.booking import (
    TOKYO,
    book,
    booking_mails,
    booking_row,
    holds_of,
    member,
    open_day,
    slot,
    today,
)
from tests.support.groups import text, update_group

pytestmark = pytest.mark.dates

JOB = "shisetsu.booking.jobs.deadline_job"


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def hall(app: Flask, code: str = "am", *, after: int = 20) -> str:
    return hall_on(app, open_day(app, "genkikan", "genkikan", after=after), code)


def hall_on(app: Flask, day: dt.date, code: str = "am") -> str:
    return slot(app, "genkikan", "genkikan", "multipurpose", day, code)


def set_booking(app: Flask, booking_id: int, **values: object) -> None:
    with tenant_session(app, "genkikan") as session:
        session.execute(sa.update(Booking).where(Booking.id == booking_id).values(**values))
        session.commit()


def test_counter_staff_record_a_payment(app: Flask) -> None:
    m = member(app, "genkikan")
    booking_id = book(app, "genkikan", m.group_id, [hall(app)])
    staff = make_staff(app, "genkikan", "counter")
    client = app.test_client()
    sign_in_as(client, app, staff)
    page = text(client.get(f"/genkikan/manage/bookings/{booking_id}"))
    # The itemised fee of a weekday morning in the hall, with the registered-group discount.
    fee = re.search(r'<table class="fee">.*?</table>', page, re.S)
    assert fee is not None
    assert re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', fee.group(0)) == [
        ("午前（平日）", "2,000円"),
        ("登録団体割引（50%）", "-1,000円"),
        ("合計", "<strong>1,000円</strong>"),
    ]
    response = client.post(f"/genkikan/manage/bookings/{booking_id}/payment")
    assert response.status_code == 302
    row = booking_row(app, "genkikan", booking_id)
    assert row["status"] == PAID and row["paid_by_staff_id"] == staff.id
    assert row["paid_amount"] == row["fee_total"] == 1000
    assert row["receipt_no"].endswith(f"-{booking_id:06d}")
    # paying twice does nothing more
    client.post(f"/genkikan/manage/bookings/{booking_id}/payment")
    assert booking_row(app, "genkikan", booking_id)["receipt_no"] == row["receipt_no"]


def test_a_paid_booking_cancelled_early_is_refunded_in_full(app: Flask) -> None:
    m = member(app, "genkikan")
    booking_id = book(app, "genkikan", m.group_id, [hall(app, "pm", after=40)])
    staff = make_staff(app, "genkikan", "counter")
    staff_client = app.test_client()
    sign_in_as(staff_client, app, staff)
    staff_client.post(f"/genkikan/manage/bookings/{booking_id}/payment")
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    page = text(client.get(f"/genkikan/bookings/{booking_id}/cancel"))
    paid = booking_row(app, "genkikan", booking_id)["paid_amount"]
    assert f"{paid:,}円" in page
    client.post(f"/genkikan/bookings/{booking_id}/cancel", data={"confirm": "y"})
    row = booking_row(app, "genkikan", booking_id)
    assert (row["status"], row["refund_percent"], row["refund_amount"]) == (CANCELLED, 100, paid)
    (_confirmed, cancelled) = booking_mails(app, "genkikan", booking_id)
    assert f"{paid:,}円" in cancelled.body_text


def test_staff_cancel_needs_a_reason_and_may_refund_everything(app: Flask, clock: Clock) -> None:
    m = member(app, "genkikan")
    day = open_day(app, "genkikan", "genkikan")
    booking_id = book(app, "genkikan", m.group_id, [hall_on(app, day, "night")])
    set_booking(app, booking_id, status=PAID, paid_amount=1300, paid_at=clock.now())
    # Three days before the use date, whatever holidays lie around it.
    clock.move_to(dt.datetime.combine(day - dt.timedelta(days=3), dt.time(10), TOKYO))
    staff = make_staff(app, "genkikan", "handler")
    client = app.test_client()
    sign_in_as(client, app, staff)
    page = client.get(f"/genkikan/manage/bookings/{booking_id}/cancel")
    assert page.status_code == 200 and "50%" in text(page)  # 3 days before: half back
    refused = client.post(f"/genkikan/manage/bookings/{booking_id}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and 'role="alert"' in text(refused)
    done = client.post(
        f"/genkikan/manage/bookings/{booking_id}/cancel",
        data={"reason": "空調の故障のため", "full_refund": "y"},
    )
    assert done.status_code == 302
    row = booking_row(app, "genkikan", booking_id)
    assert row["cancelled_by"] == "staff" and row["cancelled_by_staff_id"] == staff.id
    assert (row["refund_percent"], row["refund_amount"]) == (100, 1300)
    assert holds_of(app, "genkikan", booking_id) == []
    mail = booking_mails(app, "genkikan", booking_id)[-1]
    assert "空調の故障のため" in mail.body_text


def test_deadline_job_cancels_unpaid_bookings_once(app: Flask) -> None:
    m = member(app, "genkikan")
    overdue = book(app, "genkikan", m.group_id, [hall(app, "am", after=5)])
    paid = book(app, "genkikan", m.group_id, [hall(app, "pm", after=5)])
    later = book(app, "genkikan", m.group_id, [hall(app, "night", after=5)])
    yesterday = today() - dt.timedelta(days=1)
    set_booking(app, overdue, payment_due=yesterday)
    set_booking(app, paid, payment_due=yesterday, status=PAID)
    set_booking(app, later, payment_due=today() + dt.timedelta(days=2))

    first = run_in_app(app, "genkikan", JOB)
    second = run_in_app(app, "genkikan", JOB)
    assert overdue in first["cancelled"] and second["cancelled"] == []
    row = booking_row(app, "genkikan", overdue)
    assert (row["status"], row["cancelled_by"]) == (CANCELLED, "auto")
    assert holds_of(app, "genkikan", overdue) == []
    assert booking_row(app, "genkikan", paid)["status"] == PAID
    assert booking_row(app, "genkikan", later)["status"] != CANCELLED
    keys = [mail.idempotency_key for mail in booking_mails(app, "genkikan", overdue)]
    assert keys == [f"booking:{overdue}:confirmed", f"booking:{overdue}:cancelled"]
    (_confirmed, cancelled) = booking_mails(app, "genkikan", overdue)
    assert "automatically" in cancelled.body_text or "自動" in cancelled.body_text


def test_deadline_job_reminds_once_before_the_deadline(app: Flask) -> None:
    m = member(app, "genkikan")
    soon = book(app, "genkikan", m.group_id, [hall(app, "am", after=12)])
    not_yet = book(app, "genkikan", m.group_id, [hall(app, "pm", after=12)])
    booked_earlier = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    set_booking(
        app,
        soon,
        payment_due=today() + dt.timedelta(days=2),
        remind_from=today() - dt.timedelta(days=1),
        created_at=booked_earlier,
    )
    set_booking(app, not_yet, remind_from=today() + dt.timedelta(days=2), created_at=booked_earlier)
    first = run_in_app(app, "genkikan", JOB)
    second = run_in_app(app, "genkikan", JOB)
    assert first["reminded"] == [soon] and second["reminded"] == []
    keys = [mail.idempotency_key for mail in booking_mails(app, "genkikan", soon)]
    assert keys == [f"booking:{soon}:confirmed", f"booking:{soon}:reminder"]
    reminder = booking_mails(app, "genkikan", soon)[-1]
    due = today() + dt.timedelta(days=2)
    assert f"{due.year}年{due.month}月{due.day}日" in reminder.body_text
    assert [m.idempotency_key for m in booking_mails(app, "genkikan", not_yet)] == [
        f"booking:{not_yet}:confirmed"
    ]


def test_counter_finds_groups_by_name_or_phone(app: Flask) -> None:
    m = member(app, "genkikan")
    update_group(
        app, "genkikan", m.group_id, name="窓口テスト卓球会", contact_phone_mobile="090-5555-0123"
    )
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "genkikan", "counter"))
    by_name = text(client.get("/genkikan/manage/bookings/counter?q=テスト卓球"))
    assert f"/genkikan/manage/bookings/counter/{m.group_id}" in by_name
    by_phone = text(client.get("/genkikan/manage/bookings/counter?q=09055550123"))
    assert f"/genkikan/manage/bookings/counter/{m.group_id}" in by_phone
    assert "090-5555-0123" not in by_phone  # personal items stay hidden
    none = text(client.get("/genkikan/manage/bookings/counter?q=1111"))
    assert f"counter/{m.group_id}" not in none


def test_counter_booking_with_reduction_and_a_recorded_override(app: Flask) -> None:
    m = member(app, "genkikan")
    staff = make_staff(app, "genkikan", "counter")
    client = app.test_client()
    sign_in_as(client, app, staff)
    far = open_day(app, "genkikan", "genkikan", after=120)  # beyond the 2-month horizon
    target = slot(app, "genkikan", "genkikan", "meeting-a", far, "am")
    path = f"/genkikan/manage/bookings/counter/{m.group_id}"
    form = {"slots": target, "attendees": "8", "purpose": "講座", "reduction": "ward_event"}
    assert client.get(f"{path}?slot={target}").status_code == 200
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    assert "2か月前から" in text(refused) or "2 months" in text(refused)
    booked = client.post(path, data={**form, "override_reason": "区の共催事業のため前倒し"})
    assert booked.status_code == 302, text(booked)[:3000]
    booking_id = int(booked.headers["Location"].rsplit("/", 1)[1])
    row = booking_row(app, "genkikan", booking_id)
    assert row["staff_id"] == staff.id and row["account_id"] is None
    assert row["overridden"] == ["beyond_horizon", "first_come_not_open"]
    assert row["override_reason"] == "区の共催事業のため前倒し"
    assert row["reduction_code"] == "ward_event" and row["fee_total"] == 0
    assert row["payment_due"] is None


def test_closed_days_cannot_be_overridden(app: Flask) -> None:
    m = member(app, "genkikan")
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "genkikan", "responsible"))
    year = today().year if today().month < 12 or today().day < 29 else today().year + 1
    closed = slot(app, "genkikan", "genkikan", "meeting-b", dt.date(year, 12, 30), "am")
    response = client.post(
        f"/genkikan/manage/bookings/counter/{m.group_id}",
        data={"slots": closed, "attendees": "5", "purpose": "x", "override_reason": "どうしても"},
    )
    assert response.status_code == 422
    with tenant_session(app, "genkikan") as session:
        query = sa.select(sa.func.count(Booking.id)).where(Booking.group_id == m.group_id)
        assert session.scalar(query) == 0


def test_day_view_lists_the_days_bookings(app: Flask) -> None:
    m = member(app, "genkikan")
    target = hall(app, "pm", after=9)
    booking_id = book(app, "genkikan", m.group_id, [target])
    day = dt.datetime.strptime(target.split("-")[1], "%Y%m%d").replace(tzinfo=TOKYO).date()
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "genkikan", "counter"))
    page = client.get(f"/genkikan/manage/bookings/?date={day.isoformat()}")
    assert page.status_code == 200 and f"{booking_id:06d}" in text(page)
    assert client.get("/genkikan/manage/bookings/?date=2026-13-40").status_code == 400
    assert client.get("/genkikan/manage/bookings/987654").status_code == 404
