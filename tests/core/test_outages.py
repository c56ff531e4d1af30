"""Outages degrade, never break: with Redis down sign-in and pages work (rate limits fall
back to the process's memory, logged); with PostgreSQL down pages and the API answer 503
with ``Retry-After`` in the reader's language; a rolled-back transaction is a 409; both
recover by themselves. The test runs its own Redis and PostgreSQL and stops them."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from shisetsu import create_app
from tests.fixtures.apps import _dispose, make_app, provision, sqlite_template_copy
from tests.fixtures.auth import PASSWORD, make_resident
from tests.support.api import assert_error
from tests.support.own_services import OwnPostgres, OwnRedis

TENANT = "genkikan"


@pytest.fixture
def own_folder() -> Iterator[Path]:
    """A folder the PostgreSQL user may enter too (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="shisetsu-outage-"))
    folder.chmod(0o711)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def own_redis(own_folder: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(own_folder / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres(own_folder: Path) -> Iterator[OwnPostgres]:
    server = OwnPostgres(own_folder / "pg")
    server.init()
    server.start()
    yield server
    server.stop()


def sign_in(app: Flask, login: str) -> int:
    response = app.test_client().post(
        f"/{TENANT}/account/login", data={"login": login, "password": PASSWORD}
    )
    return response.status_code


def test_sign_in_and_pages_survive_redis_going_away(
    own_redis: OwnRedis,
    sqlite_template: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(sqlite_template_copy(sqlite_template, tmp_path), REDIS_URL=own_redis.url)
    resident = make_resident(app, TENANT)
    store = redis.Redis.from_url(own_redis.url)
    assert sign_in(app, resident.login) == 302
    assert store.keys("LIMITS*"), "the rate limiter keeps its counts in Redis"

    own_redis.stop()
    with caplog.at_level(logging.WARNING):
        started = time.monotonic()
        assert sign_in(app, resident.login) == 302
        assert sign_in(app, resident.login) == 302
        assert time.monotonic() - started < 10  # short timeouts, no hanging sign-in
        assert app.test_client().get(f"/{TENANT}/").status_code == 200
    assert any("falling back" in r.getMessage() for r in caplog.records)

    own_redis.start()  # empty: the counts come back only if the limiter returns to Redis
    store = redis.Redis.from_url(own_redis.url)
    deadline = time.monotonic() + 20
    while not store.keys("LIMITS*") and time.monotonic() < deadline:
        assert sign_in(app, resident.login) in (302, 429)  # limited, never broken
        time.sleep(0.5)
    assert store.keys("LIMITS*"), "the limiter went back to Redis without a restart"
    _dispose(app)


@pytest.mark.postgres
def test_pages_and_api_answer_503_while_postgres_is_down(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    app = make_app(
        tmp_path / "instance",
        DATABASE_URL=own_postgres.url,
        DATABASE_ADMIN_URL=own_postgres.url,
        TENANT_CACHE_SECONDS=0,
    )
    provision(app)
    resident = make_resident(app, TENANT)
    client = app.test_client()
    assert client.get(f"/{TENANT}/").status_code == 200

    own_postgres.stop()
    page = client.get(f"/{TENANT}/")
    assert page.status_code == 503
    assert page.headers["Retry-After"].isdigit()
    assert "一時的にご利用いただけません" in page.get_data(as_text=True)
    english = app.test_client()
    english.set_cookie("lang", "en")
    page = english.get(f"/{TENANT}/")
    assert page.status_code == 503 and "briefly unavailable" in page.get_data(as_text=True)
    assert page.headers["Retry-After"]
    assert sign_in(app, resident.login) == 503
    api = client.get(f"/api/v1/{TENANT}/facilities")
    assert_error(api, 503, "unavailable")
    assert api.headers["Retry-After"]

    own_postgres.start()
    assert client.get(f"/{TENANT}/").status_code == 200  # no restart
    assert sign_in(app, resident.login) == 302
    assert client.get(f"/api/v1/{TENANT}/facilities").status_code == 200
    _dispose(app)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (psycopg.errors.DeadlockDetected, 409),
        (psycopg.errors.SerializationFailure, 409),
        (psycopg.errors.AdminShutdown, 503),
    ],
)
def test_database_errors_become_answers(tmp_path: Path, error: type, status: int) -> None:
    app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path)})

    def fails() -> str:
        raise sa.exc.OperationalError("UPDATE …", {}, error("from the database"))

    fails.access = ("public",)  # type: ignore[attr-defined]
    app.add_url_rule("/outage-probe", "outage_probe", fails)
    app.add_url_rule("/api/outage-probe", "api_outage_probe", fails)
    response = app.test_client().get("/outage-probe")
    assert response.status_code == status and response.mimetype == "text/html"
    code = "conflict" if status == 409 else "unavailable"
    assert_error(app.test_client().get("/api/outage-probe"), status, code)
