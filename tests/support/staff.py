"""Helpers for the staff, ward-auditor and TOTP tests (no tests here).

Every helper uses unique logins, so one test may make many people.
TOTP codes are computed with pyotp, as an authenticator app would.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.auth.totp import STEP_SECONDS
from shisetsu.extensions import db
from shisetsu.people.models import Auditor, Staff
from shisetsu.staff.operations import create_staff
from shisetsu.tenancy.binding import tenant_session
from shisetsu.ward.operations import create_auditor

PASSWORD = "staff password 123"


def unique(prefix: str = "staff") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Person:
    """A staff member or auditor made for a test, with what they need to sign in."""

    id: int
    login: str
    secret: str | None
    tenant: str = ""  # "" for auditors


def make_staff(
    app: Flask, slug: str = "regasu", role: str = "responsible", *, enrolled: bool = True
) -> Person:
    """A staff member with PASSWORD and (if ``enrolled``) a TOTP secret."""
    secret = pyotp.random_base32() if enrolled else None
    login = unique()
    with tenant_session(app, slug) as session:
        staff, _ = create_staff(
            session,
            login=login,
            display_name=f"Name {login}",
            email=None,
            role=role,
            password=PASSWORD,
            totp_secret=secret,
        )
        session.commit()
        return Person(staff.id, login, secret, slug)


def make_auditor(app: Flask, *, enrolled: bool = True) -> Person:
    """A ward auditor with PASSWORD and (if ``enrolled``) a TOTP secret."""
    secret = pyotp.random_base32() if enrolled else None
    login = unique("auditor")
    with app.app_context():
        auditor, _ = create_auditor(
            db.session(),
            login=login,
            display_name=f"Auditor {login}",
            password=PASSWORD,
            totp_secret=secret,
        )
        db.session.commit()
        return Person(auditor.id, login, secret)


def staff_row(app: Flask, person: Person) -> Staff:
    """The staff member as stored now (detached)."""
    with tenant_session(app, person.tenant) as session:
        row = session.get(Staff, person.id)
        assert row is not None
        session.expunge(row)
        return row


def update_staff(app: Flask, person: Person, **values: Any) -> None:
    """Change stored columns directly (to move time, for instance)."""
    with tenant_session(app, person.tenant) as session:
        session.execute(sa.update(Staff).where(Staff.id == person.id).values(**values))
        session.commit()


def last_step(app: Flask, person: Person) -> int | None:
    """The last TOTP step the server accepted for ``person``."""
    if person.tenant:
        return staff_row(app, person).totp_last_step
    with app.app_context():
        row = db.session.get(Auditor, person.id)
        assert row is not None
        return row.totp_last_step


def fresh_code(app: Flask, person: Person, secret: str | None = None) -> str:
    """A code the server has not accepted yet (the current step, else the next one)."""
    secret = secret or person.secret
    assert secret
    current = int(time.time()) // STEP_SECONDS
    used = last_step(app, person)
    step = next(s for s in (current, current + 1) if used is None or s > used)
    return pyotp.TOTP(secret).at(step * STEP_SECONDS)


def base(person: Person) -> str:
    """The console prefix of ``person``."""
    return f"/{person.tenant}/manage" if person.tenant else "/ward"


def password_step(client: FlaskClient, person: Person, password: str = PASSWORD, **kw: Any) -> Any:
    return client.post(
        f"{base(person)}/login", data={"login": person.login, "password": password}, **kw
    )


def sign_in(app: Flask, client: FlaskClient, person: Person) -> None:
    """Password then a fresh TOTP code; asserts the console opens."""
    response = password_step(client, person)
    assert response.status_code == 302, page(response)
    assert response.headers["Location"].endswith("/verify")
    response = client.post(f"{base(person)}/verify", data={"code": fresh_code(app, person)})
    assert response.status_code == 302, page(response)
    assert client.get(f"{base(person)}/").status_code == 200


def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


def page(response: Any) -> str:
    text = response.get_data(as_text=True)
    return text.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')


def shown_secret(response: Any) -> str:
    """The TOTP key printed on the enrolment page for manual entry."""
    found = re.search(r'id="totp-secret">([^<]+)<', page(response))
    assert found, "no secret on the enrolment page"
    return found.group(1).replace(" ", "")


def shown_codes(response: Any) -> list[str]:
    """The recovery codes on a recovery-codes page."""
    return re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", page(response))


def is_login_redirect(response: Any, prefix: str) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith(
        f"{prefix}/login"
    )
