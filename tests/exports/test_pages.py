"""axe-core on the export pages, in Japanese and English: the forms (and a refused one), the
download page, the password page (its code form, a wrong code, the password shown once), the
disposal confirmation (refused, then recorded), the daily list with its export form, and
the ward's ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyotp
import pytest
from flask import Flask

from tests.fixtures import auth
from tests.fixtures.auth import sign_in_as
from tests.fixtures.browser import LiveServer
from tests.support.exports import export
from tests.support.staff import Person, make_auditor, make_staff, update_staff
from tests.support.walk import Walk, console_sign_in, in_both_languages

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
TENANT = "regasu"


def manager_pages(walk: Walk, app: Flask, handler: Person) -> None:
    base = f"/{TENANT}/manage"
    walk.visit(f"{base}/exports/", "exports")
    walk.fill({"#bookings-first": "2026-04-30", "#bookings-last": "2026-04-01"})
    walk.submit("/exports/bookings")
    walk.check("exports-refused", refused=True)
    walk.submit("/exports/groups")
    walk.check("exports-made")
    assert walk.page.locator("#archive-password").count() == 0
    ledger_id = int(walk.page.url.rstrip("/").rsplit("/", 1)[1])
    with walk.page.expect_download():
        walk.page.locator('main a[href*="/download/"]').click()
    walk.visit(f"{base}/exports/password/{ledger_id}", "exports-password-code")
    walk.fill({"#code": "000000"})
    walk.submit("/exports/password/")
    walk.check("exports-password-refused", refused=True)
    update_staff(app, handler, totp_last_step=None)  # the clock stands still in tests
    walk.fill({"#code": pyotp.TOTP(handler.secret or "").now()})
    walk.submit("/exports/password/")
    walk.check("exports-password")
    assert len(walk.page.locator("#archive-password").inner_text()) == 16
    walk.visit(f"{base}/exports/{ledger_id}/dispose", "exports-dispose")
    walk.submit("/dispose")
    walk.check("exports-dispose-refused", refused=True)
    walk.page.locator("main #method-0").check()
    walk.page.locator("main #confirm").check()
    walk.submit("/dispose")
    walk.check("exports-disposed")
    walk.visit(f"{base}/bookings/daily", "daily-list")


def test_manager_export_pages(app: Flask, live_server: LiveServer, page: Page, axe: Path) -> None:
    walk = Walk(page, live_server, "exports")
    handler = make_staff(app, TENANT, "handler")
    console_sign_in(walk, app, handler, f"/{TENANT}/manage")
    in_both_languages(walk, lambda w: manager_pages(w, app, handler))


def test_ward_ledger_page(app: Flask, live_server: LiveServer, page: Page, axe: Path) -> None:
    client = app.test_client()
    sign_in_as(client, app, auth.make_staff(app, TENANT, "handler"))
    export(client, TENANT, "groups", {"groups-format": "csv-cp932"})
    walk = Walk(page, live_server, "ward-exports")
    walk.language("en")
    console_sign_in(walk, app, make_auditor(app), "/ward")
    in_both_languages(walk, lambda w: w.visit(f"/ward/exports/{TENANT}", "ward-exports"))
