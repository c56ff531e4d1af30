"""Drawing a round early in Chromium, at desktop (1280×900) and phone (390×844) size, with
axe-core on each page: a handler opens the early-draw page from the round, is refused
without a reason, asks with one; another staff member approves; the public round page
shows "繰上げ実施" with the roles and the reason; the dry run has its own framed page.
Screenshots: tests/artifacts/early-<size>-*.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.fixtures.apps import _dispose, make_app
from tests.fixtures.auth import login_as, make_staff
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import PHONE, LiveServer, shot
from tests.support.lottery import enter, group, lottery_slot_ids, open_round, round_row

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

TENANT = "genkikan"
IMPACTS = ("minor", "moderate", "serious", "critical")
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": PHONE,
}


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """Both tenants on SQLite, with CSRF protection on (the testing config turns it off)."""
    instance = tmp_path / "instance"
    shutil.copytree(sqlite_template, instance)
    app = make_app(instance, WTF_CSRF_ENABLED=True)
    yield app
    _dispose(app)


def _sign_in(page: Page, app: Flask, server: LiveServer, ref: Any) -> None:
    """Give the browser the session cookie a signed-in test client would have."""
    client = app.test_client()
    login_as(client, app, "staff", TENANT, ref)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])


def _check(page: Page, size: str, name: str) -> None:
    shot(page, f"early-{size}-{name}")
    assert_accessible(page, impacts=IMPACTS)
    if size == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name}: scrolls sideways ({width}px)"


@pytest.mark.parametrize("size", list(SIZES))
def test_early_draw_with_approval(
    app: Flask, live_server: LiveServer, browser: Browser, axe: Any, size: str
) -> None:
    rid = open_round(app, TENANT)
    (slot,) = lottery_slot_ids(app, TENANT, rid, 1)
    for _ in range(3):
        enter(app, TENANT, rid, group(app, TENANT)[1], [[slot]])
    asker, approver = make_staff(app, TENANT, "handler"), make_staff(app, TENANT, "responsible")
    context = browser.new_context(locale="ja-JP", **SIZES[size])
    page = context.new_page()
    try:
        _sign_in(page, app, live_server, asker)
        page.goto(live_server.url_for(f"/{TENANT}/manage/lottery/rounds/{rid}"))
        _check(page, size, "round")
        page.get_by_role("link", name="繰上げて抽選する…").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("繰上げて抽選する")
        _check(page, size, "confirm")
        page.get_by_role("button", name="承認を依頼する").click()
        expect(page.get_by_role("alert")).to_contain_text("この項目は必須です")
        _check(page, size, "refused")
        page.get_by_label("理由（抽選回の公開ページに掲載されます）").fill("館内工事のため前倒し")
        page.get_by_role("button", name="承認を依頼する").click()
        expect(page.get_by_text("別の職員の承認待ち")).to_be_visible()
        expect(page.get_by_role("button", name="承認して今すぐ実施する")).to_have_count(0)
        _check(page, size, "pending")
        request_url = page.url
        assert round_row(app, TENANT, rid)["state"] == "open"

        _sign_in(page, app, live_server, approver)
        page.goto(request_url)
        _check(page, size, "approve")
        page.get_by_role("button", name="承認して今すぐ実施する").click()
        expect(page.get_by_role("status").first).to_contain_text("承認して実施しました")
        assert round_row(app, TENANT, rid)["state"] == "drawn"

        page.goto(live_server.url_for(f"/{TENANT}/manage/lottery/rounds/{rid}"))
        page.locator("form[action$='/preview'] button").click()
        expect(page.locator(".dry-run-banner")).to_contain_text("本番の抽選ではありません")
        expect(page.locator("main button")).to_have_count(0)
        _check(page, size, "dry-run")

        page.goto(live_server.url_for(f"/{TENANT}/lottery/rounds/{rid}"))
        timeline = page.get_by_role("table", name="公表日時と実施日時")
        draw = timeline.get_by_role("row").filter(has_text="繰上げ実施").last
        expect(draw).to_contain_text("館内工事のため前倒し")
        expect(draw).to_contain_text("実施：取扱者")
        expect(draw).to_contain_text("承認：取扱責任者")
        _check(page, size, "public")
    finally:
        context.close()
