"""The second factor of staff and auditors: enrolment, checking codes, recovery codes.

Pure logic on any record with the ``TwoFactorState`` and ``LoginState`` columns (no request
objects); the caller commits. Wrong codes count towards the same lockout as wrong passwords,
so the six digits cannot be guessed by someone who already knows the password.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from shisetsu.auth.totp import (
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    qr_svg,
    use_recovery_code,
    verify_code,
)

TOTP = "totp"
RECOVERY = "recovery"


def is_enrolled(record: Any) -> bool:
    """Whether ``record`` has confirmed a TOTP authenticator."""
    return record.totp_enrolled_at is not None and bool(record.totp_secret)


def enrolment_secret(record: Any) -> str:
    """The secret being enrolled: made on first use and kept until enrolment completes."""
    if is_enrolled(record):
        raise ValueError("already enrolled")
    if not record.totp_secret:
        record.totp_secret = new_secret()
    return str(record.totp_secret)


def enrolment_qr(secret: str, account_name: str, issuer: str) -> str:
    """Inline SVG QR code for authenticator apps (without the XML prologue, for HTML)."""
    svg = qr_svg(provisioning_uri(secret, account_name, issuer))
    return svg[svg.index("<svg") :]


def complete_enrolment(record: Any, code: str, now: datetime) -> list[str] | None:
    """Confirm enrolment with a current code; returns the recovery codes to show once."""
    if is_enrolled(record) or not record.totp_secret or not verify_code(record, code, now):
        return None
    record.totp_enrolled_at = now
    return new_recovery_codes(record)


def preset_secret(record: Any, secret: str, now: datetime) -> None:
    """Enrol ``secret`` without a confirmation code (demo seeding, operator tooling)."""
    record.totp_secret = secret
    record.totp_enrolled_at = now
    record.totp_last_step = None


def check_code(record: Any, code: str, now: datetime) -> str | None:
    """``"totp"`` or ``"recovery"`` when ``code`` is accepted (each usable once), else None."""
    if not is_enrolled(record):
        return None
    if verify_code(record, code, now):
        return TOTP
    if use_recovery_code(record, code):
        return RECOVERY
    return None


def note_failure(record: Any, now: datetime) -> datetime | None:
    """Count a wrong code like a wrong password; returns the lock's end when this locks."""
    record.failed_logins = (record.failed_logins or 0) + 1
    if record.failed_logins < current_app.config.get("LOCKOUT_THRESHOLD", 5):
        return None
    record.failed_logins = 0
    record.locked_until = now + timedelta(minutes=current_app.config.get("LOCKOUT_MINUTES", 15))
    return record.locked_until


def note_success(record: Any) -> None:
    """A completed sign-in clears the failure count."""
    record.failed_logins = 0


def regenerate_recovery_codes(record: Any, code: str, now: datetime) -> list[str] | None:
    """New recovery codes (old ones stop working) after a current TOTP code; else None."""
    if not is_enrolled(record) or not verify_code(record, code, now):
        return None
    return new_recovery_codes(record)


def remaining_recovery_codes(record: Any) -> int:
    """How many unused recovery codes ``record`` has."""
    return len(record.recovery_codes or [])
