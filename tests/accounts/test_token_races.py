"""Mailed tokens are single-use under concurrency: of N simultaneous uses exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask

from shisetsu.accounts import operations as ops
from shisetsu.db import utcnow
from shisetsu.people.models import Account
from shisetsu.tenancy.binding import find_tenant, tenant_session
from tests.fixtures.auth import make_resident
from tests.support.accounts import NEW_PASSWORD

USERS = 6


def mailed_token(app: Flask, account_id: int, purpose: str) -> str:
    with tenant_session(app, "regasu") as session:
        account = session.get(Account, account_id)
        assert account is not None
        _, token = ops.issue_mail_token(session, account, purpose, utcnow() + timedelta(hours=1))
        session.commit()
        return token


def race(app: Flask, use: object) -> list[str]:
    """Run ``use(session, tenant)`` in USERS threads released together; their outcomes."""
    barrier = threading.Barrier(USERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context():
            tenant = find_tenant("regasu")
            with tenant_session(app, "regasu") as session:
                barrier.wait(timeout=10)
                try:
                    use(session, tenant)  # type: ignore[operator]
                    session.commit()
                    outcome = "ok"
                except ops.TokenProblem:
                    session.rollback()
                    outcome = "refused"
                except Exception as exc:
                    session.rollback()
                    outcome = f"error {type(exc).__name__}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    return outcomes


@pytest.mark.parametrize("purpose", [ops.RESET, ops.VERIFY])
def test_exactly_one_concurrent_use_of_a_token_succeeds(any_app: Flask, purpose: str) -> None:
    resident = make_resident(any_app, "regasu", verified=purpose != ops.VERIFY)
    token = mailed_token(any_app, resident.id, purpose)
    if purpose == ops.RESET:

        def use(session: object, tenant: object) -> None:
            ops.complete_reset(session, tenant, token, NEW_PASSWORD, now=utcnow())  # type: ignore[arg-type]
    else:

        def use(session: object, tenant: object) -> None:
            ops.verify_email(session, token, now=utcnow())  # type: ignore[arg-type]

    outcomes = race(any_app, use)
    assert len(outcomes) == USERS
    assert outcomes.count("ok") == 1, outcomes
    with tenant_session(any_app, "regasu") as session:
        state, _ = ops.check_token(session, token, purpose, utcnow())
    assert state is ops.TokenState.USED


def test_a_used_reset_token_is_refused_afterwards(any_app: Flask) -> None:
    resident = make_resident(any_app, "regasu")
    token = mailed_token(any_app, resident.id, ops.RESET)
    with any_app.app_context():
        tenant = find_tenant("regasu")
        with tenant_session(any_app, "regasu") as session:
            ops.complete_reset(session, tenant, token, NEW_PASSWORD, now=utcnow())  # type: ignore[arg-type]
            session.commit()
        with tenant_session(any_app, "regasu") as session, pytest.raises(ops.TokenProblem):
            ops.complete_reset(session, tenant, token, NEW_PASSWORD + "x", now=utcnow())  # type: ignore[arg-type]
