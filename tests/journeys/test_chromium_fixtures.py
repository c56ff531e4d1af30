"""Proves the browser fixtures work on their own, with a tiny app instead of Shisetsu's."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.fixtures.browser import LiveServer, shot

PAGE = (
    '<!doctype html><html lang="ja"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>試験</title>'
    "<h1>こんにちは</h1>"
    "<button id=b onclick=\"this.textContent='ok'\">押す</button></html>"
)


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index() -> str:
        return PAGE

    return app


@pytest.mark.browser
def test_click_and_japanese_text(live_server: LiveServer, page) -> None:
    page.goto(live_server.url_for("/"))
    assert page.locator("h1").inner_text() == "こんにちは"
    button = page.locator("#b")
    assert button.inner_text() == "押す"
    button.click()
    assert button.inner_text() == "ok"
    path = shot(page)
    assert path.stat().st_size > 0


@pytest.mark.browser
def test_phone_page(phone_page, live_server: LiveServer) -> None:
    # Fixtures in the other order: the live server is torn down while the page's
    # keep-alive connections are still open.
    phone_page.goto(live_server.url)
    assert phone_page.viewport_size == {"width": 390, "height": 844}
    assert phone_page.evaluate("navigator.language") == "ja-JP"
    assert phone_page.locator("h1").inner_text() == "こんにちは"
    shot(phone_page, "browser_smoke_phone")
