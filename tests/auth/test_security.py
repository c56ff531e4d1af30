"""Sign-in security for residents: lockout, rate limits, CSRF, idle timeout, session
fixation, and the database refusing another tenant's accounts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from shisetsu.extensions import limiter
from shisetsu.people.models import Account
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import _dispose, make_app, sqlite_template_copy
from tests.fixtures.services import need, redis_available
from tests.support.accounts import (
    NEW_PASSWORD,
    PASSWORD,
    account_row,
    create_account,
    english,
    error_summary,
    is_signed_in,
    last_mail,
    mails_to,
    page,
    sign_in,
    unique,
    update_account,
)

TOKYO = ZoneInfo("Asia/Tokyo")
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"  # the suite's scratch database
LIMIT_PREFIX = f"shisetsu-test-limits-{uuid.uuid4().hex[:8]}"
"""This process's rate-limit keys in Redis (Flask-Limiter keeps the first prefix it sees)."""


# --- lockout ----------------------------------------------------------------------------


def test_lockout_after_threshold_with_unlock_time_then_automatic_unlock(any_app: Flask) -> None:
    threshold = any_app.config["LOCKOUT_THRESHOLD"]
    client = english(any_app.test_client())
    account = create_account(any_app)
    for _ in range(threshold - 1):
        summary = error_summary(sign_in(client, account.login, "wrong password!"))
        assert "The login ID or password is not correct." in summary
    assert account_row(any_app, "regasu", account.login).locked_until is None

    summary = error_summary(sign_in(client, account.login, "wrong password!"))
    locked_until = account_row(any_app, "regasu", account.login).locked_until
    assert locked_until is not None
    locked_until = locked_until.replace(tzinfo=locked_until.tzinfo or UTC)
    minutes = any_app.config["LOCKOUT_MINUTES"]
    assert timedelta(minutes=minutes - 1) < locked_until - datetime.now(UTC)
    local = locked_until.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    assert "This account is locked" in summary
    assert f"after {local} (Japan time)" in summary

    # The right password does not help while the lock lasts.
    summary = error_summary(sign_in(client, account.login, PASSWORD))
    assert f"after {local} (Japan time)" in summary
    assert not is_signed_in(client)

    # Time passes: the lock ends by itself.
    update_account(any_app, "regasu", account.login, locked_until=datetime.now(UTC) - timedelta(1))
    assert sign_in(client, account.login, PASSWORD).status_code == 302
    assert is_signed_in(client)
    assert account_row(any_app, "regasu", account.login).failed_logins == 0


def test_lockout_threshold_is_configurable(any_app: Flask) -> None:
    any_app.config["LOCKOUT_THRESHOLD"] = 2
    client = english(any_app.test_client())
    account = create_account(any_app)
    sign_in(client, account.login, "wrong password!")
    assert "This account is locked" in page(sign_in(client, account.login, "wrong password!"))


def test_a_success_resets_the_failure_count(any_app: Flask) -> None:
    threshold = any_app.config["LOCKOUT_THRESHOLD"]
    account = create_account(any_app)
    client = any_app.test_client()
    for _ in range(threshold - 1):
        sign_in(client, account.login, "wrong password!")
    assert sign_in(client, account.login).status_code == 302
    sign_in(client, account.login, "wrong password!")
    assert account_row(any_app, "regasu", account.login).locked_until is None


