"""``queue_mail``: add a mail to the tenant's outbox inside the caller's transaction."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.jobs import enqueue_after_commit
from shisetsu.notify.models import OutboxMessage

RELAY_JOB = "shisetsu.notify.jobs.relay_job"
LOCALES = ("ja", "en")
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\]+")
_SUBJECT_MAX = 300


def queue_mail(
    session: Session,
    *,
    key: str,
    to: str,
    subject: str,
    body: str,
    kind: str,
    locale: str | None,
) -> bool:
    """Add one mail; returns False (and adds nothing) if ``key`` is already in the outbox.

    ``key`` identifies the event being reported ("booking:42:confirmed") so that reporting
    it twice sends one mail. Nothing leaves the process here: if the caller rolls back the
    mail is gone too; once it commits, a relay job is queued for the session's tenant.
    Raises ValueError for an address or subject that could not be sent.
    """
    _check(key=key, to=to, subject=subject, kind=kind, locale=locale)
    now = utcnow()
    values = {
        "idempotency_key": key,
        "kind": kind,
        "to_address": to,
        "locale": locale,
        "subject": _shorten(subject, _SUBJECT_MAX),
        "body_text": body,
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": now,
    }
    dialect = session.get_bind(OutboxMessage).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(OutboxMessage)
        .values(values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)
    )
    added = session.execute(statement).first() is not None  # no row back: the key was there
    tenant = session.info.get(TENANT_KEY)
    if added and tenant is not None:
        enqueue_after_commit(session, RELAY_JOB, tenant=tenant.slug)
    return added


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check(*, key: str, to: str, subject: str, kind: str, locale: str | None) -> None:
    if not key or len(key) > 200:
        raise ValueError("idempotency key must be 1-200 characters")
    if not kind or len(kind) > 50:
        raise ValueError("kind must be 1-50 characters")
    if len(to) > 254 or not _ADDRESS.fullmatch(to):
        raise ValueError(f"not a single plain mail address: {to!r}")
    if "\r" in subject or "\n" in subject:
        raise ValueError("subject must be one line")
    if locale is not None and locale not in LOCALES:
        raise ValueError(f"locale must be one of {LOCALES} or None, not {locale!r}")


def pending_count(session: Session) -> int:
    """How many mails still wait to be sent (for health pages and tests)."""
    query = sa.select(sa.func.count()).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at.is_not(None)
    )
    return int(session.scalar(query) or 0)


def recent_mail(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """The newest ``limit`` rows, detached-safe (every column loaded)."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    return list(session.scalars(query))
