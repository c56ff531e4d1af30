"""A month whose first come has not opened, on the resident grid in Chromium (desktop and
phone): the opening time is shown ("先着受付 … から") and no cell links to booking.

The clock is moved to Thursday 2034-01-12 10:00 in Tokyo: no round exists yet for March
2034, whose first come the shipped calendar opens on 2034-01-21 at 09:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from flask import Flask

from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.support.slots import room_id

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
TOKYO = dt.timezone(dt.timedelta(hours=9))
BEFORE = dt.datetime(2034, 1, 12, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def travelled() -> Iterator[None]:
    with time_machine.travel(BEFORE, tick=True):
        yield


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_not_yet_open_month_shows_when_it_opens_and_no_book_link(
    app: Flask,
    live_server: LiveServer,
    page: Page,
    phone_page: Page,
    travelled: None,
    axe: Any,
    device: str,
) -> None:
    tab = page if device == "desktop" else phone_page
    room = room_id(app, "regasu", "history-museum", "auditorium")
    tab.goto(live_server.url_for(f"/regasu/rooms/{room}/availability?month=2034-03"))
    notice = tab.locator(".first-come-opens")
    assert notice.count() == 1
    words = notice.inner_text()
    assert words.startswith("先着受付") and words.endswith("から") and "1月21日" in words
    assert tab.locator("table.availability tbody tr").count() >= 28
    assert tab.locator("td.state-not_open").count() > 0
    assert tab.locator("a.cell-link").count() == 0  # nothing to book in March yet
    assert tab.locator("a[href*='/book']").count() == 0
    shot(tab, f"not-open-grid-{device}")
    assert_accessible(tab)
