"""``relay_outbox``: send the due rows of one tenant's outbox, each at most once.

Each row is claimed, sent and marked in its own short transaction: ``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so concurrent relays (a triggered job and the periodic sweep)
split the rows instead of sending one twice; the row is marked sent in the same transaction,
committed right after the SMTP server accepted the message. A crash between the two can
only repeat that one handoff, under the same Message-ID. On SQLite one relay per process
runs at a time (the embedded setup is a single process).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.notify.message import build_message, sender_address
from shisetsu.notify.models import OutboxMessage
from shisetsu.notify.transport import DeliveryError, Transport, open_transport

log = logging.getLogger("shisetsu.notify")

_sqlite_locks: dict[str, threading.Lock] = {}
_sqlite_locks_guard = threading.Lock()


@dataclass
class RelayResult:
    """What one relay run did."""

    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # given up (too many attempts or a permanent refusal)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**(attempts-1)`` seconds, capped; give up after N."""

    max_attempts: int
    base_seconds: float
    max_seconds: float

    @classmethod
    def from_config(cls, config: Any) -> RetryPolicy:
        """Read ``OUTBOX_MAX_ATTEMPTS`` and ``OUTBOX_RETRY_*`` from the app config."""
        return cls(
            int(config["OUTBOX_MAX_ATTEMPTS"]),
            float(config["OUTBOX_RETRY_BASE_SECONDS"]),
            float(config["OUTBOX_RETRY_MAX_SECONDS"]),
        )

    def delay(self, attempts: int) -> timedelta:
        """Wait before the next try after ``attempts`` failed ones."""
        return timedelta(
            seconds=min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        )


def relay_outbox(
    session: Session,
    *,
    limit: int | None = None,
    now: datetime | None = None,
    transport: Transport | None = None,
) -> RelayResult:
    """Send up to ``limit`` due mails of the session's tenant; commits after each one.

    Call it on a tenant-bound session with nothing else pending. ``now`` (default: the
    current time) decides what is due; ``transport`` defaults to :func:`open_transport`.
    """
    config = current_app.config
    run = _Run(
        session=session,
        transport=transport or open_transport(current_app),
        mail_from=config["MAIL_FROM"],
        tenant=_tenant_slug(session),
        policy=RetryPolicy.from_config(config),
        now=now or utcnow(),
    )
    limit = limit if limit is not None else int(config["OUTBOX_BATCH"])
    try:
        with _one_relay_per_sqlite_file(session):
            for _ in range(limit):
                row = run.claim_next()
                if row is None or not run.deliver(row):
                    break
    finally:
        session.rollback()  # release a claim left open by an unexpected error
        if transport is None:
            run.transport.close()
    if run.result.sent or run.result.retrying or run.result.failed:
        log.info("outbox relay", extra={"tenant": run.tenant, **asdict(run.result)})
    return run.result


@dataclass
class _Run:
    session: Session
    transport: Transport
    mail_from: str
    tenant: str
    policy: RetryPolicy
    now: datetime
    result: RelayResult = field(default_factory=RelayResult)

    def claim_next(self) -> OutboxMessage | None:
        """Lock the next due row (skipping rows another relay holds)."""
        query = (
            sa.select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= self.now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return self.session.scalars(query).first()

    def deliver(self, row: OutboxMessage) -> bool:
        """Send one claimed row and commit its new state; False when the relay should stop."""
        row.attempts += 1
        try:
            try:
                message = build_message(row, mail_from=self.mail_from, tenant=self.tenant)
            except (ValueError, TypeError) as exc:
                raise DeliveryError(f"cannot build message: {exc}", permanent=True) from exc
            self.transport.send(message, sender_address(self.mail_from), row.to_address)
        except DeliveryError as exc:
            self._failed(row, exc)
            self.session.commit()
            return not exc.connection
        row.sent_at = utcnow()
        row.next_attempt_at = None
        row.delivered_via = self.transport.name
        self.session.commit()
        self.result.sent += 1
        return True

    def _failed(self, row: OutboxMessage, exc: DeliveryError) -> None:
        row.last_error = str(exc)
        if exc.permanent or row.attempts >= self.policy.max_attempts:
            row.next_attempt_at = None
            self.result.failed += 1
            log.warning(
                "outbox: giving up on a message",
                extra={"tenant": self.tenant, "outbox_id": row.id, "error": row.last_error},
            )
        else:
            row.next_attempt_at = self.now + self.policy.delay(row.attempts)
            self.result.retrying += 1


def _tenant_slug(session: Session) -> str:
    tenant = session.info.get(TENANT_KEY)
    return tenant.slug if tenant is not None else "platform"


@contextmanager
def _one_relay_per_sqlite_file(session: Session) -> Iterator[None]:
    bind = session.get_bind(OutboxMessage)
    if bind.dialect.name != "sqlite":
        yield
        return
    with _sqlite_locks_guard:
        lock = _sqlite_locks.setdefault(str(bind.engine.url), threading.Lock())
    with lock:
        yield
