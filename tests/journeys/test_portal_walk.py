"""A resident's first steps in a real browser: portal, English, an operator's home."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.fixtures.browser import LiveServer, shot

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def walk_the_portal(page: Page, live_server: LiveServer, name: str) -> None:
    page.goto(live_server.url_for("/"))
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "施設の運営者を選ぶ"
    assert page.get_by_role("link", name="新宿区立元気館", exact=True).is_visible()
    shot(page, f"{name}_portal_ja")

    page.get_by_role("link", name="English", exact=True).click()
    page.wait_for_url(live_server.url_for("/"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Choose a facility operator"

    page.get_by_role("link", name="Shinjuku City Genkikan", exact=True).click()
    page.wait_for_url(live_server.url_for("/genkikan/"))
    assert page.locator("h1").inner_text() == "Shinjuku City Genkikan"
    assert page.get_by_role("link", name="Cooking Room", exact=True).is_visible()
    shot(page, f"{name}_genkikan_en")

    page.get_by_role("link", name="日本語", exact=True).click()
    page.wait_for_url(live_server.url_for("/genkikan/"))
    assert page.locator("h1").inner_text() == "新宿区立元気館"


def test_portal_language_switch_and_tenant_home(live_server: LiveServer, page: Page) -> None:
    walk_the_portal(page, live_server, "desktop")


def test_the_same_on_a_phone(live_server: LiveServer, phone_page: Page) -> None:
    walk_the_portal(phone_page, live_server, "phone")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
