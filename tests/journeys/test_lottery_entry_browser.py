"""Entering the lottery from the calendar in Chromium, by keyboard alone, at desktop
(1280×900) and phone (390×844) size, with axe-core on every page: from a 抽 cell of the
public availability grid to the entry page; three choices in two rooms, the draft kept
while the resident looks at another room and the other open month; reordered; reviewed;
submitted; the receipt page and the receipt mail (delivered over SMTP to aiosmtpd) name
every choice by facility, room, date and time band. Screenshots:
tests/artifacts/entry-<size>-NN-<step>.png.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from shisetsu.notify.relay import relay_outbox
from shisetsu.slots.ids import parse_slot_id
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import _dispose, make_app
from tests.fixtures.auth import login_as
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import PHONE, LiveServer, shot
from tests.fixtures.mail import SmtpSink
from tests.support.lottery import group, lottery_slot_ids, open_round
from tests.support.lottery_keys import (
    add_slot,
    choose_room,
    focus_is_button,
    focus_links_to,
    tab_to,
)
from tests.support.walk import PAGE_FACTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

TENANT = "genkikan"
CONTACT = "renraku-entry@example.jp"  # mail about the group goes to its contact person
IMPACTS = ("minor", "moderate", "serious", "critical")
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": PHONE,
}


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path, sink: SmtpSink) -> Iterator[Flask]:
    """Both tenants on SQLite, CSRF protection on, mail relayed to the SMTP sink."""
    instance = tmp_path / "instance"
    shutil.copytree(sqlite_template, instance)
    app = make_app(instance, WTF_CSRF_ENABLED=True, SMTP_URL=sink.url)
    yield app
    _dispose(app)


class Steps:
    """Numbered screenshots and an axe check (and, on a phone, no sideways page) per page."""

    def __init__(self, page: Page, size: str) -> None:
        self.page, self.size, self.count = page, size, 0

    def check(self, name: str) -> None:
        self.count += 1
        shot(self.page, f"entry-{self.size}-{self.count:02d}-{name}")
        assert_accessible(self.page, impacts=IMPACTS)
        if self.size == "phone":
            width = self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{name}: scrolls sideways ({width}px)"
            small = self.page.evaluate(
                """() => [...document.querySelectorAll('main button, main select')]
                .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
                .map(e => e.outerHTML.slice(0, 80))"""
            )
            assert small == [], f"{name}: touch targets under 44 px: {small}"


def sign_in(page: Page, app: Flask, server: LiveServer, ref: Any) -> None:
    """Give the browser the session cookie a signed-in test client would have."""
    client = app.test_client()
    login_as(client, app, "resident", TENANT, ref)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])


def three_slots(app: Flask, rid: int) -> tuple[str, str, str]:
    """Two lottery slots of one room on different days and one of another room."""
    found = lottery_slot_ids(app, TENANT, rid, 80)
    room_a = parse_slot_id(found[0]).room_id
    same = [s for s in found if parse_slot_id(s).room_id == room_a]
    other = [s for s in found if parse_slot_id(s).room_id != room_a]
    return same[0], other[0], same[1]


def choice_texts(page: Page) -> list[str]:
    """The listed choices (facility, room, date, time band), in order."""
    items = page.locator("ol.choice-list > li dl.choice-facts")
    return [
        " ".join(dd.strip() for dd in item.locator("dd").all_inner_texts()) for item in items.all()
    ]


@pytest.mark.parametrize("size", list(SIZES))
def test_keyboard_entry_across_rooms_and_months(
    app: Flask, live_server: LiveServer, browser: Browser, axe: Any, sink: SmtpSink, size: str
) -> None:
    rid = open_round(app, TENANT)
    other_rid = open_round(app, TENANT)  # the next month, taking entries too
    a1, b1, a2 = three_slots(app, rid)
    resident, _gid = group(app, TENANT, contact_email=CONTACT)
    context = browser.new_context(locale="ja-JP", **SIZES[size])
    page = context.new_page()
    steps = Steps(page, size)
    try:
        sign_in(page, app, live_server, resident)
        room_a = parse_slot_id(a1).room_id
        month = f"{a1.split('-')[1][:4]}-{a1.split('-')[1][4:6]}"
        page.goto(live_server.url_for(f"/{TENANT}/rooms/{room_a}/availability?month={month}"))
        steps.check("availability")

        # The 抽 cell of the public grid leads to the entry page, next to its add button.
        tab_to(
            page,
            focus_links_to(f"/lottery/slots/{a1}"),
        )
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("h1")).to_contain_text("抽選")
        expect(page.locator("#draft-count")).to_have_text("希望5件中0件を選択中（あと5件）。")
        steps.check("entry-page")
        add_slot(page, a1)
        expect(page.locator("#draft-count")).to_have_text("希望5件中1件を選択中（あと4件）。")
        expect(page.locator(".flashes")).to_contain_text("第1希望に追加しました")
        steps.check("first-choice")

        add_slot(page, b1)  # another room
        steps.check("second-room")
        # The other open month: its own (empty) draft; back again, both choices are kept.
        tab_to(page, focus_links_to(f"/rounds/{other_rid}/enter"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#draft-count")).to_have_text("希望5件中0件を選択中（あと5件）。")
        steps.check("other-month")
        tab_to(page, focus_links_to(f"/rounds/{rid}/enter"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#draft-count")).to_have_text("希望5件中2件を選択中（あと3件）。")

        choose_room(page, room_a)
        add_slot(page, a2)
        expect(page.locator("#draft-count")).to_have_text("希望5件中3件を選択中（あと2件）。")
        drafted = choice_texts(page)
        assert len(drafted) == 3
        steps.check("three-choices")

        # Reorder: the 3rd choice up to 2nd, then the (new) 1st down to 2nd.
        tab_to(page, focus_is_button("up:2"))
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label.startswith("上へ：第3希望 ") and drafted[2].split()[0] in label
        with page.expect_navigation():
            page.keyboard.press("Enter")
        tab_to(page, focus_is_button("down:0"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        order = [drafted[2], drafted[0], drafted[1]]
        assert choice_texts(page) == order
        steps.check("reordered")

        tab_to(page, "document.activeElement.textContent.trim() === '内容を確認して申し込む'")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("h1")).to_contain_text("申込内容の確認")
        assert choice_texts(page) == order
        steps.check("review")
        tab_to(page, "document.activeElement.textContent.trim() === 'この内容で申し込む'")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("h1")).to_contain_text("抽選の申込受付")
        expect(page.locator(".flashes")).to_contain_text("抽選の申込みを保存しました。")
        assert choice_texts(page) == order
        body = page.locator("main").inner_text()
        assert all(sid not in body for sid in (a1, b1, a2))
        steps.check("receipt")

        # In English, every Japanese name on the entry pages is marked lang="ja".
        page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
        for path in (f"rounds/{rid}/enter?room={room_a}", f"rounds/{rid}/entry"):
            page.goto(live_server.url_for(f"/{TENANT}/lottery/{path}"))
            facts = page.evaluate(PAGE_FACTS)
            assert facts["lang"] == "en" and facts["unmarked"] == [], facts["unmarked"]
            steps.check("english")
    finally:
        context.close()

    with app.app_context(), tenant_session(app, TENANT) as session:
        relay_outbox(session)
    (mail,) = [m for m in sink.messages() if m["To"] == CONTACT]
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    for rank, words in enumerate(order, start=1):
        assert f"第{rank}希望：{words}" in text
    assert all(sid not in text for sid in (a1, b1, a2))
