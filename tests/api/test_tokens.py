"""API bearer tokens: issue, use, expire, revoke; staff need TOTP; tenants stay apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.auth.tokens import token_digest
from shisetsu.people.models import ApiToken, Staff
from shisetsu.tenancy.binding import tenant_session
from tests.support.accounts import (
    PASSWORD,
    account_row,
    create_account,
    create_staff,
    sign_in,
    unique,
)
from tests.support.api import bearer


def issue(client: FlaskClient, slug: str = "regasu", **body: Any) -> Any:
    return client.post(f"/api/v1/{slug}/tokens", json=body)


def error_code(response: Any) -> str:
    body = response.get_json()
    assert set(body["error"]["message"]) == {"ja", "en"}
    return str(body["error"]["code"])


def test_resident_token_issue_use_and_revoke(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    response = issue(client, login=account.login, password=PASSWORD)
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "resident"
    token = body["token"]
    expires = datetime.fromisoformat(body["expires_at"])
    hours = any_app.config["API_TOKEN_HOURS"]
    assert timedelta(hours=hours) - timedelta(minutes=1) < expires - datetime.now(UTC)
    with tenant_session(any_app, "regasu") as session:
        row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
        assert row is not None and row.principal_id == account.id  # stored as a digest only

    me = client.get("/api/v1/regasu/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json() == {"kind": "resident", "login": account.login, "role": "resident"}

    assert client.delete("/api/v1/regasu/tokens/current", headers=bearer(token)).status_code == 204
    gone = client.get("/api/v1/regasu/me", headers=bearer(token))
    assert gone.status_code == 401
    assert error_code(gone) == "unauthorized"
    assert client.delete("/api/v1/regasu/tokens/current", headers=bearer(token)).status_code == 401


def test_email_works_as_login_and_kind_defaults_to_resident(any_app: Flask) -> None:
    account = create_account(any_app)
    response = issue(any_app.test_client(), login=account.email.upper(), password=PASSWORD)
    assert response.status_code == 201


def test_expired_token_is_refused(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    token = issue(client, login=account.login, password=PASSWORD).get_json()["token"]
    with tenant_session(any_app, "regasu") as session:
        session.execute(
            sa.update(ApiToken)
            .where(ApiToken.token_hash == token_digest(token))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    assert client.get("/api/v1/regasu/me", headers=bearer(token)).status_code == 401


def test_wrong_and_unknown_credentials_read_the_same(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    wrong = issue(client, login=account.login, password="wrong password!")
    unknown = issue(client, login=unique("ghost"), password="wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert error_code(wrong) == error_code(unknown) == "invalid_credentials"
    assert wrong.get_json() == unknown.get_json()
    assert account_row(any_app, "regasu", account.login).failed_logins == 1


def test_unverified_resident_gets_no_token(any_app: Flask) -> None:
    account = create_account(any_app, verified=False)
    response = issue(any_app.test_client(), login=account.login, password=PASSWORD)
    assert response.status_code == 403
    assert error_code(response) == "email_unverified"


def test_locked_account_gets_423_with_the_unlock_time(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    statuses = [
        issue(client, login=account.login, password="wrong password!").status_code
        for _ in range(any_app.config["LOCKOUT_THRESHOLD"])
    ]
    assert statuses[-1] == 423 and set(statuses[:-1]) == {401}
    response = issue(client, login=account.login, password=PASSWORD)
    assert response.status_code == 423
    assert error_code(response) == "account_locked"
    assert "Japan time" in response.get_json()["error"]["message"]["en"]


def test_token_from_one_operator_is_refused_at_another(any_app: Flask) -> None:
    client = any_app.test_client()
    login = unique("both")
    create_account(any_app, "regasu", login=login)
    create_account(any_app, "genkikan", login=login)  # same login, another account
    token = issue(client, "regasu", login=login, password=PASSWORD).get_json()["token"]
    assert client.get("/api/v1/regasu/me", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/genkikan/me", headers=bearer(token)).status_code == 401
    assert (
        client.delete("/api/v1/genkikan/tokens/current", headers=bearer(token)).status_code == 401
    )
    assert client.get("/api/v1/regasu/me", headers=bearer(token)).status_code == 200


def test_session_cookie_is_not_a_bearer_token(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    sign_in(client, account.login)
    assert client.get("/api/v1/regasu/me").status_code == 401


def test_unknown_tenant_is_404(client: FlaskClient) -> None:
    response = issue(client, "nowhere", login="x", password="y")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"login": "x"}, 422),
        ({"password": "x"}, 422),
        ({"login": "x", "password": "y", "kind": "auditor"}, 422),
        ({"login": "x", "password": "y", "extra": 1}, 422),
        ([1, 2], 422),
    ],
)
def test_malformed_bodies_are_refused(client: FlaskClient, body: Any, status: int) -> None:
    response = client.post("/api/v1/regasu/tokens", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == "unprocessable"


def test_rate_limit_per_account(any_app: Flask) -> None:
    any_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "3/minute"
    account = create_account(any_app)
    client = any_app.test_client()
    for _ in range(3):
        assert issue(client, login=account.login, password="wrong password!").status_code == 401
    response = issue(client, login=account.login, password=PASSWORD)
    assert response.status_code == 429
    assert error_code(response) == "too_many_requests"


# --- staff tokens need TOTP -------------------------------------------------------------


def failures(app: Flask, staff_id: int) -> int:
    with tenant_session(app, "regasu") as session:
        stored = session.get(Staff, staff_id)
        assert stored is not None
        return stored.failed_logins


def test_staff_token_requires_a_totp_code(any_app: Flask) -> None:
    secret = pyotp.random_base32()
    staff = create_staff(any_app, "regasu", role="counter", secret=secret)
    client = any_app.test_client()
    creds = {"login": staff.login, "password": PASSWORD, "kind": "staff"}

    for otp in (None, "", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"):
        body = {**creds, **({"otp": otp} if otp is not None else {})}
        response = issue(client, **body)
        assert response.status_code == 401
        assert error_code(response) == "otp_required"
    assert failures(any_app, staff.id) == 1  # a wrong code counts; a missing one does not

    code = pyotp.TOTP(secret).now()
    response = issue(client, **creds, otp=code)
    assert response.status_code == 201
    assert failures(any_app, staff.id) == 0
    token = response.get_json()["token"]
    me = client.get("/api/v1/regasu/me", headers=bearer(token)).get_json()
    assert me == {"kind": "staff", "login": staff.login, "role": "counter"}

    replay = issue(client, **creds, otp=code)  # the same code twice: refused
    assert replay.status_code == 401
    assert error_code(replay) == "otp_required"

    assert failures(any_app, staff.id) == 1  # the replayed code counts as wrong

    wrong = issue(client, **{**creds, "password": "wrong password!"}, otp=code)
    assert error_code(wrong) == "invalid_credentials"
    # A resident token for the same login does not exist: staff are not residents.
    assert error_code(issue(client, login=staff.login, password=PASSWORD)) == "invalid_credentials"


def test_wrong_totp_codes_lock_the_staff_account(any_app: Flask) -> None:
    any_app.config["LOCKOUT_THRESHOLD"] = 3
    secret = pyotp.random_base32()
    staff = create_staff(any_app, "regasu", secret=secret)
    client = any_app.test_client()
    creds = {"login": staff.login, "password": PASSWORD, "kind": "staff"}
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    statuses = [issue(client, **creds, otp=wrong).status_code for _ in range(3)]
    assert statuses == [401, 401, 423]
    locked = issue(client, **creds, otp=pyotp.TOTP(secret).now())
    assert locked.status_code == 423
    assert error_code(locked) == "account_locked"


def test_staff_without_totp_enrolment_gets_no_token(any_app: Flask) -> None:
    staff = create_staff(any_app, "regasu", secret=None)
    response = issue(
        any_app.test_client(), login=staff.login, password=PASSWORD, kind="staff", otp="123456"
    )
    assert response.status_code == 403
    assert error_code(response) == "first_sign_in_incomplete"


def test_openapi_documents_the_token_endpoints(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/{tenant}/tokens"]["post"]
    assert {"201", "401", "404", "422", "423", "429"} <= set(post["responses"])
    assert "otp" in spec["components"]["schemas"]["TokenRequest"]["properties"]
    me = spec["paths"]["/api/v1/{tenant}/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "204" in spec["paths"]["/api/v1/{tenant}/tokens/current"]["delete"]["responses"]
