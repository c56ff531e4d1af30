"""The closure preview in Chromium at desktop and phone width, Japanese and English, with
axe-core: the page does not scroll sideways on a phone and the confirmation works."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask

from shisetsu.booking.models import CANCELLED
from shisetsu.i18n import LANG_COOKIE
from tests.fixtures.auth import login_as, make_staff
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.support.booking import book, booking_row, member, open_days, slot
from tests.support.slots import room_id

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
T = "genkikan"


def _sign_in(page: Page, app: Flask, server: LiveServer) -> None:
    client = app.test_client()
    login_as(client, app, "staff", T, make_staff(app, T, "handler"))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_closure_preview_is_accessible_and_confirms(
    app: Flask, live_server: LiveServer, page: Page, phone_page: Page, axe: Any, device: str
) -> None:
    tab = page if device == "desktop" else phone_page
    (day,) = open_days(app, T, "genkikan", 1)
    m = member(app, T)
    ids = [
        book(app, T, m.group_id, [slot(app, T, "genkikan", "multipurpose", day, code)])
        for code in ("am", "pm")
    ]
    room = room_id(app, T, "genkikan", "multipurpose")
    _sign_in(tab, app, live_server)
    for lang in ("en", "ja"):
        tab.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": live_server.url}])
        tab.goto(live_server.url_for(f"/{T}/manage/rooms/{room}"))
        tab.fill("#closure-start", day.isoformat())
        tab.fill("#closure-reason_ja", "設備点検")
        tab.locator("form[action$='/closures'] button[type=submit]").click()
        tab.wait_for_url("**/closures/preview**")
        assert tab.locator("html").get_attribute("lang") == lang
        assert tab.locator("table tbody tr").count() == 2
        if device == "phone":
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        shot(tab, f"closure-preview-{device}-{lang}")
        assert_accessible(tab)
    tab.locator("form[action$='/closures/confirm'] button[type=submit]").click()
    tab.wait_for_url(f"**/manage/rooms/{room}")
    assert all(booking_row(app, T, b)["status"] == CANCELLED for b in ids)
