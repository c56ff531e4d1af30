"""Password checks with lockout: repeated failures lock the account for a while."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app

from shisetsu.auth.passwords import hash_password, verify_password


class Outcome(enum.Enum):
    """Result of a sign-in attempt."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class Attempt:
    """Outcome plus, when locked, the time the lock ends (for the message)."""

    outcome: Outcome
    locked_until: datetime | None = None


def authenticate(record: Any | None, password: str, now: datetime) -> Attempt:
    """Check ``password`` against ``record`` and update its lockout state (caller commits).

    An unknown login is answered exactly like a wrong password, so logins cannot be probed.
    """
    if record is None:
        verify_password(_decoy_hash(), password)  # as slow as a real check: no timing probe
        return Attempt(Outcome.BAD_CREDENTIALS)
    if record.locked_until is not None and _aware(record.locked_until) > now:
        return Attempt(Outcome.LOCKED, _aware(record.locked_until))
    ok, new_hash = verify_password(record.password_hash, password)
    if not ok:
        record.failed_logins = (record.failed_logins or 0) + 1
        if record.failed_logins >= current_app.config.get("LOCKOUT_THRESHOLD", 5):
            minutes = current_app.config.get("LOCKOUT_MINUTES", 15)
            record.locked_until = now + timedelta(minutes=minutes)
            record.failed_logins = 0
            return Attempt(Outcome.LOCKED, record.locked_until)
        return Attempt(Outcome.BAD_CREDENTIALS)
    record.failed_logins = 0
    record.locked_until = None
    record.last_login_at = now
    if new_hash:
        record.password_hash = new_hash
    return Attempt(Outcome.OK)


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
