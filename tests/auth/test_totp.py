"""The second factor on plain records: enrolment, replay, recovery codes, lockout."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from flask import Flask

from shisetsu.auth import second_factor as factor
from shisetsu.auth.personnel import PersonnelError, initial_password, normalise_login
from shisetsu.auth.totp import STEP_SECONDS

NOW = datetime(2026, 4, 1, 0, 0, 7, tzinfo=UTC)


def record(**values: Any) -> Any:
    base = {
        "totp_secret": None,
        "totp_enrolled_at": None,
        "recovery_codes": [],
        "totp_last_step": None,
        "failed_logins": 0,
        "locked_until": None,
    }
    return SimpleNamespace(**{**base, **values})


def code_at(secret: str, when: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(when + timedelta(seconds=steps * STEP_SECONDS))


def test_enrolment_keeps_its_secret_until_confirmed() -> None:
    r = record()
    secret = factor.enrolment_secret(r)
    assert factor.enrolment_secret(r) == secret and not factor.is_enrolled(r)
    assert factor.complete_enrolment(r, "000000", NOW) is None
    codes = factor.complete_enrolment(r, code_at(secret, NOW), NOW)
    assert codes is not None and len(codes) == 10
    assert factor.is_enrolled(r) and r.totp_enrolled_at == NOW
    with pytest.raises(ValueError):
        factor.enrolment_secret(r)
    assert factor.complete_enrolment(r, code_at(secret, NOW, 1), NOW) is None  # only once


def test_the_qr_code_is_inline_svg() -> None:
    svg = factor.enrolment_qr(pyotp.random_base32(), "boss@regasu", "Shisetsu Regasu")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg and "style=" not in svg


def test_codes_are_accepted_once_within_one_step_of_now() -> None:
    secret = pyotp.random_base32()
    r = record(totp_secret=secret, totp_enrolled_at=NOW)
    assert factor.check_code(r, code_at(secret, NOW, -2), NOW) is None
    assert factor.check_code(r, code_at(secret, NOW, 2), NOW) is None
    assert factor.check_code(r, code_at(secret, NOW), NOW) == factor.TOTP
    assert factor.check_code(r, code_at(secret, NOW), NOW) is None  # replay
    assert factor.check_code(r, code_at(secret, NOW, -1), NOW) is None  # older step
    assert factor.check_code(r, code_at(secret, NOW, 1), NOW) == factor.TOTP


def test_an_unenrolled_secret_never_passes_the_second_factor() -> None:
    secret = pyotp.random_base32()
    r = record(totp_secret=secret)  # enrolment started, not confirmed
    assert factor.check_code(r, code_at(secret, NOW), NOW) is None


def test_recovery_codes_work_once_and_are_stored_hashed() -> None:
    secret = pyotp.random_base32()
    r = record(totp_secret=secret, totp_enrolled_at=NOW)
    codes = factor.regenerate_recovery_codes(r, code_at(secret, NOW), NOW)
    assert codes is not None and all(re.fullmatch(r"[0-9a-f]{6}-[0-9a-f]{6}", c) for c in codes)
    assert not set(codes) & set(r.recovery_codes)
    assert factor.check_code(r, codes[0].replace("-", "").upper(), NOW) == factor.RECOVERY
    assert factor.check_code(r, codes[0], NOW) is None
    assert factor.remaining_recovery_codes(r) == 9
    assert factor.regenerate_recovery_codes(r, "123456", NOW) is None
    assert factor.remaining_recovery_codes(r) == 9


def test_wrong_codes_count_towards_the_lockout(app: Flask) -> None:
    r = record(failed_logins=0)
    with app.app_context():
        app.config["LOCKOUT_THRESHOLD"], app.config["LOCKOUT_MINUTES"] = 3, 10
        assert factor.note_failure(r, NOW) is None
        assert factor.note_failure(r, NOW) is None
        assert factor.note_failure(r, NOW) == NOW + timedelta(minutes=10)
    assert r.failed_logins == 0 and r.locked_until == NOW + timedelta(minutes=10)


def test_preset_secret_enrols_directly() -> None:
    r = record(totp_last_step=5)
    factor.preset_secret(r, "JBSWY3DPEHPK3PXP", NOW)
    assert factor.is_enrolled(r) and r.totp_last_step is None


def test_initial_passwords_are_random_and_readable() -> None:
    made = {initial_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert re.fullmatch(r"[a-zA-Z2-9]{4}(-[a-zA-Z2-9]{4}){3}", password)
        assert not set(password) & set("0O1lI")


@pytest.mark.parametrize("login", ["", "a", "-abc", "has space", "x" * 65, "名前"])
def test_bad_logins_are_refused(login: str) -> None:
    with pytest.raises(PersonnelError) as refused:
        normalise_login(login)
    assert refused.value.code == "invalid_login"


def test_logins_are_lower_case() -> None:
    assert normalise_login("  Demo-Manager.1 ") == "demo-manager.1"
