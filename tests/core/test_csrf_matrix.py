"""Every state-changing route, from the URL map, refuses a POST without its CSRF token.

CSRF is switched on as the guarded environments configure it (so turning it off in
``config/defaults.toml`` fails here too). Each route is opened by someone it admits, with
the fields its own form would send, minus the token: the CSRF check must answer 400
before the view runs, and no table of the platform or of either tenant may change. The
bearer-token API is exempt by design, and it must be exactly the API: a tokenless API
call is never refused by the CSRF check. A route added later is in the matrix by itself.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_wtf.csrf import CSRFError
from werkzeug.routing import Rule

from shisetsu import create_app
from shisetsu.errors import handle_http_exception
from tests.fixtures.auth import PASSWORD
from tests.support.matrix import (
    API,
    STATE_CHANGING,
    TENANT,
    changed_tables,
    form_data,
    make_world,
    principal_for,
    snapshot,
)


def guarded_csrf_settings(tmp_path: Path) -> dict[str, object]:
    """CSRF as the development environment (like production) is configured."""
    app = create_app({"ENV_NAME": "development", "INSTANCE_PATH": str(tmp_path / "dev")})
    return {k: app.config[k] for k in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT")}


def state_changing_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.methods and r.methods & STATE_CHANGING),
        key=lambda r: r.rule,
    )


def refusals_by_csrf(app: Flask) -> list[str]:
    """Record each request the CSRF check refuses, then answer as the app does."""
    refused: list[str] = []

    def record(exc: CSRFError):  # type: ignore[no-untyped-def]
        refused.append(f"{request.method} {request.full_path.rstrip('?')}")
        return handle_http_exception(exc)

    app.register_error_handler(CSRFError, record)
    return refused


def method_of(rule: Rule) -> str:
    methods = sorted(rule.methods & STATE_CHANGING)  # type: ignore[operator]
    return methods[0]


def test_every_form_route_refuses_a_post_without_its_token(any_app: Flask, tmp_path: Path) -> None:
    world = make_world(any_app)
    any_app.config.update(guarded_csrf_settings(tmp_path))
    refused = refusals_by_csrf(any_app)
    rules = state_changing_rules(any_app)
    forms = [r for r in rules if not r.rule.startswith(API)]
    assert len(forms) > 50  # the enumeration found the console, the account and the ward

    # What each form would send, read from its own page where it has one.
    requests = []
    for rule in forms:
        who = principal_for(any_app, rule)
        path = world.path(rule)
        data: dict[str, str] = {}
        if "GET" in rule.methods:  # type: ignore[operator]
            data = form_data(world.client(who).get(path).get_data(as_text=True), path)
        requests.append((rule, who, path, data))

    before = snapshot(any_app)
    answers = {}
    for rule, who, path, data in requests:
        response = world.client(who).open(path, method=method_of(rule), data=data)
        answers[f"{method_of(rule)} {path}"] = f"{who} → {response.status_code}"
    after = snapshot(any_app)

    outcome = {
        "not refused by the CSRF check": {k: v for k, v in answers.items() if k not in refused},
        "not a 400": {k: v for k, v in answers.items() if not v.endswith("→ 400")},
        "tables changed": changed_tables(before, after),
    }
    assert outcome == {
        "not refused by the CSRF check": {},
        "not a 400": {},
        "tables changed": [],
    }


def test_the_token_api_and_only_it_is_exempt(app: Flask, tmp_path: Path) -> None:
    world = make_world(app)
    app.config.update(guarded_csrf_settings(tmp_path))
    refused = refusals_by_csrf(app)
    api = [r for r in state_changing_rules(app) if r.rule.startswith(API)]
    assert {r.endpoint for r in api} >= {"api_tokens.create_token", "api_bookings.create_booking"}
    for rule in api:
        response = app.test_client().open(world.path(rule), method=method_of(rule), json={})
        assert response.status_code < 500, rule.rule
    assert refused == []

    # A tokenless client gets its bearer token: the API authenticates with nothing else.
    response = app.test_client().post(
        f"/api/v1/{TENANT}/tokens", json={"login": world.resident.login, "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert refused == []
