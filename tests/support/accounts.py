"""Helpers shared by the account, security and API-token tests (no tests here).

Every helper works with unique logins and addresses (``unique()``), so one test may make
many accounts, and mail is looked up by recipient.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from shisetsu.accounts import operations as ops
from shisetsu.auth.passwords import hash_password
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account, Staff
from shisetsu.tenancy.binding import tenant_session

PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long passphrase"


def unique(prefix: str = "user") -> str:
    """A login id nobody else in this test run uses."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Mail:
    key: str
    to: str
    subject: str
    body: str

    def link_path(self) -> str:
        """The path of the first link in the body (the host is the test client's)."""
        found = re.search(r"https?://[^/\s]+(/\S+)", self.body)
        assert found, f"no link in mail {self.key}: {self.body!r}"
        return found.group(1)


def mails_to(app: Flask, slug: str, address: str) -> list[Mail]:
    """Mail queued for ``address`` at ``slug``, oldest first."""
    with tenant_session(app, slug) as session:
        rows = session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        ).all()
        return [Mail(r.idempotency_key, r.to_address, r.subject, r.body_text) for r in rows]


def last_mail(app: Flask, slug: str, address: str, prefix: str) -> Mail:
    """The newest mail to ``address`` whose idempotency key starts with ``prefix``."""
    found = [m for m in mails_to(app, slug, address) if m.key.startswith(prefix)]
    assert found, f"no {prefix!r} mail to {address}"
    return found[-1]


def create_account(
    app: Flask,
    slug: str = "regasu",
    *,
    login: str | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    locale: str = "en",
) -> Account:
    """An account made through ``operations.signup`` (verified unless asked otherwise)."""
    login = login or unique()
    with tenant_session(app, slug) as session:
        account = ops.signup(
            session,
            g.tenant,
            login=login,
            email=email or (f"{login}@example.jp" if "@" not in login else unique() + "@x.jp"),
            password=password,
            locale=locale,
            now=datetime.now(UTC),
            link=lambda token: f"http://localhost/{slug}/account/verify/{token}",
        )
        if verified:
            account.email_verified_at = datetime.now(UTC)
        session.commit()
        session.refresh(account)
        session.expunge(account)
        return account


def create_staff(app: Flask, slug: str, *, role: str = "counter", secret: str | None) -> Staff:
    """A staff member with a password and (unless ``secret`` is None) a TOTP secret."""
    with tenant_session(app, slug) as session:
        staff = Staff(
            login=unique("staff"),
            display_name="Test Staff",
            role=role,
            password_hash=hash_password(PASSWORD),
            totp_secret=secret,
            totp_enrolled_at=datetime.now(UTC) if secret else None,
            recovery_codes=[],
            failed_logins=0,
            session_version=1,
            active=True,
        )
        session.add(staff)
        session.commit()
        session.refresh(staff)
        session.expunge(staff)
        return staff


def account_row(app: Flask, slug: str, login: str) -> Account:
    """The account as stored now (detached)."""
    with tenant_session(app, slug) as session:
        account = session.scalar(sa.select(Account).where(Account.login == login))
        assert account is not None
        session.expunge(account)
        return account


def update_account(app: Flask, slug: str, login: str, **values: Any) -> None:
    """Change stored columns directly (to move time, for instance)."""
    with tenant_session(app, slug) as session:
        session.execute(sa.update(Account).where(Account.login == login).values(**values))
        session.commit()


def sign_in(
    client: FlaskClient, login: str, password: str = PASSWORD, slug: str = "regasu", **kw: Any
) -> Any:
    """POST the sign-in form (no redirect following)."""
    data = {"login": login, "password": password, **kw}
    return client.post(f"/{slug}/account/login", data=data)


def error_summary(response: Any) -> str:
    """The error summary block of a form page ("" when there is none)."""
    found = re.search(r'<div class="error-summary".*?</div>', page(response), re.S)
    return found.group(0) if found else ""


def english(client: FlaskClient) -> FlaskClient:
    """Pages in English, so messages can be asserted whatever the Japanese catalogue says."""
    client.set_cookie("lang", "en")
    return client


def page(response: Any) -> str:
    """The response body as text, with HTML-escaped apostrophes and quotes restored."""
    text = response.get_data(as_text=True)
    return text.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')


def is_signed_in(client: FlaskClient, slug: str = "regasu") -> bool:
    """Whether the client's session is a signed-in resident at ``slug``."""
    return client.get(f"/{slug}/account/").status_code == 200
