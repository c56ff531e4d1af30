"""Password hashing with argon2id (hashes are upgraded on login when parameters change) and
the rules a new password must pass: a minimum length and a zxcvbn strength estimate."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 10
# zxcvbn's 0–4 scale; 3 is "safely unguessable: moderate protection from offline attack".
MIN_PASSWORD_SCORE = 3
# zxcvbn's cost grows with the length; what lies beyond this only makes a password stronger.
SCORED_CHARACTERS = 100
# zxcvbn's pattern of the weakest part → our own hint (its feedback is English only).
HINTS = {
    "repeat": "repeats",
    "sequence": "sequence",
    "spatial": "keyboard",
    "date": "dates",
    "regex": "dates",  # recent years
}


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


def password_problems(
    password: str, *, login: str = "", personal: Iterable[str | None] = ()
) -> list[str]:
    """Reasons a new password is refused, as codes (``PASSWORD_MESSAGES`` translates them).

    ``login`` and ``personal`` (name, e-mail address …) are what zxcvbn treats as easy for
    someone who knows the person; a password that is one of them is refused outright.
    """
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("too_short")
    inputs = _user_inputs(login, *personal)
    if password.strip().lower() in inputs:
        problems.append("same_as_login")
    if problems:
        return problems
    if len(_without(password.lower(), inputs)) < MIN_PASSWORD_LENGTH:
        return ["too_guessable", "personal"]  # a name with a digit or two added
    result = zxcvbn(password[:SCORED_CHARACTERS], user_inputs=sorted(inputs))
    if int(result["score"]) >= MIN_PASSWORD_SCORE:
        return []
    return ["too_guessable", _hint(result["sequence"])]


def _user_inputs(*values: str | None) -> set[str]:
    """Each value lower-cased, and an e-mail address's and a name's parts on their own."""
    words: set[str] = set()
    for value in values:
        text = (value or "").strip().lower()
        if not text:
            continue
        words.add(text)
        words.update(part for part in re.split(r"[@.\s_+-]+", text) if len(part) >= 3)
    return words


def _without(password: str, inputs: set[str]) -> str:
    """``password`` with every personal word of three or more letters taken out."""
    for word in sorted(inputs, key=len, reverse=True):
        if len(word) >= 3:
            password = password.replace(word, "")
    return password


def _hint(sequence: Iterable[Any]) -> str:
    """What to change, from the match that contributes the fewest guesses."""
    sequence = list(sequence)
    if any(m.get("dictionary_name") == "user_inputs" for m in sequence):
        return "personal"
    if any(m.get("dictionary_name") == "passwords" for m in sequence):
        return "common"
    for match in sorted(sequence, key=lambda m: float(m.get("guesses", 0))):
        hint = HINTS.get(str(match.get("pattern")))
        if hint:
            return hint
    return "words"