# --- rate limits ------------------------------------------------------------------------


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis-storage", marks=pytest.mark.redis),
    ]
)
def limits_app(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[Flask]:
    """Limits counted in memory (the embedded set-up, on each database) and in Redis."""
    if request.param != "redis-storage":
        yield request.getfixturevalue({"sqlite": "sqlite_app", "postgres": "pg_app"}[request.param])
        return
    need("Redis", redis_available(REDIS_TEST_URL), "no server at 127.0.0.1:6379")
    app = make_app(
        sqlite_template_copy(sqlite_template, tmp_path),
        RATELIMIT_STORAGE_URI=REDIS_TEST_URL,
        RATELIMIT_KEY_PREFIX=LIMIT_PREFIX,
    )
    assert type(limiter.storage).__name__ == "RedisStorage"
    try:
        yield app
    finally:
        _dispose(app)
        with Redis.from_url(REDIS_TEST_URL) as connection:
            for key in connection.scan_iter(match=f"*{LIMIT_PREFIX}*"):
                connection.delete(key)


def test_rate_limit_per_ip(limits_app: Flask) -> None:
    limits_app.config["LOGIN_RATE_LIMIT_PER_IP"] = "3/minute"
    client = limits_app.test_client()
    for _ in range(3):  # different logins: only the IP is common
        assert sign_in(client, unique("ip"), "wrong password!").status_code == 200
    response = sign_in(client, unique("ip"), "wrong password!")
    assert response.status_code == 429
    other_ip = limits_app.test_client()
    other_ip.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert sign_in(other_ip, unique("ip"), "wrong password!").status_code == 200
    assert client.get("/regasu/account/login").status_code == 200  # only POSTs count


def test_rate_limit_per_account(limits_app: Flask) -> None:
    limits_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "3/minute"
    account = create_account(limits_app)
    for n in range(3):
        client = limits_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        assert sign_in(client, account.login, "wrong password!").status_code == 200
    fourth = limits_app.test_client()
    fourth.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert sign_in(fourth, account.login.upper(), PASSWORD).status_code == 429  # same account
    assert not is_signed_in(fourth)
    assert sign_in(fourth, create_account(limits_app).login).status_code == 302  # others may


def test_rate_limit_covers_reset_and_resend_mail(limits_app: Flask) -> None:
    limits_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] = "2/minute"
    account = create_account(limits_app)
    client = limits_app.test_client()
    statuses = [
        client.post("/regasu/account/reset", data={"login": account.login}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len([m for m in mails_to(limits_app, "regasu", account.email) if "reset" in m.key]) == 2


def test_signup_is_limited_per_ip(limits_app: Flask) -> None:
    limits_app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2/minute"
    client = limits_app.test_client()
    statuses = []
    for _ in range(3):
        login = unique("many")
        data = {"email": f"{login}@example.jp", "password": PASSWORD, "confirm": PASSWORD}
        statuses.append(client.post("/regasu/account/signup", data={**data, "locale": "ja"}))
    assert [r.status_code for r in statuses] == [302, 302, 429]


def test_an_unknown_login_costs_a_password_check_too(
    any_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No timing difference tells a wrong password from an unknown login."""
    from shisetsu.auth import lockout

    calls: list[str] = []
    real = lockout.verify_password

    def counting(stored: str, password: str) -> tuple[bool, str | None]:
        calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(lockout, "verify_password", counting)
    sign_in(any_app.test_client(), unique("ghost"), "some password")
    assert calls == ["some password"]


# --- CSRF -------------------------------------------------------------------------------


def csrf_token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page(client.get(path)))
    if found is None:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page(client.get(path)))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def test_csrf_is_required_on_every_account_form(any_app: Flask) -> None:
    any_app.config["WTF_CSRF_ENABLED"] = True
    client = any_app.test_client()
    account = create_account(any_app)
    fresh = unique("csrf")

    signup = {"email": f"{fresh}@example.jp", "password": PASSWORD, "confirm": PASSWORD}
    assert client.post("/regasu/account/signup", data={**signup, "locale": "ja"}).status_code == 400
    with tenant_session(any_app, "regasu") as session:
        assert session.scalar(sa.select(Account).where(Account.login.like(f"{fresh}%"))) is None

    assert sign_in(client, account.login).status_code == 400
    assert not is_signed_in(client)
    assert client.post("/regasu/account/reset", data={"login": account.login}).status_code == 400
    assert [m for m in mails_to(any_app, "regasu", account.email) if "reset" in m.key] == []

    token = csrf_token(client, "/regasu/account/login")
    assert sign_in(client, account.login, csrf_token=token).status_code == 302
    stored = account_row(any_app, "regasu", account.login).password_hash
    change = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/regasu/account/password", data=change).status_code == 400
    assert account_row(any_app, "regasu", account.login).password_hash == stored
    assert client.post("/regasu/account/logout").status_code == 400
    assert is_signed_in(client)

    token = csrf_token(client, "/regasu/account/")
    assert client.post("/regasu/account/logout", data={"csrf_token": token}).status_code == 302
    assert not is_signed_in(client)


# --- idle timeout and session fixation -------------------------------------------------


def test_idle_session_is_signed_out_with_a_message(any_app: Flask) -> None:
    any_app.config["IDLE_TIMEOUT_RESIDENT_MINUTES"] = 5
    client = english(any_app.test_client())
    account = create_account(any_app)
    sign_in(client, account.login)
    with client.session_transaction() as session:
        session["last_seen"] -= 4 * 60  # within the limit
    assert is_signed_in(client)
    with client.session_transaction() as session:
        session["last_seen"] -= 5 * 60 + 1
    response = client.get("/regasu/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/regasu/account/login")
    text = page(client.get(response.headers["Location"]))
    assert "You were signed out after 5 minutes without activity." in text
    assert not is_signed_in(client)


def test_session_contents_before_sign_in_are_not_kept(any_app: Flask) -> None:
    client = any_app.test_client()
    account = create_account(any_app)
    with client.session_transaction() as session:
        session["planted"] = "attacker"
        session["_user_id"] = "resident:regasu:999:1"
    before = client.get_cookie("session")
    assert before is not None
    sign_in(client, account.login)
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"resident:regasu:{account.id}:1:")


def test_session_cookie_flags(any_app: Flask) -> None:
    client = any_app.test_client()
    sign_in(client, create_account(any_app).login)
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


# --- the database refuses another tenant's accounts ------------------------------------


@pytest.mark.postgres
def test_accounts_of_another_tenant_are_permission_denied(pg_app: Flask) -> None:
    theirs = create_account(pg_app, "genkikan")
    ours = create_account(pg_app, "regasu")
    for table in ("accounts", "account_tokens", "api_tokens"):
        with tenant_session(pg_app, "regasu") as session:
            with pytest.raises(sa.exc.ProgrammingError) as info:
                session.execute(sa.text(f"SELECT * FROM tenant_genkikan.{table}"))
            assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
    # The unqualified name is the bound tenant's own table: ours is there, theirs is not.
    logins = sa.text("SELECT login FROM accounts WHERE login IN (:ours, :theirs)")
    with tenant_session(pg_app, "regasu") as session:
        found = session.scalars(logins, {"ours": ours.login, "theirs": theirs.login}).all()
    assert found == [ours.login]


def test_reset_link_from_one_operator_is_unknown_at_the_other(any_app: Flask) -> None:
    account = create_account(any_app, "regasu")
    client = any_app.test_client()
    client.post("/regasu/account/reset", data={"login": account.login})
    path = last_mail(any_app, "regasu", account.email, "reset:").link_path()
    assert client.get(path.replace("/regasu/", "/genkikan/")).status_code == 404
