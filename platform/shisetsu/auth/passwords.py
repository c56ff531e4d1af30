"""Password hashing with argon2id; hashes are upgraded on login when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg.get("ARGON2_TIME_COST", 3),
        memory_cost=cfg.get("ARGON2_MEMORY_COST", 65536),
        parallelism=cfg.get("ARGON2_PARALLELISM", 4),
    )


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` with the configured parameters."""
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> tuple[bool, str | None]:
    """Check ``password``; returns (ok, new hash if the stored one needs upgrading)."""
    hasher = _hasher()
    try:
        hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    return True, hasher.hash(password) if hasher.check_needs_rehash(stored) else None


def password_problems(password: str, *, login: str = "") -> list[str]:
    """Reasons a new password is refused (English msgids; the caller translates)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    if login and password.lower() == login.lower():
        problems.append("same_as_login")
    return problems
