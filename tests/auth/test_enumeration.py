"""Unknown and known logins look the same from outside: the same answers on the way to and
in lockout (residents, staff, auditors), and reset requests whose time does not depend on
whether the account exists."""

from __future__ import annotations

import re
import statistics
import time
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from shisetsu.auth.lockout import login_digest
from shisetsu.extensions import db
from shisetsu.jobs.queue import job_queue
from shisetsu.people.models import UnknownAuditorLogin, UnknownLogin
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_resident, make_staff
from tests.fixtures.services import need, redis_available
from tests.support.accounts import english, error_summary
from tests.support.audit import make_auditor_with_email

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"  # the suite's scratch database
LOGIN_PAGES = {
    "resident": "/regasu/account/login",
    "staff": "/regasu/manage/login",
    "auditor": "/ward/login",
}


def known_login(app: Flask, kind: str) -> str:
    if kind == "resident":
        return make_resident(app, "regasu").login
    if kind == "staff":
        return make_staff(app, "regasu").login
    return make_auditor_with_email(app)[0].login


def answers(client: FlaskClient, url: str, login: str, times: int) -> list[tuple[int, str]]:
    """Status and error summary (digits masked: the unlock time may tick) of each try."""
    out = []
    for _ in range(times):
        response = client.post(url, data={"login": login, "password": "wrong password!"})
        out.append((response.status_code, re.sub(r"\d", "0", error_summary(response))))
    return out


@pytest.mark.parametrize("kind", list(LOGIN_PAGES))
def test_unknown_logins_lock_out_exactly_like_known_ones(any_app: Flask, kind: str) -> None:
    tries = any_app.config["LOCKOUT_THRESHOLD"] + 1
    url = LOGIN_PAGES[kind]
    known = answers(english(any_app.test_client()), url, known_login(any_app, kind), tries)
    nobody = f"nobody{uuid.uuid4().hex[:8]}"
    unknown = answers(english(any_app.test_client()), url, nobody, tries)
    assert known == unknown
    assert "locked" in known[-1][1] and "locked" not in known[0][1]
    model = UnknownAuditorLogin if kind == "auditor" else UnknownLogin
    if kind == "auditor":
        with any_app.app_context():
            row = db.session.get(model, login_digest(nobody))
            assert row is not None and row.locked_until is not None
            db.session.remove()
    else:
        with tenant_session(any_app, "regasu") as session:
            row = session.get(model, login_digest(nobody))
            assert row is not None and row.locked_until is not None
            # only the digest is stored, never the typed login
            assert nobody not in str(session.scalars(sa.select(model.login_digest)).all())


def test_unknown_login_counters_stay_with_their_tenant(any_app: Flask) -> None:
    client = english(any_app.test_client())
    nobody = f"nobody{uuid.uuid4().hex[:8]}"
    client.post("/regasu/account/login", data={"login": nobody, "password": "wrong password!"})
    with tenant_session(any_app, "genkikan") as session:
        assert session.get(UnknownLogin, login_digest(nobody)) is None
    with tenant_session(any_app, "regasu") as session:
        assert session.get(UnknownLogin, login_digest(nobody)) is not None


def test_reset_request_takes_as_long_for_unknown_accounts(any_app: Flask) -> None:
    need("Redis", redis_available(REDIS_TEST_URL), "no server at 127.0.0.1:6379")
    any_app.config["REDIS_URL"] = REDIS_TEST_URL
    any_app.config["JOBS_QUEUE"] = f"shisetsu-test-reset-{uuid.uuid4().hex[:8]}"
    resident = make_resident(any_app, "regasu")
    client = any_app.test_client()

    addresses = iter(range(1, 250))

    def timed(login: str) -> float:
        # A new client address each time: the per-IP limit is not what is measured here.
        environ = {"REMOTE_ADDR": f"192.0.2.{next(addresses)}"}
        start = time.perf_counter()
        response = client.post("/regasu/account/reset", data={"login": login}, environ_base=environ)
        elapsed = time.perf_counter() - start
        assert response.status_code == 302
        return elapsed

    rounds = 8  # under the per-account limit of the known login
    timed(resident.login), timed("warm-up")  # first requests pay for imports and caches
    known, unknown = [], []
    for _ in range(rounds):
        known.append(timed(resident.email))
        unknown.append(timed(f"nobody{uuid.uuid4().hex[:8]}@example.jp"))
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    # Generous: the request only queues a job in both cases, whatever the account.
    assert abs(known_median - unknown_median) < max(0.005, 0.5 * unknown_median), (
        known_median,
        unknown_median,
    )
    with Redis.from_url(REDIS_TEST_URL) as connection, any_app.app_context():
        queue = job_queue(any_app, connection)
        assert queue.count == 2 * rounds + 2  # every request queued the same job
        queue.empty()
