"""``Cache-Control: no-store`` on every response that may carry personal data: every route of
the consoles, account pages, exports and permits (walked from the URL map), and every
response to a signed-in user; public pages for anonymous visitors stay cacheable."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from shisetsu.auth.caching import is_personal
from tests.fixtures.auth import login_as, make_resident, make_staff
from tests.support.audit import make_auditor_with_email


def personal_routes(app: Flask) -> list[str]:
    """GET routes whose only argument is the tenant and whose path is personal by rule."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.arguments - {"tenant"}:
            continue
        path = rule.rule.replace("<tenant>", "regasu")
        if is_personal(path, signed_in=False):
            paths.append(path)
    return sorted(paths)


def assert_no_store(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers.get("Cache-Control") == "no-store", (path, response.status_code)
    assert response.headers.get("Pragma") == "no-cache", path


def test_the_walk_covers_every_console(any_app: Flask) -> None:
    paths = personal_routes(any_app)
    assert "/regasu/manage/" in paths and "/ward/" in paths and "/regasu/account/" in paths
    assert any(p.startswith("/regasu/manage/exports") for p in paths)
    assert len(paths) > 20


def test_personal_routes_are_never_stored_whoever_asks(any_app: Flask) -> None:
    staff_client = any_app.test_client()
    login_as(staff_client, any_app, "staff", "regasu", make_staff(any_app, "regasu", "responsible"))
    ward_client = any_app.test_client()
    login_as(ward_client, any_app, "auditor", "", make_auditor_with_email(any_app)[0])
    resident_client = any_app.test_client()
    login_as(resident_client, any_app, "resident", "regasu", make_resident(any_app, "regasu"))
    anonymous = any_app.test_client()
    for path in personal_routes(any_app):
        signed_in = (
            ward_client
            if path.startswith("/ward")
            else staff_client
            if "/manage" in path
            else resident_client
        )
        assert_no_store(signed_in, path)
        assert_no_store(anonymous, path)


def test_every_response_to_a_signed_in_resident_is_not_stored(any_app: Flask) -> None:
    client = any_app.test_client()
    login_as(client, any_app, "resident", "regasu", make_resident(any_app, "regasu"))
    for path in ("/regasu/", "/regasu/groups/"):
        assert_no_store(client, path)


def test_public_pages_for_anonymous_visitors_may_be_cached(any_app: Flask) -> None:
    response = any_app.test_client().get("/regasu/")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_permit_and_export_files_match_the_rule() -> None:
    assert is_personal("/regasu/bookings/12/permit.pdf", signed_in=False)
    assert is_personal("/regasu/manage/bookings/12/permit.pdf", signed_in=False)
    assert is_personal("/regasu/manage/exports/3/download", signed_in=False)
    assert not is_personal("/regasu/facilities", signed_in=False)
