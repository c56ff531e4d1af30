"""Helpers for API tests: bearer headers and the error shape every refusal has."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from werkzeug.test import TestResponse

from tests.fixtures.auth import PASSWORD

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
