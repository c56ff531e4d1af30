"""axe-core on the retention pages in Chromium, Japanese and English: the ward's and the
manager's inventory and certificate pages, and the resident's deletion page (form, after a
refused submit, and when deletion is blocked). Screenshots: tests/artifacts/retention-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask

from shisetsu.dates import add_months_clamped as add_months
from shisetsu.i18n import LANG_COOKIE
from shisetsu.jobs.runner import run_in_app
from shisetsu.retention.jobs import PURGE_JOB
from tests.fixtures.auth import login_as, make_staff
from tests.fixtures.axe import assert_accessible
from tests.fixtures.browser import LiveServer, shot
from tests.test_audit_support import make_auditor_with_email
from tests.test_groups_support import make_approved, today_in_tokyo
from tests.test_retention_support import certificates, synthetic

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
IMPACTS = ("minor", "moderate", "serious", "critical")


def _sign_in(page: Page, app: Flask, server: LiveServer, kind: str, tenant: str, ref: Any) -> None:
    """Give the browser the session cookie a signed-in test client would have."""
    client = app.test_client()
    login_as(client, app, kind, tenant, ref)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])


def _check(page: Page, server: LiveServer, path: str, name: str) -> None:
    for lang in ("ja", "en"):
        page.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": server.url}])
        response = page.goto(server.url_for(path))
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == lang
        shot(page, f"retention-{name}-{lang}")
        assert_accessible(page, impacts=IMPACTS)


def test_ward_and_manager_pages_are_accessible(
    app: Flask, live_server: LiveServer, page: Page, axe: Any
) -> None:
    synthetic(app, "genkikan", ended=add_months(today_in_tokyo(), -13))
    run_in_app(app, "genkikan", PURGE_JOB)
    cert = certificates(app, "genkikan")[-1]
    auditor, _ = make_auditor_with_email(app)
    _sign_in(page, app, live_server, "auditor", "", auditor)
    _check(page, live_server, "/ward/privacy/genkikan/", "ward-index")
    _check(page, live_server, f"/ward/privacy/genkikan/certificates/{cert['id']}", "ward-cert")

    staff = make_staff(app, "genkikan", "responsible")
    _sign_in(page, app, live_server, "staff", "genkikan", staff)
    _check(page, live_server, "/genkikan/manage/privacy/", "manage-index")
    path = f"/genkikan/manage/privacy/certificates/{cert['id']}"
    _check(page, live_server, path, "manage-cert")


def test_deletion_pages_are_accessible(
    app: Flask, live_server: LiveServer, page: Page, axe: Any
) -> None:
    today = today_in_tokyo()
    person = synthetic(app, "regasu", ended=today - timedelta(days=20), status="withdrawn")
    _sign_in(page, app, live_server, "resident", "regasu", person.account)
    _check(page, live_server, "/regasu/account/delete/", "delete-form")

    page.fill("input[name=password]", "wrong password")
    page.check("input[name=confirm]")
    page.click("button.danger")
    assert page.locator(".error-summary").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert_accessible(page, impacts=IMPACTS)
    shot(page, "retention-delete-wrong-password")

    make_approved(app, "regasu", person.account.id, valid_from=today, valid_until=today)
    _check(page, live_server, "/regasu/account/delete/", "delete-blocked")
    _check(page, live_server, "/regasu/account/delete/done", "delete-done")
