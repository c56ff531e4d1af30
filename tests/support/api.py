"""Helpers for API tests: bearer headers and the error shape every refusal has."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pyotp
from flask import Flask
from werkzeug.test import TestResponse

from shisetsu.dates import MAX_YEAR, MIN_YEAR
from shisetsu.forms_text import ISO_DATE, SINGLE_LINE
from tests.fixtures.auth import PASSWORD
from tests.support import accounts

if TYPE_CHECKING:
    from flask.testing import FlaskClient

    from tests.support.booking import Member

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: TestResponse, status: int, code: str) -> None:
    """``{"error": {"code", "message": {"ja", "en"}}}`` (docs/architecture.md), never a trace."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert set(message) == {"ja", "en"}
    assert message["en"] and message["ja"]
    assert JAPANESE.search(message["ja"]), message["ja"]
    assert "Traceback" not in response.get_data(as_text=True)


def token_for(client: FlaskClient, m: Member) -> dict[str, str]:
    """A bearer header for the member's resident, issued through the token API."""
    response = client.post(
        f"/api/v1/{m.tenant}/tokens", json={"login": m.resident.login, "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in [*value.keys(), *value.values()] for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def refused_by_the_request_check(case: Any, response: Any) -> bool:
    """True when the API refused ``case`` as every request must be refused, with a 400:
    ``invalid_characters`` for a control, bidi or zero-width character (tab and newline
    too, outside multi-line fields), ``bad_request`` for a date outside 1900–2999.
    Schemathesis draws such values as schema-valid."""
    if response.status_code != 400:
        return False
    strings = _strings([case.path_parameters, case.query, case.body])
    code = response.json()["error"]["code"]
    if code == "invalid_characters":
        return any(SINGLE_LINE.search(s) for s in strings)
    dates = [m for s in strings if (m := ISO_DATE.match(s))]
    return code == "bad_request" and any(not MIN_YEAR <= int(m[1]) <= MAX_YEAR for m in dates)


def resident_token(app: Flask, slug: str) -> str:
    """A bearer token of a new resident of ``slug``."""
    account = accounts.create_account(app, slug)
    response = app.test_client().post(
        f"/api/v1/{slug}/tokens", json={"login": account.login, "password": accounts.PASSWORD}
    )
    assert response.status_code == 201
    return str(response.get_json()["token"])


def staff_token(app: Flask, slug: str) -> str:
    """A bearer token of a new handler of ``slug`` (with the TOTP code staff tokens need)."""
    secret = pyotp.random_base32()
    staff = accounts.create_staff(app, slug, role="handler", secret=secret)
    body = {"login": staff.login, "password": accounts.PASSWORD, "kind": "staff"}
    body["otp"] = pyotp.TOTP(secret).now()
    response = app.test_client().post(f"/api/v1/{slug}/tokens", json=body)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["token"])
