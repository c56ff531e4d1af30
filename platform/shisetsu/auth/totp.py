"""TOTP two-factor (RFC 6238, pyotp) with replay protection and single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg

RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30


def new_secret() -> str:
    """A fresh base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str, issuer: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code of ``uri`` (no external service, no image files)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def verify_code(record: Any, code: str, now: datetime) -> bool:
    """Accept a current code (±1 step) once; the accepted step is remembered on ``record``."""
    secret = record.totp_secret
    code = code.strip().replace(" ", "")
    if not secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if record.totp_last_step is not None and step <= record.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            record.totp_last_step = step
            return True
    return False


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def new_recovery_codes(record: Any) -> list[str]:
    """Replace ``record``'s recovery codes; returns the plain codes to show once."""
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    record.recovery_codes = [_digest(c) for c in codes]
    return codes


def use_recovery_code(record: Any, code: str) -> bool:
    """Consume one recovery code if it matches."""
    digest = _digest(code)
    remaining = list(record.recovery_codes or [])
    if digest not in remaining:
        return False
    remaining.remove(digest)
    record.recovery_codes = remaining
    return True
