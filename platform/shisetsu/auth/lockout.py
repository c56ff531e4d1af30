"""Password checks with lockout: repeated failures lock the account for a while."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shisetsu.auth.passwords import hash_password, verify_password


class Outcome(enum.Enum):
    """Result of a sign-in attempt."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class UnknownCounter:
    """Where failures of a login that names nobody are counted (tenant or platform table)."""

    session: Session
    model: Any  # people.models.UnknownLogin or UnknownAuditorLogin
    login: str


@dataclass(frozen=True)
class Attempt:
    """Outcome plus, when locked, the time the lock ends (for the message)."""

    outcome: Outcome
    locked_until: datetime | None = None


def authenticate(
    record: Any | None, password: str, now: datetime, *, unknown: UnknownCounter | None = None
) -> Attempt:
    """Check ``password`` against ``record`` and update its lockout state (caller commits).

    An unknown login is answered exactly like a wrong password, so logins cannot be probed:
    a decoy hash is verified (same time), and with ``unknown`` its failures are counted in a
    table of their own, so it locks after as many tries and with the same words.
    """
    if record is None:
        verify_password(_decoy_hash(), password)  # as slow as a real check: no timing probe
        if unknown is None or not unknown.login.strip():
            return Attempt(Outcome.BAD_CREDENTIALS)
        record = _unknown_row(unknown, now)
        if record.locked_until is not None and _aware(record.locked_until) > now:
            return Attempt(Outcome.LOCKED, _aware(record.locked_until))
        return _failed(record, now)
    if record.locked_until is not None and _aware(record.locked_until) > now:
        return Attempt(Outcome.LOCKED, _aware(record.locked_until))
    ok, new_hash = verify_password(record.password_hash, password)
    if not ok:
        return _failed(record, now)
    record.failed_logins = 0
    record.locked_until = None
    record.last_login_at = now
    if new_hash:
        record.password_hash = new_hash
    return Attempt(Outcome.OK)


def _failed(record: Any, now: datetime) -> Attempt:
    """Count one failure; lock for a while at the threshold."""
    record.failed_logins = (record.failed_logins or 0) + 1
    if record.failed_logins >= current_app.config.get("LOCKOUT_THRESHOLD", 5):
        minutes = current_app.config.get("LOCKOUT_MINUTES", 15)
        record.locked_until = _aware(now) + timedelta(minutes=minutes)
        record.failed_logins = 0
        return Attempt(Outcome.LOCKED, record.locked_until)
    return Attempt(Outcome.BAD_CREDENTIALS)


def login_digest(login: str) -> str:
    """sha256 of a normalised login: unknown logins are counted without storing them."""
    return hashlib.sha256(login.strip().casefold().encode()).hexdigest()


def _unknown_row(unknown: UnknownCounter, now: datetime) -> Any:
    """The counter row of an unknown login, made on its first failure (races tolerated)."""
    digest = login_digest(unknown.login)
    session, model = unknown.session, unknown.model
    row: Any = session.get(model, digest)
    if row is None:
        try:
            with session.begin_nested():
                session.add(model(login_digest=digest, failed_logins=0, updated_at=now))
        except IntegrityError:
            pass  # a concurrent first failure made it
        row = session.get(model, digest)
    row.updated_at = now
    return row


def purge_unknown_logins(session: Session, model: Any, *, before: datetime) -> int:
    """Forget unknown-login counters untouched since ``before`` and not locked."""
    result = session.execute(
        sa.delete(model).where(
            model.updated_at < before,
            sa.or_(model.locked_until.is_(None), model.locked_until < before),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _decoy_hash() -> str:
    """A hash with the current parameters, made once per parameter set."""
    cfg = current_app.config
    key = (
        cfg.get("ARGON2_TIME_COST"),
        cfg.get("ARGON2_MEMORY_COST"),
        cfg.get("ARGON2_PARALLELISM"),
    )
    if key not in _DECOYS:
        _DECOYS[key] = hash_password(secrets.token_hex(16))
    return _DECOYS[key]


_DECOYS: dict[tuple[Any, ...], str] = {}


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
