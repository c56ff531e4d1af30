"""Creating staff members and ward auditors: individual accounts with TOTP required.

Both kinds are made by someone else (a responsible person, or the platform operator on the
CLI) and receive an initial password that is shown once, never stored in clear, and good
for one sign-in only: the person chooses their own before anything else opens.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from shisetsu.auth.passwords import hash_password, password_problems, verify_password
from shisetsu.auth.second_factor import preset_secret
from shisetsu.refusals import Refusal

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# No 0/O, 1/l/I: the initial password is read off a screen and typed once.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105

MESSAGES: dict[str, LazyString] = {
    "invalid_login": _l(
        "A login must be 2 to 64 characters: letters, digits, '.', '_' or '-', "
        "starting with a letter or digit."
    ),
    "missing_name": _l("Please enter a name."),
    "invalid_email": _l("Please enter a valid email address."),
    "invalid_role": _l("Please choose one of the roles."),
    "unknown_login": _l("No active account has this login."),
    "login_taken": _l("This login is already in use (removed accounts keep their login)."),
    "self_removal": _l("You cannot remove yourself. Ask another responsible person."),
    "self_reset": _l(
        "You cannot reset your own sign-in here. Ask another responsible person, or make new "
        "recovery codes on your two-step sign-in page."
    ),
    "own_role": _l("You cannot change your own role. Ask another responsible person."),
    "last_responsible": _l(
        "There must always be at least one responsible person. Appoint another one first."
    ),
}

R = TypeVar("R")


class PersonnelError(Refusal, ValueError):
    """A staff or auditor change was refused; ``code`` is stable, ``message`` translated."""

    def __init__(self, code: str) -> None:
        super().__init__(code)

    @property
    def message(self) -> LazyString:
        return MESSAGES[self.code]


def initial_password() -> str:
    """A random one-time password like ``k7Qm-xR2p-Ht9c-wZ4e`` (about 90 bits)."""
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def normalise_login(login: str) -> str:
    """Logins are compared case-insensitively: store them lower-case."""
    value = (login or "").strip().lower()
    if not LOGIN_RE.fullmatch(value):
        raise PersonnelError("invalid_login")
    return value


def clean_email(email: str | None) -> str | None:
    """An optional email address, stripped; refused if clearly malformed."""
    value = (email or "").strip()
    if not value:
        return None
    if not EMAIL_RE.fullmatch(value) or len(value) > 254:
        raise PersonnelError("invalid_email")
    return value


def new_person(
    model: Callable[..., R],
    *,
    login: str,
    display_name: str,
    email: str | None,
    password: str | None,
    totp_secret: str | None,
    now: datetime,
    **fields: Any,
) -> tuple[R, str]:
    """A new, unsaved staff/auditor record and its initial password.

    With ``totp_secret`` the account is enrolled already (demo seeding); otherwise the person
    enrols at first sign-in.
    """
    name = (display_name or "").strip()
    if not name or len(name) > 100:
        raise PersonnelError("missing_name")
    initial = password or initial_password()
    record = model(
        # A password someone else chose or saw is used once; a given one (demo, tests) stays.
        password_must_change=password is None,
        login=normalise_login(login),
        display_name=name,
        email=clean_email(email),
        password_hash=hash_password(initial),
        failed_logins=0,
        session_version=1,
        recovery_codes=[],
        active=True,
        created_at=now,
        **fields,
    )
    if totp_secret:
        preset_secret(record, totp_secret, now)
    return record, initial


def reset_sign_in(record: Any, *, password: str | None = None) -> str:
    """A new initial password and a fresh TOTP enrolment (lost phone and recovery codes).

    Every session of ``record`` ends; returns the password to show once, which the person
    replaces at their next sign-in.
    """
    initial = password or initial_password()
    record.password_hash = hash_password(initial)
    record.password_must_change = password is None
    record.totp_secret = None
    record.totp_enrolled_at = None
    record.totp_last_step = None
    record.recovery_codes = []
    record.failed_logins = 0
    record.locked_until = None
    record.session_version += 1
    return initial


def new_password_problems(record: Any, new: str) -> list[str]:
    """Why ``new`` cannot be the password of this staff member or auditor (empty: it can)."""
    return password_problems(new, login=record.login, personal=[record.email, record.display_name])


def choose_first_password(record: Any, new: str) -> list[str]:
    """Replace the single-use initial password (the sign-in step after it); returns the
    problems (empty on success). Ends every other session, like any password change."""
    if not record.password_must_change:
        return ["not_needed"]
    problems = new_password_problems(record, new)
    ok, _ = verify_password(record.password_hash, new)
    if ok:
        problems.append("same_as_initial")
    if problems:
        return problems
    record.password_hash = hash_password(new)
    record.password_must_change = False
    record.session_version += 1
    return []


def change_own_password(record: Any, current: str, new: str) -> list[str]:
    """Set ``new`` if ``current`` is right; returns the problems (empty on success).

    Bumps ``session_version`` so every other session ends; the caller signs in again.
    """
    ok, _ = verify_password(record.password_hash, current)
    if not ok:
        return ["wrong_current"]
    problems = new_password_problems(record, new)
    if problems:
        return problems
    record.password_hash = hash_password(new)
    record.session_version += 1
    return []
