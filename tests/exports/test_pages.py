"""axe-core on the export pages, in Japanese and English: the forms (and a refused one), the
once-shown password page, the daily list with its export form, and the ward's ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from flask import Flask

from tests.fixtures import auth
from tests.fixtures.auth import sign_in_as
from tests.fixtures.browser import LiveServer
from tests.support.exports import export
from tests.support.staff import make_auditor, make_staff
from tests.support.walk import Walk, console_sign_in, in_both_languages

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
TENANT = "regasu"


def manager_pages(walk: Walk) -> None:
    base = f"/{TENANT}/manage"
    walk.visit(f"{base}/exports/", "exports")
    walk.fill({"#bookings-first": "2026-04-30", "#bookings-last": "2026-04-01"})
    walk.submit("/exports/bookings")
    walk.check("exports-refused", refused=True)
    walk.submit("/exports/groups")
    walk.check("exports-made")
    walk.visit(f"{base}/bookings/daily", "daily-list")


def test_manager_export_pages(app: Flask, live_server: LiveServer, page: Page, axe: Path) -> None:
    walk = Walk(page, live_server, "exports")
    console_sign_in(walk, app, make_staff(app, TENANT, "handler"), f"/{TENANT}/manage")
    in_both_languages(walk, manager_pages)


def test_ward_ledger_page(app: Flask, live_server: LiveServer, page: Page, axe: Path) -> None:
    client = app.test_client()
    sign_in_as(client, app, auth.make_staff(app, TENANT, "handler"))
    export(client, TENANT, "groups", {"groups-format": "csv-cp932"})
    walk = Walk(page, live_server, "ward-exports")
    walk.language("en")
    console_sign_in(walk, app, make_auditor(app), "/ward")
    in_both_languages(walk, lambda w: w.visit(f"/ward/exports/{TENANT}", "ward-exports"))
