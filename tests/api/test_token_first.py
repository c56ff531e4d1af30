"""Every API operation that needs a token checks it before it reads or validates the body.

The operations come from the URL map, so one added later is covered without touching this
file. A caller without a valid token gets 401 whatever it sends — a malformed, huge or
wrongly typed body is never parsed for it, and its shape is never described back.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.api import API_NAMES
from shisetsu.auth.access import PUBLIC
from tests.support.api import assert_error, bearer, resident_token, staff_token

MALFORMED = b'{"slots": [1, {"choices": '
HUGE = b'{"choices": [' + b'["1-20260201-am"],' * 200_000 + b"]"  # 3.6 MB, unterminated
WRONG_TYPES = b'{"slots": "all", "attendees": "many", "choices": 7}'


def protected_operations(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every API operation that is not public, from the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in API_NAMES:
            continue
        rules = getattr(app.view_functions[rule.endpoint], "access", None)
        assert rules is not None, f"{rule.rule} declares no access"
        if PUBLIC in rules:
            continue
        path = rule.rule.replace("<tenant>", "regasu")
        path = re.sub(r"<int[^>]*>", "1", path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def send(client: FlaskClient, method: str, path: str, body: bytes, **headers: str) -> Any:
    return client.open(
        path,
        method=method,
        data=body,
        headers={"Content-Type": "application/json", **headers},
    )


def test_the_walk_sees_the_operations_with_bodies(sqlite_app: Flask) -> None:
    operations = set(protected_operations(sqlite_app))
    assert ("POST", "/api/v1/regasu/bookings") in operations
    assert ("POST", "/api/v1/regasu/lottery/rounds/1/entries") in operations
    assert ("GET", "/api/v1/regasu/me") in operations
    assert len(operations) >= 7


@pytest.mark.parametrize("body", [MALFORMED, HUGE, WRONG_TYPES], ids=["malformed", "huge", "types"])
def test_no_token_is_401_whatever_the_body(any_app: Flask, body: bytes) -> None:
    client = any_app.test_client()
    for method, path in protected_operations(any_app):
        response = send(client, method, path, body)
        assert_error(response, 401, "unauthorized")
        bad = send(client, method, path, body, Authorization="Bearer not-a-token")
        assert_error(bad, 401, "unauthorized")


def test_another_tenants_token_is_401_before_the_body(any_app: Flask) -> None:
    client = any_app.test_client()
    foreign = bearer(resident_token(any_app, "genkikan"))
    for method, path in protected_operations(any_app):
        response = send(client, method, path, MALFORMED, **foreign)
        assert_error(response, 401, "unauthorized")
        assert "genkikan" not in response.get_data(as_text=True)


def test_a_token_of_the_wrong_kind_is_403_before_the_body(any_app: Flask) -> None:
    client = any_app.test_client()
    staff = bearer(staff_token(any_app, "regasu"))
    for path in ("/api/v1/regasu/bookings", "/api/v1/regasu/lottery/rounds/1/entries"):
        assert_error(send(client, "POST", path, MALFORMED, **staff), 403, "forbidden")


def test_with_a_valid_token_the_body_is_then_checked(any_app: Flask) -> None:
    """The control: the same bodies do reach validation once the caller is known."""
    client = any_app.test_client()
    resident = bearer(resident_token(any_app, "regasu"))
    malformed = send(client, "POST", "/api/v1/regasu/bookings", MALFORMED, **resident)
    assert malformed.status_code == 400
    typed = send(client, "POST", "/api/v1/regasu/bookings", WRONG_TYPES, **resident)
    assert_error(typed, 422, "unprocessable")
