"""Helpers of the export tests: make an export through the pages, open the archive."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pyzipper
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.exports.models import ExportLedger
from shisetsu.tenancy.binding import tenant_session


@dataclass(frozen=True)
class Exported:
    """What the password page showed."""

    password: str
    link: str
    page: str


def export(client: FlaskClient, tenant: str, kind: str, data: dict[str, Any]) -> Exported:
    """POST an export form; follow to the password page and read it."""
    response = client.post(f"/{tenant}/manage/exports/{kind}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page_url = response.headers["Location"]
    page = client.get(page_url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    password = re.search(r'id="archive-password"[^>]*>([^<]+)<', html)
    link = re.search(r'href="([^"]*/download/[^"]+)"', html)
    assert password and link, html[:2000]
    return Exported(password.group(1), link.group(1), page_url)


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
