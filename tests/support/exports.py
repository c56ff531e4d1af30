"""Helpers of the export tests: make an export through the pages, open the archive."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pyotp
import pyzipper
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.exports.models import ExportLedger
from shisetsu.people.models import Staff
from shisetsu.tenancy.binding import tenant_session


@dataclass(frozen=True)
class Exported:
    """What the download page and the password page showed."""

    password: str
    link: str
    page: str


def export(client: FlaskClient, tenant: str, kind: str, data: dict[str, Any]) -> Exported:
    """POST an export form; follow to the download page, then get the password on its own
    page with a code from the signed-in handler's authenticator app."""
    response = client.post(f"/{tenant}/manage/exports/{kind}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page_url = response.headers["Location"]
    page = client.get(page_url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    link = re.search(r'href="([^"]*/download/[^"]+)"', html)
    assert link, html[:2000]
    assert 'id="archive-password"' not in html  # never on the page with the link
    ledger_id = int(page_url.rstrip("/").rsplit("/", 1)[1])
    return Exported(reveal_password(client, tenant, ledger_id), link.group(1), page_url)


def reveal_password(client: FlaskClient, tenant: str, ledger_id: int) -> str:
    """The archive's password from its page, after the handler's current TOTP code."""
    url = f"/{tenant}/manage/exports/password/{ledger_id}"
    code = handler_code(client, tenant)
    shown = client.post(url, data={"code": code})
    assert shown.status_code == 200, shown.get_data(as_text=True)[:2000]
    assert shown.headers["Cache-Control"] == "no-store"
    found = re.search(r'id="archive-password"[^>]*>([^<]+)<', shown.get_data(as_text=True))
    assert found, shown.get_data(as_text=True)[:2000]
    return found.group(1)


def handler_code(client: FlaskClient, tenant: str) -> str:
    """A TOTP code the server accepts for the staff member ``client`` is signed in as.

    The test clock stands still, so one test's second code would repeat the first one's
    step; the helper forgets the last accepted step first, as thirty seconds would.
    """
    with client.session_transaction() as sess:
        staff_id = int(str(sess["_user_id"]).split(":")[2])
    with tenant_session(client.application, tenant) as session:
        staff = session.get_one(Staff, staff_id)
        staff.totp_last_step = None
        secret = staff.totp_secret
        session.commit()
    assert secret
    return pyotp.TOTP(secret).now()


def read_archive(archive: bytes, password: str | None) -> tuple[str, bytes]:
    """The one file in an AES ZIP: its name and its bytes (raises without the password)."""
    with pyzipper.AESZipFile(io.BytesIO(archive)) as z:
        if password is not None:
            z.setpassword(password.encode())
        name = z.namelist()[0]
        return name, z.read(name)


def ledger_rows(app: Flask, tenant: str, handler_id: int) -> list[ExportLedger]:
    """The ledger rows of one handler, oldest first (detached)."""
    with tenant_session(app, tenant) as session:
        rows = list(
            session.scalars(
                sa.select(ExportLedger)
                .where(ExportLedger.handler_id == handler_id)
                .order_by(ExportLedger.id)
            )
        )
        session.expunge_all()
    return rows


def ledger_count(app: Flask, tenant: str) -> int:
    """How many exports the tenant's ledger holds."""
    with tenant_session(app, tenant) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(ExportLedger)) or 0)
