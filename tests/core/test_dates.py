"""Dates read the same everywhere: ``2026年2月1日(日)`` in Japanese, ``2026-02-01 (Sun)`` in
English, ``令和8年2月1日(日)`` on printed permits (元年 and the 2019 era change included)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from shisetsu import dates
from shisetsu.booking.display import long_date
from shisetsu.lottery.models import LotteryRound
from shisetsu.printing import wareki
from shisetsu.slots.display import format_day, format_month
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import sign_in_as
from tests.support.booking import (
    book,
    member,
    open_day,
    pdf_text_chars,
    slot,
)
from tests.support.groups import text
from tests.support.lottery import open_round

pytestmark = pytest.mark.dates

FEB_1 = dt.date(2026, 2, 1)  # a Sunday
JA_DAY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日\([月火水木金土日]\)")
EN_DAY = re.compile(r"\d{4}-\d{2}-\d{2} \((Mon|Tue|Wed|Thu|Fri|Sat|Sun)\)")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("ja", "2026年2月1日(日)"), ("en", "2026-02-01 (Sun)"), ("en_GB", "2026-02-01 (Sun)")],
)
def test_day(locale: str, expected: str) -> None:
    assert dates.format_day(FEB_1, locale) == expected
    # the older helpers delegate, so every page says the same
    assert format_day(FEB_1, locale) == long_date(FEB_1, locale) == expected


def test_month_and_times() -> None:
    assert dates.format_month(FEB_1, "ja") == format_month(FEB_1, "ja") == "2026年2月"
    assert dates.format_month(FEB_1, "en") == "2026-02"
    assert dates.clock(dt.time(9, 0)) == "9:00"
    assert dates.time_range(dt.time(9, 30), dt.time(12, 0)) == "9:30–12:00"
    stored = dt.datetime(2026, 2, 1, 0, 5, tzinfo=dt.UTC)  # 9:05 in Tokyo
    assert dates.format_day_time(stored, "ja") == "2026年2月1日(日) 9:05"
    assert dates.format_day_time(stored, "en") == "2026-02-01 09:05"
    # naive values are stored UTC; the local day can differ from the UTC one
    late = dt.datetime(2026, 1, 31, 15, 0)
    assert dates.format_day_time(late, "en") == "2026-02-01 00:00"
    assert dates.local_day(late) == FEB_1


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (FEB_1, "令和8年2月1日(日)"),
        (dt.date(2019, 4, 30), "平成31年4月30日(火)"),
        (dt.date(2019, 5, 1), "令和元年5月1日(水)"),
        (dt.date(2019, 12, 31), "令和元年12月31日(火)"),
        (dt.date(2020, 1, 1), "令和2年1月1日(水)"),
        (dt.date(1989, 1, 7), "昭和64年1月7日(土)"),
        (dt.date(1989, 1, 8), "平成元年1月8日(日)"),
    ],
)
def test_wareki(day: dt.date, expected: str) -> None:
    assert dates.format_wareki(day) == expected
    assert wareki(day) == expected.split("(")[0]  # the permit helper, without the weekday
    assert wareki(day, weekday=True) == expected


def test_wareki_before_showa_is_refused() -> None:
    with pytest.raises(ValueError):
        dates.format_wareki(dt.date(1900, 1, 1))


def test_filters_follow_the_language(sqlite_app: Flask) -> None:
    template = (
        "{{ d|day }}|{{ d|month }}|{{ t|day_time }}|{{ t|clock }}|{{ d|wareki }}|{{ none|day }}"
        "|{{ t|local_time }}"
    )
    stored = dt.datetime(2026, 2, 1, 0, 5, tzinfo=dt.UTC)
    for lang, expected in (
        (
            "ja",
            "2026年2月1日(日)|2026年2月|2026年2月1日(日) 9:05|9:05|令和8年2月1日(日)|"
            "|2026年2月1日(日) 9:05",
        ),
        (
            "en",
            "2026-02-01 (Sun)|2026-02|2026-02-01 09:05|9:05|令和8年2月1日(日)||2026-02-01 09:05",
        ),
    ):
        with sqlite_app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
            rendered = sqlite_app.jinja_env.from_string(template).render(d=FEB_1, t=stored)
        assert rendered == expected


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def test_booking_pages_show_dates_in_each_language(app: Flask) -> None:
    m = member(app, "regasu")
    day = open_day(app, "regasu", "history-museum")
    slot_id = slot(app, "regasu", "history-museum", "auditorium", day, "am")
    booking_id = book(app, "regasu", m.group_id, [slot_id])
    client = app.test_client()
    sign_in_as(client, app, m.resident)

    japanese = text(client.get(f"/regasu/bookings/{booking_id}"))
    assert dates.format_day(day, "ja") in japanese
    assert JA_DAY.search(japanese) and not EN_DAY.search(japanese)

    client.set_cookie("lang", "en")
    english = text(client.get(f"/regasu/bookings/{booking_id}"))
    assert dates.format_day(day, "en") in english
    assert f"{day:%Y-%m-%d}" in english and not JA_DAY.search(english)
    mine = text(client.get("/regasu/bookings/"))
    assert dates.format_day(day, "en") in mine


def test_permit_pdf_carries_reiwa(app: Flask) -> None:
    m = member(app, "regasu")
    day = open_day(app, "regasu", "history-museum")
    booking_id = book(
        app, "regasu", m.group_id, [slot(app, "regasu", "history-museum", "auditorium", day, "pm")]
    )
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    client.set_cookie("lang", "ja")  # the permit is in the reader's language; Japanese: 令和
    response = client.get(f"/regasu/bookings/{booking_id}/permit.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert set("令和年月日") <= pdf_text_chars(response.data)


def test_lottery_round_page_in_each_language(any_app: Flask) -> None:
    round_id = open_round(any_app, "genkikan")
    with tenant_session(any_app, "genkikan") as session:
        rnd = session.get(LotteryRound, round_id)
        assert rnd is not None
        month, closes = rnd.usage_month, rnd.closes_at
    client = any_app.test_client()
    japanese = text(client.get(f"/genkikan/lottery/rounds/{round_id}"))
    assert dates.format_month(month, "ja") in japanese
    # applications close at ``closes`` (an exclusive end): written as the last moment before
    last = closes - dt.timedelta(seconds=1)
    assert dates.format_deadline(last, "ja") in japanese
    assert dates.format_deadline(last, "ja").endswith("まで")

    client.set_cookie("lang", "en")
    english = text(client.get(f"/genkikan/lottery/rounds/{round_id}"))
    assert f"{month:%Y-%m}" in english
    assert dates.format_deadline(last, "en") in english and not JA_DAY.search(english)
    assert dates.format_deadline(last, "en").startswith("until ")


@pytest.mark.parametrize(
    ("moment", "locale", "wareki", "written"),
    [
        (dt.datetime(2026, 12, 28, 17, 0), "ja", False, "2026年12月28日(月) 17:00まで"),
        (dt.datetime(2026, 12, 28, 17, 0), "en", False, "until 2026-12-28 (Mon) 17:00"),
        (dt.datetime(2026, 12, 28, 17, 0), "ja", True, "令和8年12月28日(月) 17:00まで"),
        (dt.datetime(2028, 2, 29, 17, 0), "ja", False, "2028年2月29日(火) 17:00まで"),
    ],
)
def test_deadlines_are_written_as_their_last_moment(
    moment: dt.datetime, locale: str, wareki: bool, written: str
) -> None:
    local = moment.replace(tzinfo=dates.TOKYO)
    assert dates.format_deadline(local.astimezone(dt.UTC), locale, wareki=wareki) == written


def test_an_exclusive_end_is_written_as_the_minute_before() -> None:
    """By the 10th is stored as the 11th, 0:00: people read the 10th, 23:59."""
    end = dt.datetime(2026, 12, 11, tzinfo=dates.TOKYO)
    last = dates.last_moment(end)
    assert last.astimezone(dates.TOKYO).isoformat() == "2026-12-10T23:59:59+09:00"
    assert dates.format_deadline(last, "ja") == "2026年12月10日(木) 23:59まで"
    assert dates.format_deadline(last, "en") == "until 2026-12-10 (Thu) 23:59"
