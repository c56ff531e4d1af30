"""A payment deadline's last moment: the job never cancels before it, and every place that
shows it (booking page, my bookings, mail, permit, API) writes it as that moment.

On both databases. The clock is moved with time-machine around the counter's closing
time (17:00) of the due date; the expected wording is built here from the date alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from shisetsu.booking import mail, printing
from shisetsu.booking.models import CANCELLED, CONFIRMED, Booking
from shisetsu.jobs.runner import run_in_app
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import sign_in_as
from tests.support.api import token_for
from tests.support.booking import (
    TOKYO,
    Member,
    book,
    booking_mails,
    booking_row,
    bound,
    member,
    open_day,
    slot,
    today,
)
from tests.support.groups import text

pytestmark = pytest.mark.dates

JOB = "shisetsu.booking.jobs.deadline_job"
WEEKDAYS_JA = "月火水木金土日"


@pytest.fixture
def app(any_app: Flask) -> Flask:
    """Each test on both databases, each with its own data."""
    return any_app


def unpaid_booking(app: Flask, *, locale: str = "ja") -> tuple[int, dt.date, Member]:
    """A confirmed unpaid booking in the hall, due three days before its use date."""
    m = member(app, "genkikan", locale=locale)
    day = open_day(app, "genkikan", "genkikan", after=12)
    booking_id = book(
        app, "genkikan", m.group_id, [slot(app, "genkikan", "genkikan", "multipurpose", day, "am")]
    )
    due = day - dt.timedelta(days=3)
    with tenant_session(app, "genkikan") as session:
        session.execute(sa.update(Booking).where(Booking.id == booking_id).values(payment_due=due))
        session.commit()
    return booking_id, due, m


def ja_deadline(day: dt.date, hour: str = "17:00") -> str:
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]}) {hour}まで"


def test_auto_cancel_waits_until_the_last_moment_has_passed(app: Flask) -> None:
    booking_id, due, _m = unpaid_booking(app)
    last = dt.datetime.combine(due, dt.time(17, 0), TOKYO)
    for moment, cancelled in (
        (dt.datetime.combine(due, dt.time(0, 10), TOKYO), False),  # the old daily run
        (last - dt.timedelta(minutes=1), False),
        (last, False),  # 17:00 itself is still in time
        (last + dt.timedelta(seconds=1), True),
    ):
        with time_machine.travel(moment, tick=False):
            result = run_in_app(app, "genkikan", JOB)
        assert (booking_id in result["cancelled"]) is cancelled, moment
        status = booking_row(app, "genkikan", booking_id)["status"]
        assert status == (CANCELLED if cancelled else CONFIRMED), moment


def test_the_deadline_reads_as_its_last_moment_on_pages_and_the_permit(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking_id, due, m = unpaid_booking(app)
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    detail = text(client.get(f"/genkikan/bookings/{booking_id}"))
    assert f"{ja_deadline(due)}に、施設の窓口で使用料をお支払いください。" in detail
    assert "0:00" not in detail
    mine = text(client.get("/genkikan/bookings/"))
    assert f"支払期限：{ja_deadline(due)}" in mine
    # The permit's HTML, before it becomes a PDF: the era date and the counter's close.
    monkeypatch.setattr(printing, "render_pdf", lambda html: html.encode())
    permit = client.get(f"/genkikan/bookings/{booking_id}/permit.pdf").get_data(as_text=True)
    era = f"令和{due.year - 2018}年{due.month}月{due.day}日({WEEKDAYS_JA[due.weekday()]})"
    assert f"納付期限 {era} 17:00まで。" in permit


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_reminder_mail_writes_the_last_moment(app: Flask, locale: str) -> None:
    booking_id, due, _m = unpaid_booking(app, locale=locale)
    with bound(app, "genkikan") as (session, runtime):
        booking = session.get(Booking, booking_id)
        assert booking is not None
        assert mail.queue_reminder(session, runtime.config, booking)
        session.commit()
    reminder = booking_mails(app, "genkikan", booking_id)[-1]
    if locale == "ja":
        assert f"{ja_deadline(due)}に、施設の窓口で使用料をお支払いください。" in reminder.body_text
        assert f"使用料のお支払い期限のお知らせ（{ja_deadline(due)}、" in reminder.subject
    else:
        weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[due.weekday()]
        written = f"until {due:%Y-%m-%d} ({weekday}) 17:00"
        assert f"Please pay the fee at the facility's counter {written}." in reminder.body_text
        assert reminder.subject.startswith(f"Payment due {written}: booking ")


def test_the_api_gives_the_last_moment_in_tokyo_time(app: Flask) -> None:
    booking_id, due, m = unpaid_booking(app)
    client = app.test_client()
    auth = token_for(client, m)
    body = client.get(f"/api/v1/genkikan/bookings/{booking_id}", headers=auth).get_json()
    assert body["payment_due"] == due.isoformat()
    assert body["payment_until"] == f"{due.isoformat()}T17:00:00+09:00"


def test_a_booking_made_today_is_due_on_an_open_day(app: Flask) -> None:
    """Through the booking operation itself: whatever today is, the stored due date is a
    day the hall's counter is open, and never after the use date."""
    from shisetsu.slots import deadlines

    m = member(app, "genkikan")
    day = open_day(app, "genkikan", "genkikan", after=9)
    booking_id = book(
        app, "genkikan", m.group_id, [slot(app, "genkikan", "genkikan", "meeting-a", day, "pm")]
    )
    due = booking_row(app, "genkikan", booking_id)["payment_due"]
    with bound(app, "genkikan") as (_session, runtime):
        assert deadlines.is_open_day(runtime.config, due, "genkikan")
    assert today() <= due <= day


def test_a_rounds_deadlines_read_as_their_last_moments(app: Flask) -> None:
    """The round page and the API: "by the 20th" is stored as the 21st, 0:00, and written
    as the 20th, 23:59 (the API: 23:59:59, Tokyo time)."""
    from shisetsu.lottery.models import LotteryRound
    from tests.support.lottery import CLOSE, open_round

    rid = open_round(app, "genkikan")
    with tenant_session(app, "genkikan") as session:
        end = dt.datetime(2031, 3, 21, tzinfo=TOKYO)
        session.execute(
            sa.update(LotteryRound).where(LotteryRound.id == rid).values(confirm_deadline=end)
        )
        session.commit()
    page = text(app.test_client().get(f"/genkikan/lottery/rounds/{rid}"))
    assert "2031年3月20日(木) 23:59まで" in page
    assert "2031年3月21日(金) 0:00" not in page
    body = app.test_client().get(f"/api/v1/genkikan/lottery/rounds/{rid}").get_json()
    assert body["confirm_until"] == "2031-03-20T23:59:59+09:00"
    last_entry = (CLOSE - dt.timedelta(seconds=1)).astimezone(TOKYO)
    assert body["applications_until"] == last_entry.isoformat()
