"""CSRF and the secure defaults are on in every environment but testing, as configured.

Each environment's app is built by the factory from ``config/*.toml`` (no database is
needed: nothing here queries one). Testing is the only environment that turns CSRF off;
secure cookies and HSTS are for the environments served over HTTPS, that is every one but
development (``make run`` serves plain http://127.0.0.1:5000) and testing.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from flask import Flask, session
from flask.testing import FlaskClient

from shisetsu import create_app
from shisetsu.config import ENVIRONMENTS
from shisetsu.paths import CONFIG_DIR

TESTING = "testing"
OVER_PLAIN_HTTP = ("development", TESTING)
GUARDED = [env for env in ENVIRONMENTS if env != TESTING]
OVER_HTTPS = [env for env in ENVIRONMENTS if env not in OVER_PLAIN_HTTP]
# What an HTTPS environment needs to start at all (production refuses SQLite, the
# default key and no database role secret); nothing connects to this server.
STARTABLE = {
    "SECRET_KEY": "a-long-random-key-for-this-test-only-dummy",
    "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:5432/none",
    "DATABASE_ROLE_SECRET": "a-long-random-database-role-secret-dummy",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configuration files alone: no SHISETSU_* setting the shell may have exported."""
    for name in list(os.environ):
        if name.startswith("SHISETSU_"):
            monkeypatch.delenv(name)


def app_for(env: str, tmp_path: Path) -> Flask:
    overrides: dict[str, object] = {"ENV_NAME": env, "INSTANCE_PATH": str(tmp_path)}
    if env in OVER_HTTPS:
        overrides.update(STARTABLE)
    return create_app(overrides)


def session_cookie(app: Flask) -> str:
    """The Set-Cookie header Flask writes for a session with something in it."""
    with app.test_request_context("/"):
        session["probe"] = 1
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
        return response.headers["Set-Cookie"]


def lang_cookie(client: FlaskClient) -> str:
    return client.get("/lang/en?next=/").headers["Set-Cookie"]


def attributes(cookie: str) -> set[str]:
    """A cookie's attributes, lower-cased, without the name=value pair and Max-Age."""
    parts = [p.strip().lower() for p in cookie.split(";")[1:]]
    return {p for p in parts if not p.startswith(("max-age", "expires", "path"))}


@pytest.mark.parametrize("env", GUARDED)
def test_csrf_is_on(env: str, tmp_path: Path) -> None:
    app = app_for(env, tmp_path)
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert app.config["WTF_CSRF_CHECK_DEFAULT"] is True  # every view, not only marked ones
    # A form POST without a token is refused before the view (and before any database).
    response = app.test_client().post("/ward/logout")
    assert response.status_code == 400


def test_only_the_testing_configuration_turns_csrf_off(tmp_path: Path) -> None:
    assert (
        create_app({"ENV_NAME": TESTING, "INSTANCE_PATH": str(tmp_path)}).config["WTF_CSRF_ENABLED"]
        is False
    )
    setting = {
        path.name: tomllib.loads(path.read_text())["WTF_CSRF_ENABLED"]
        for path in sorted(CONFIG_DIR.glob("*.toml"))
        if "WTF_CSRF_ENABLED" in tomllib.loads(path.read_text())
    }
    assert setting == {"testing.toml": False}


@pytest.mark.parametrize("env", GUARDED)
def test_cookies_are_http_only_and_same_site(env: str, tmp_path: Path) -> None:
    app = app_for(env, tmp_path)
    secure = {"secure"} if env in OVER_HTTPS else set()
    assert attributes(session_cookie(app)) == {"httponly", "samesite=lax"} | secure
    assert attributes(lang_cookie(app.test_client())) == {"httponly", "samesite=lax"} | secure


@pytest.mark.parametrize("env", OVER_HTTPS)
def test_https_environments_send_secure_cookies_and_hsts(env: str, tmp_path: Path) -> None:
    app = app_for(env, tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    response = app.test_client().get("/lang/en?next=/")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_security_headers(env: str, tmp_path: Path) -> None:
    headers = app_for(env, tmp_path).test_client().get("/lang/en?next=/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert ("Strict-Transport-Security" in headers) == (env in OVER_HTTPS)


def test_every_environment_is_checked() -> None:
    """A new environment lands in one of the lists above by its name, never in none."""
    assert set(GUARDED) | {TESTING} == set(ENVIRONMENTS)
    assert "production" in OVER_HTTPS
