"""Helpers for the access-log tests (no tests here).

Each test has its own database and so its own chain per tenant; assertions find entries
by id or by a unique login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.audit.models import AccessLog, PlatformAccessLog
from shisetsu.audit.operations import Actor, record
from shisetsu.extensions import db
from shisetsu.tenancy.binding import tenant_session
from shisetsu.ward.operations import create_auditor
from tests.fixtures.auth import Ref, login_as, unique

COLUMNS = [c.key for c in AccessLog.__table__.columns]


@dataclass(frozen=True)
class Entry:
    """One log entry as plain data."""

    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_label: str | None
    role: str | None
    action: str
    record_type: str | None
    record_id: str | None
    detail: str | None
    purpose: str | None
    ip: str | None
    user_agent: str | None
    ip_prefix: str | None
    network_salt: str | None
    network_digest: str | None
    network_reduced_by: int | None
    hash_version: int
    prev_hash: str
    hash: str


def _plain(row: Any) -> Entry:
    return Entry(**{name: getattr(row, name) for name in COLUMNS})


def last_id(app: Flask, slug: str | None) -> int:
    """The newest entry id of ``slug``'s log (``None``: the platform's)."""
    if slug is None:
        with app.app_context():
            found = db.session.scalar(sa.select(sa.func.max(PlatformAccessLog.id)))
            db.session.remove()
            return int(found or 0)
    with tenant_session(app, slug) as session:
        return int(session.scalar(sa.select(sa.func.max(AccessLog.id))) or 0)


def entries_after(app: Flask, slug: str | None, after: int, **where: Any) -> list[Entry]:
    """Entries newer than id ``after`` (matching ``where``), oldest first."""
    if slug is None:
        with app.app_context():
            rows = _select(db.session(), PlatformAccessLog, after, where)
            db.session.remove()
            return rows
    with tenant_session(app, slug) as session:
        return _select(session, AccessLog, after, where)


def _select(session: Any, model: Any, after: int, where: dict[str, Any]) -> list[Entry]:
    stmt = sa.select(model).where(model.id > after).order_by(model.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return [_plain(row) for row in session.scalars(stmt)]


def add_entry(
    app_or_session: Any,
    action: str,
    *,
    at: datetime,
    kind: str = "staff",
    actor_id: int | None = 1,
    label: str | None = "staff-a",
    role: str | None = "handler",
    record_type: str | None = "group",
    record_id: object = 1,
    ip: str | None = "192.0.2.10",
) -> None:
    """A synthetic entry at ``at`` (in the given tenant session)."""
    actor = Actor(kind, actor_id, label, role, ip, "pytest")
    record(app_or_session, action, record_type, record_id, actor=actor, at=at)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_auditor_with_email(app: Flask) -> tuple[Ref, str]:
    """An auditor with an email address and a TOTP secret; returns (ref, email)."""
    login = unique("auditor")
    email = f"{login}@ward.example.jp"
    with app.app_context():
        auditor, _ = create_auditor(
            db.session(),
            login=login,
            display_name=f"Auditor {login}",
            email=email,
            password="auditor password 123",
            totp_secret=pyotp.random_base32(),
        )
        db.session.commit()
        ref = Ref("auditor", "", auditor.id, login, email, auditor.session_version)
        db.session.remove()
    return ref, email


def signed_in_auditor(client: FlaskClient, app: Flask) -> Ref:
    ref, _ = make_auditor_with_email(app)
    login_as(client, app, "auditor", "", ref)
    return ref


def text(response: Any) -> str:
    body = response.get_data(as_text=True)
    return str(body.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"'))
