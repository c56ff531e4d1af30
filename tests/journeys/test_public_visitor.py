"""A new visitor, not signed in, in Chromium at 1280×900 and 390×844, in both languages:
finds a facility's hours and fees from the operator's home, reads the lottery calendar and
rules, and searches one day across rooms by purpose. Every page passes axe with no
violation (and the other checks of :class:`tests.support.walk.Walk`: language marking, no
sideways scrolling on the phone); screenshots land in
tests/artifacts/a11y-visitor-<viewport>-<lang>-<step>.png."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from flask import Flask

from shisetsu.slots.grid import shift_month
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.browser import PHONE, LiveServer, _page
from tests.support.groups import today_in_tokyo
from tests.support.lottery import open_round
from tests.support.slots import open_weekday
from tests.support.walk import Walk, in_both_languages

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

TENANT = "regasu"
WORDS = {
    "ja": {
        "facility_link": "交通案内・開館時間・休館日・料金",
        "hours": "9:30〜17:00（見本）",
        "fee": "2,000円",
        "closed": "毎月第4月曜日（祝日にあたるときは翌日）。",
        "lottery_link": "毎月の抽選：日程・ルール・結果",
        "rule": "1回の抽選で1団体が当選できるのは最大3件です。",
        "day_link": "日付から空き室を探す",
        "purpose": "バドミントン",
        "found": "4室のうち4室に空きがあります。",
    },
    "en": {
        "facility_link": "Access, opening hours, closed days and fees",
        "hours": "9:30–17:00 (sample)",
        "fee": "¥2,000",
        "closed": "The 4th Monday of every month (the next day when that is a national holiday).",
        "lottery_link": "Monthly lottery: calendar, rules and results",
        "rule": "A group wins at most 3 choices in one round.",
        "day_link": "Free rooms on a day",
        "purpose": "Badminton",
        "found": "4 of 4 rooms have a free slot.",
    },
}


@pytest.fixture
def wide_page(browser: Browser) -> Iterator[Page]:
    """A desktop page of 1280×900."""
    yield from _page(browser, {"viewport": {"width": 1280, "height": 900}})


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, PHONE)


@pytest.fixture
def search_day(app: Flask) -> dt.date:
    """A plain weekday next month (first come open), and a lottery round on the calendar."""
    open_round(app, TENANT)
    with tenant_session(app, TENANT):
        config = current_runtime().config
    return open_weekday(config, shift_month(today_in_tokyo(), 1), "cosmic-sports")


def visitor(walk: Walk, day: dt.date) -> None:
    page, words = walk.page, WORDS[walk.lang]
    walk.visit(f"/{TENANT}/", "home")
    # The museum: its hours, closed days and the auditorium's fees.
    with page.expect_navigation():
        page.get_by_role("link", name=f"{words['facility_link']} (").nth(1).click()
    walk.check("facility")
    main = page.locator("main")
    for text in (words["hours"], words["closed"], words["fee"]):
        assert main.get_by_text(text, exact=False).first.is_visible(), text
    # The lottery: calendar and rules, linked from the home page.
    page.goto(walk.server.url_for(f"/{TENANT}/"))
    with page.expect_navigation():
        page.get_by_role("link", name=words["lottery_link"]).click()
    walk.check("lottery")
    assert page.locator("table.lottery-calendar tbody tr").count() >= 1
    assert main.get_by_text(words["rule"]).is_visible()
    with page.expect_navigation():
        page.locator("table.lottery-calendar tbody th a").first.click()
    walk.check("lottery-round")
    # One day across rooms, for badminton.
    page.goto(walk.server.url_for(f"/{TENANT}/"))
    with page.expect_navigation():
        page.get_by_role("link", name=words["day_link"]).first.click()
    walk.check("day-search")
    page.locator("main #date").fill(day.isoformat())
    page.locator("main #purpose").select_option(label=words["purpose"])
    walk.submit("/availability/day")
    walk.check("day-results")
    assert main.get_by_text(words["found"]).is_visible()
    assert page.locator("table.day-grid tbody tr").count() == 4
    free = page.locator("table.day-grid li.state-free a").first
    box = free.bounding_box()
    assert box is not None and box["height"] >= 44  # a touch target
    walk.visit(
        f"/{TENANT}/availability/day?date=not-a-day", "day-refused", status=400, refused=True
    )


def test_visitor_on_a_desktop(
    app: Flask, live_server: LiveServer, wide_page: Page, axe: Path, search_day: dt.date
) -> None:
    walk = Walk(wide_page, live_server, "visitor-desktop")
    in_both_languages(walk, lambda w: visitor(w, search_day))


def test_visitor_on_a_phone(
    app: Flask, live_server: LiveServer, phone: Page, axe: Path, search_day: dt.date
) -> None:
    walk = Walk(phone, live_server, "visitor-phone", phone=True)
    in_both_languages(walk, lambda w: visitor(w, search_day))
