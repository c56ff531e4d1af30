"""The month grid in a real browser: a phone does not scroll sideways, keys reach free slots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from flask import Flask

from shisetsu.slots.grid import shift_month
from tests.fixtures.browser import LiveServer, shot
from tests.support.slots import room_id, today

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_hourly_grid_on_a_phone(app: Flask, live_server: LiveServer, phone_page: Page) -> None:
    room = room_id(app, "regasu", "kita-shinjuku-field", "field-a")  # 13 hourly columns
    month = shift_month(today(), 1)
    phone_page.goto(live_server.url_for(f"/regasu/rooms/{room}/availability?month={month:%Y-%m}"))
    assert phone_page.locator("table.availability tbody tr").count() >= 28
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone (only the grid may)"
    region = phone_page.locator(".grid-scroll")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # the grid scrolls inside
    shot(phone_page, "availability_month_phone")


def test_keyboard_reaches_a_free_slot_and_opens_it(
    app: Flask, live_server: LiveServer, page: Page
) -> None:
    room = room_id(app, "genkikan", "genkikan", "kitchen")
    month = shift_month(today(), 1)
    page.goto(live_server.url_for(f"/genkikan/rooms/{room}/availability?month={month:%Y-%m}"))
    shot(page, "availability_month_desktop")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cell-link')"):
            break
    else:
        raise AssertionError("no free slot reachable with Tab")
    label = page.evaluate("document.activeElement.textContent")
    assert "午前" in label or "午後" in label or "夜間" in label or "全日" in label
    page.keyboard.press("Enter")
    page.wait_for_url("**/genkikan/slots/**")
    assert page.locator("h1").inner_text().endswith("調理室")
