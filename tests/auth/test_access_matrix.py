"""Every role × every console route, derived from the URL map so new routes are covered.

Each view declares who may use it with ``@access``. Here every manager-console and ward
route is requested by every kind of user: those the declaration admits never get a 403 or
a sign-in page; everyone else gets a 403, or a sign-in redirect when they are not signed in
*at this tenant* (another operator's staff, auditors on tenant pages, staff on ward pages).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from shisetsu.auth.access import PUBLIC, permits
from shisetsu.extensions import db
from shisetsu.ward.operations import create_auditor
from tests.fixtures.auth import TOTP_SECRET, login_as, make_resident, make_staff, sign_in_as

TENANT, OTHER = "genkikan", "regasu"
SKIPPED_ENDPOINTS = {"static", "api-docs.openapi_json"}
AUDITOR_PASSWORD = "matrix auditor 2026"  # given: an auditor past their first sign-in
LOGIN_PAGES = re.compile(r"/(account/login|manage/login|ward/login)")


def console_rules(app: Flask) -> list[Rule]:
    """Rules of the manager console and the ward console."""
    return [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith(("/<tenant>/manage", "/ward"))
        and PUBLIC not in app.view_functions[r.endpoint].access
    ]


def build_path(rule: Rule) -> str:
    """A concrete path: this tenant, an id that exists nowhere, a harmless string."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():
        if name == "tenant":
            values[name] = TENANT
        elif isinstance(converter, IntegerConverter):
            values[name] = 987654
        else:
            values[name] = "x"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(value), path)
    return path


def test_every_view_declares_who_may_use_it(app: Flask) -> None:
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in SKIPPED_ENDPOINTS and not hasattr(view, "access")
    ]
    assert undeclared == []


def test_console_routes_exist(app: Flask) -> None:
    endpoints = {r.endpoint for r in console_rules(app)}
    assert {"staff.home", "staff.staff_list", "ward.home"} <= endpoints


PRINCIPALS = [
    "anonymous",
    "resident",
    "counter",
    "handler",
    "responsible",
    "auditor",
    "other_tenant_responsible",
]


def sign_in(client: Any, app: Flask, who: str) -> tuple[str, str]:
    """Sign ``client`` in as ``who``; returns (kind, role) as seen at TENANT ("" if anonymous)."""
    if who == "anonymous":
        return "", ""
    if who == "resident":
        sign_in_as(client, app, make_resident(app, TENANT))
        return "resident", "resident"
    if who == "auditor":
        with app.app_context():
            auditor, _ = create_auditor(
                db.session(),
                login="matrix-auditor",
                display_name="A",
                password=AUDITOR_PASSWORD,
                totp_secret=TOTP_SECRET,
            )
            db.session.commit()
            login_as(client, app, "auditor", "", auditor)
        return "auditor", "auditor"
    if who == "other_tenant_responsible":
        sign_in_as(client, app, make_staff(app, OTHER, "responsible"))
        return "", ""  # nobody at TENANT
    sign_in_as(client, app, make_staff(app, TENANT, who))
    return "staff", who


@pytest.mark.parametrize("who", PRINCIPALS)
def test_role_by_route(app: Flask, who: str) -> None:
    client = app.test_client()
    kind, role = sign_in(client, app, who)
    checked = 0
    for rule in console_rules(app):
        rules = app.view_functions[rule.endpoint].access
        path = build_path(rule)
        on_ward = rule.rule.startswith("/ward")
        # An auditor is nobody on tenant pages; staff are nobody on ward pages.
        here_kind = kind if (kind == "auditor") == on_ward else ""
        allowed = bool(here_kind) and permits(rules, here_kind, role)
        methods = ["GET"] if "GET" in rule.methods else ["POST"]
        for method in methods:
            if allowed and method == "POST":
                continue  # actions are exercised by their own feature tests
            response = client.open(path, method=method)
            location = response.headers.get("Location", "")
            label = f"{who} {method} {path} → {response.status_code} {location}"
            assert response.status_code < 500, label
            if allowed:
                assert response.status_code != 403, label
                assert not LOGIN_PAGES.search(location), label
            elif here_kind:
                assert response.status_code == 403, label
            else:
                assert response.status_code == 302 and LOGIN_PAGES.search(location), label
            checked += 1
    assert checked >= 5


# What docs/domain.md (Users and roles) prescribes for the routes that matter most.
DESIGNED = {
    "staff.home": {"staff:responsible", "staff:handler", "staff:counter"},
    "staff.staff_list": {"staff:responsible"},
    "staff.add_staff": {"staff:responsible"},
    "staff.remove": {"staff:responsible"},
    "groups_manage.approve": {"staff:responsible", "staff:handler"},
    "groups_manage.reject": {"staff:responsible", "staff:handler"},
    "ward.home": {"auditor"},
}


@pytest.mark.parametrize("endpoint", sorted(DESIGNED))
def test_declarations_match_the_design(app: Flask, endpoint: str) -> None:
    assert set(app.view_functions[endpoint].access) == DESIGNED[endpoint]
