"""The transactional outbox: mail lives and dies with the transaction, and is sent once.

Behaviour runs on SQLite and PostgreSQL (``any_app``); the concurrent relays run on both,
and on PostgreSQL must also split the work (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.db import utcnow
from shisetsu.notify import queue_mail, relay_outbox
from shisetsu.notify.models import OutboxMessage
from shisetsu.notify.outbox import pending_count
from shisetsu.notify.relay import RelayResult, RetryPolicy
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.mail import SmtpSink

TENANT = "regasu"
REDIS_DOWN = "redis://127.0.0.1:1/0"


def queue(session: sa.orm.Session, key: str, to: str = "taro@example.jp") -> bool:
    return queue_mail(
        session,
        key=key,
        to=to,
        subject="予約を受け付けました",
        body="新宿区民会館 第1会議室\n2026年12月1日 9:00-12:00\n",
        kind="booking_received",
        locale="ja",
    )


def rows(app: Flask, slug: str = TENANT) -> list[OutboxMessage]:
    with tenant_session(app, slug) as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def app(any_app: Flask) -> Iterator[Flask]:
    """An app on each database whose outboxes start empty (the PostgreSQL one is shared)."""
    for slug in ("regasu", "genkikan"):
        with tenant_session(any_app, slug) as session:
            session.execute(sa.delete(OutboxMessage))
            session.commit()
    yield any_app


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def test_rolled_back_transaction_queues_nothing(app: Flask, sink: SmtpSink) -> None:
    app.config["SMTP_URL"] = sink.url
    with tenant_session(app, TENANT) as session:
        assert queue(session, "booking:1:received")
        session.rollback()
    assert rows(app) == []
    assert sink.received == []


def test_committed_mail_is_one_row_in_its_tenant_only(app: Flask) -> None:
    with tenant_session(app, TENANT) as session:
        queue(session, "booking:1:received")
        session.commit()
    [row] = rows(app)
    assert (row.idempotency_key, row.to_address, row.kind) == (
        "booking:1:received",
        "taro@example.jp",
        "booking_received",
    )
    assert row.created_at.tzinfo is not None
    assert rows(app, "genkikan") == []


def test_same_key_twice_adds_nothing(app: Flask) -> None:
    with tenant_session(app, TENANT) as session:
        assert queue(session, "booking:7:received") is True
        assert queue(session, "booking:7:received") is False  # same transaction
        session.commit()
    with tenant_session(app, TENANT) as session:
        assert queue(session, "booking:7:received", to="other@example.jp") is False
        session.commit()
    [row] = rows(app)
    assert row.to_address == "taro@example.jp"


def test_the_same_key_in_two_tenants_is_two_mails(app: Flask) -> None:
    for slug in ("regasu", "genkikan"):
        with tenant_session(app, slug) as session:
            assert queue(session, "booking:1:received")
            session.commit()
    assert len(rows(app, "regasu")) == len(rows(app, "genkikan")) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"to": "not-an-address"},
        {"to": "a@example.jp, b@example.jp"},
        {"subject": "two\nlines"},
        {"locale": "fr"},
        {"key": ""},
    ],
)
def test_unsendable_mail_is_refused_at_once(app: Flask, bad: dict[str, str]) -> None:
    mail = {
        "key": "k",
        "to": "taro@example.jp",
        "subject": "s",
        "body": "b",
        "kind": "test",
        "locale": "ja",
    }
    with tenant_session(app, TENANT) as session, pytest.raises(ValueError):
        queue_mail(session, **{**mail, **bad})  # type: ignore[arg-type]


def test_commit_triggers_the_relay_and_sends_each_due_row_once(app: Flask, sink: SmtpSink) -> None:
    app.config["SMTP_URL"] = sink.url
    with tenant_session(app, TENANT) as session:
        for n in range(3):
            queue(session, f"booking:{n}:received", to=f"user{n}@example.jp")
        assert sink.received == []  # nothing leaves before the commit
        session.commit()
    # No Redis configured: the relay ran in-process right after the commit.
    assert sorted(r.rcpt_tos[0] for r in sink.received) == [
        "user0@example.jp",
        "user1@example.jp",
        "user2@example.jp",
    ]
    with tenant_session(app, TENANT) as session:
        assert relay_outbox(session) == RelayResult()
        assert pending_count(session) == 0
    assert len(sink.received) == 3
    for row in rows(app):
        assert (row.state, row.attempts, row.delivered_via) == ("sent", 1, "smtp")
        assert row.next_attempt_at is None


def test_without_smtp_mail_is_delivered_locally(app: Flask) -> None:
    app.config["SMTP_URL"] = ""
    with tenant_session(app, TENANT) as session:
        queue(session, "booking:1:received")
        session.commit()
    [row] = rows(app)
    assert (row.state, row.delivered_via) == ("sent", "local")


def test_smtp_failure_is_retried_with_backoff_then_sent(app: Flask) -> None:
    server = SmtpSink()  # not started yet: its port refuses connections
    app.config["SMTP_URL"] = server.url
    start = utcnow()
    with tenant_session(app, TENANT) as session:
        queue(session, "booking:1:received")
        session.commit()  # the in-process relay tries once and fails
    [row] = rows(app)
    assert (row.state, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.last_error and "Connection" in row.last_error
    assert row.next_attempt_at is not None
    first_wait = row.next_attempt_at - start
    assert timedelta(seconds=59) < first_wait < timedelta(seconds=65)

    with tenant_session(app, TENANT) as session:
        assert relay_outbox(session) == RelayResult()  # not due yet: nothing tried
        later = start + timedelta(seconds=61)
        assert relay_outbox(session, now=later) == RelayResult(retrying=1)
    [row] = rows(app)
    assert row.attempts == 2
    assert row.next_attempt_at == later + timedelta(seconds=120)  # doubled

    server.start()
    try:
        with tenant_session(app, TENANT) as session:
            assert relay_outbox(session, now=later + timedelta(minutes=3)) == RelayResult(sent=1)
            assert relay_outbox(session, now=later + timedelta(hours=9)) == RelayResult()
    finally:
        server.stop()
    [row] = rows(app)
    assert (row.state, row.attempts) == ("sent", 3)
    assert row.last_error  # the history of the failure stays readable
    assert len(server.received) == 1


def test_gives_up_after_the_last_attempt_and_keeps_the_row(app: Flask) -> None:
    app.config.update(SMTP_URL=SmtpSink().url, OUTBOX_MAX_ATTEMPTS=2)
    with tenant_session(app, TENANT) as session:
        queue(session, "booking:1:received")
        session.commit()  # attempt 1
        assert relay_outbox(session, now=utcnow() + timedelta(hours=1)) == RelayResult(failed=1)
        assert relay_outbox(session, now=utcnow() + timedelta(days=30)) == RelayResult()
    [row] = rows(app)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", 2, None)
    assert row.last_error


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=20, base_seconds=60, max_seconds=3600)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 15)] == [
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


def test_two_relays_at_once_send_every_message_exactly_once(app: Flask) -> None:
    """Two workers sweep the same outbox concurrently, each with its own session."""
    server = SmtpSink(delay=0.01)
    app.config.update(SMTP_URL=server.url, REDIS_URL=REDIS_DOWN)  # no relay at commit
    total = 40
    with tenant_session(app, TENANT) as session:
        for n in range(total):
            queue(session, f"booking:{n}:received", to=f"user{n}@example.jp")
        session.commit()
    assert len(rows(app)) == total

    results: list[RelayResult] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def relay() -> None:
        try:
            with tenant_session(app, TENANT) as session:
                session.connection()  # connect before the race starts
                barrier.wait()
                results.append(relay_outbox(session))
        except BaseException as exc:
            errors.append(exc)

    server.start()
    try:
        threads = [threading.Thread(target=relay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a relay thread is still running"
    finally:
        server.stop()

    assert errors == []
    assert sum(r.sent for r in results) == total
    ids = server.message_ids()
    assert len(ids) == total and len(set(ids)) == total  # counted at the SMTP server
    assert all(row.state == "sent" and row.attempts == 1 for row in rows(app))
    if app.config["DATABASE_URL"].startswith("postgresql"):
        assert all(r.sent > 0 for r in results), f"the relays did not share the work: {results}"
