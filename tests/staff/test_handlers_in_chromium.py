"""Chromium proofs for handlers under the ward's eye (axe on every page visited):

- a responsible person appoints a handler; the ward's privacy office gets the notice by
  real SMTP (aiosmtpd) and sees the appointment in the roster history on its console;
- the new handler cannot open the group list until they chose their own password (a weak
  one refused with a hint) and enrolled TOTP, and then lands on it;
- a handler prints the daily list through its button: the paper's footer says who printed
  it, when, its ledger number and what to do with it, and the print waits in the ledger
  for its disposal.
Screenshots: tests/artifacts/handlers-<step>.png.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask

from shisetsu.dates import to_local
from shisetsu.db import utcnow
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.fixtures.mail import SmtpSink
from tests.support.booking import book, member, open_days, pdf_text_chars, slot, today
from tests.support.staff import PASSWORD, Person, fresh_code, make_auditor, make_staff

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

TENANT = "regasu"
MANAGE = f"/{TENANT}/manage"
OFFICE = "privacy-office@ward.example.jp"
OWN_PASSWORD = "paper crane harbour evening"


def submit(page: Page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f'main form[action*="{action}"] button[type="submit"]').click()


def path(page: Page) -> str:
    return urlsplit(page.url).path


def checked(page: Page, name: str) -> None:
    assert_accessible(page)
    shot(page, f"handlers-{name}")


def sign_in(page: Page, server: LiveServer, app: Flask, person: Person, base: str) -> None:
    page.goto(server.url_for(f"{base}/login"))
    page.locator("main #login").fill(person.login)
    page.locator("main #password").fill(PASSWORD)
    submit(page, f"{base}/login")
    page.locator("main #code").fill(fresh_code(app, person))
    submit(page, f"{base}/verify")
    assert path(page) == f"{base}/", page.url


def _text(message: EmailMessage) -> str:
    """A received mail's subject and plain-text body."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return f"{message['Subject']}\n{part.get_content()}"  # type: ignore[attr-defined]


def test_a_new_handler_is_told_to_the_ward_and_forced_through_first_sign_in(
    app: Flask, live_server: LiveServer, page: Page, browser: Browser, axe: Any
) -> None:
    with SmtpSink() as sink:
        app.config.update(SMTP_URL=sink.url, WARD_NOTICE_EMAIL=OFFICE)
        sign_in(page, live_server, app, make_staff(app, TENANT, "responsible"), MANAGE)
        page.goto(live_server.url_for(f"{MANAGE}/staff/new"))
        page.locator("main #login").fill("sato-handler")
        page.locator("main #display_name").fill("佐藤 花子")
        page.locator("main #role").select_option("handler")
        submit(page, "/staff/new")
        initial = page.locator("#initial-password").inner_text()
        checked(page, "added")

        # The ward's privacy office: a real mail, accepted by the SMTP server.
        notices = [_text(m) for m in sink.messages() if OFFICE in str(m["To"])]
        (body,) = [b for b in notices if "sato-handler" in b]
        assert "佐藤 花子" in body and "取扱者" in body and "Handler" in body

    # The new handler: group list → sign-in → own password → TOTP → the group list.
    newcomer = browser.new_context(locale="ja-JP").new_page()
    try:
        newcomer.goto(live_server.url_for(f"{MANAGE}/groups/"))
        assert path(newcomer) == f"{MANAGE}/login"
        newcomer.locator("main #login").fill("sato-handler")
        newcomer.locator("main #password").fill(initial)
        submit(newcomer, f"{MANAGE}/login")
        assert path(newcomer) == f"{MANAGE}/first-password"
        checked(newcomer, "first-password")
        newcomer.goto(live_server.url_for(f"{MANAGE}/groups/"))  # still nobody there
        assert path(newcomer) == f"{MANAGE}/login"
        newcomer.goto(live_server.url_for(f"{MANAGE}/first-password"))
        for field in ("#password", "#confirm"):
            newcomer.locator(f"main {field}").fill("password1234")
        submit(newcomer, "/first-password")
        assert "推測されやすい" in newcomer.locator("main").inner_text()
        checked(newcomer, "first-password-refused")
        for lang in ("en", "ja"):  # the English page too, then back
            newcomer.context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
            newcomer.goto(live_server.url_for(f"{MANAGE}/first-password"))
            assert newcomer.locator("html").get_attribute("lang") == lang
            checked(newcomer, f"first-password-{lang}")
        for field in ("#password", "#confirm"):
            newcomer.locator(f"main {field}").fill(OWN_PASSWORD)
        submit(newcomer, "/first-password")
        assert path(newcomer) == f"{MANAGE}/enrol"
        checked(newcomer, "enrol")
        secret = newcomer.locator("#totp-secret").inner_text().replace(" ", "")
        newcomer.locator("main #code").fill(pyotp.TOTP(secret).now())
        submit(newcomer, "/enrol")
        checked(newcomer, "recovery-codes")
        with newcomer.expect_navigation():
            newcomer.locator("main a", has_text="コードを保管しました").click()
        assert path(newcomer) == f"{MANAGE}/groups/"
        assert newcomer.locator("h1").first.is_visible()
        checked(newcomer, "groups")
    finally:
        newcomer.context.close()

    # The ward's console: the appointment in the roster history.
    ward = browser.new_context(locale="ja-JP").new_page()
    try:
        sign_in(ward, live_server, app, make_auditor(app), "/ward")
        ward.goto(live_server.url_for(f"/ward/staff?slug={TENANT}"))
        main = ward.locator("main").inner_text()
        history = main[main.index(ward.locator("#history").inner_text()) :]
        assert "sato-handler" in history and "佐藤 花子" in history and "取扱者" in history
        checked(ward, "ward-roster")
    finally:
        ward.context.close()


def test_the_printed_daily_list_carries_its_footer(
    app: Flask, live_server: LiveServer, page: Page, axe: Any
) -> None:
    tenant = "genkikan"
    (day,) = open_days(app, tenant, "genkikan", 1, after=23)
    m = member(app, tenant)
    book(app, tenant, m.group_id, [slot(app, tenant, "genkikan", "kitchen", day, "pm")])
    handler = make_staff(app, tenant, "handler")
    manage = f"/{tenant}/manage"
    sign_in(page, live_server, app, handler, manage)
    page.goto(live_server.url_for(f"{manage}/bookings/daily?date={today().isoformat()}"))
    assert page.locator("table.bookings tbody tr").count() == 1
    checked(page, "daily-list")
    printed: list[bytes] = []

    def keep(route: Any) -> None:
        answer = route.fetch()
        printed.append(answer.body())
        route.fulfill(response=answer)

    page.route("**/manage/print/daily", keep)
    with page.expect_response(lambda r: r.url.endswith("/manage/print/daily")):
        page.get_by_role("button", name="この一覧を印刷する（PDF）").click()
    (pdf,) = printed
    chars = pdf_text_chars(pdf)
    assert set(handler.login) <= chars  # who printed it
    assert set(f"{to_local(utcnow()):%Y}年") <= chars  # when
    assert set("管理簿番号") <= chars  # its ledger number
    assert set("シュレッダー") <= chars  # what to do with the paper

    page.goto(live_server.url_for(f"{manage}/exports/"))
    (row,) = [r for r in page.locator("main tbody tr").all() if handler.login in r.inner_text()]
    assert "廃棄の記録待ち" in row.inner_text()
    assert re.search(r"/exports/\d+/dispose", row.locator("a").get_attribute("href") or "")
    checked(page, "ledger-print")
