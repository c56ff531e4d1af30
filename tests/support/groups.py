"""Helpers for the registered-group tests (no tests here).

Everything is synthetic (dummy data only).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.groups.models import APPROVED, PENDING, Group
from shisetsu.notify.models import OutboxMessage
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import Ref, make_resident, make_staff, sign_in_as

CATEGORY = {"genkikan": "registered", "regasu": "resident"}


def form_data(tenant: str, **overrides: Any) -> dict[str, Any]:
    """A complete, eligible application for ``tenant``; ``None`` values are left out."""
    data: dict[str, Any] = {
        "name": "テスト体操クラブ",
        "category": CATEGORY[tenant],
        "representative_name": "新宿 花子",
        "representative_address": "東京都新宿区西新宿二丁目8番1号",
        "representative_phone_home": "03-1234-5678",
        "representative_phone_mobile": "",
        "representative_is_resident": "yes",
        "representative_is_adult": "yes",
        "contact_name": "新宿 太郎",
        "contact_address": "東京都新宿区歌舞伎町一丁目4番1号",
        "contact_phone_home": "",
        "contact_phone_mobile": "090-1234-5678",
        "contact_email": "contact@example.jp",
        "member_count": "6",
        "resident_count": "4",
        "privacy_accepted": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def signed_in_resident(client: FlaskClient, app: Flask, tenant: str, *, locale: str = "ja") -> Ref:
    resident = make_resident(app, tenant, locale=locale)
    sign_in_as(client, app, resident)
    return resident


def signed_in_staff(client: FlaskClient, app: Flask, tenant: str, role: str = "handler") -> Ref:
    staff = make_staff(app, tenant, role)
    sign_in_as(client, app, staff)
    return staff


def apply(client: FlaskClient, tenant: str, **overrides: Any):  # type: ignore[no-untyped-def]
    return client.post(f"/{tenant}/groups/apply", data=form_data(tenant, **overrides))


def groups_of(app: Flask, tenant: str, account_id: int) -> list[dict[str, Any]]:
    """The account's group rows as plain dicts, oldest first."""
    with tenant_session(app, tenant) as session:
        rows = session.scalars(
            sa.select(Group).where(Group.account_id == account_id).order_by(Group.id)
        )
        return [{c.key: getattr(row, c.key) for c in Group.__table__.columns} for row in rows]


def new_group_id(response) -> int:  # type: ignore[no-untyped-def]
    """The id in the Location of a successful application."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    found = re.search(r"/groups/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def update_group(app: Flask, tenant: str, group_id: int, **values: Any) -> None:
    with tenant_session(app, tenant) as session:
        session.execute(sa.update(Group).where(Group.id == group_id).values(**values))
        session.commit()


def make_group(
    app: Flask,
    tenant: str,
    account_id: int,
    *,
    status: str = PENDING,
    valid_from: date | None = None,
    valid_until: date | None = None,
    category: str | None = None,
    name: str = "承認済みクラブ",
    group_id: int | None = None,
    renews_group_id: int | None = None,
    verified: bool | None = None,
    contact_email: str = "contact@example.jp",
) -> int:
    """A group inserted directly (for tests that start after the application)."""
    now = datetime.now(UTC)
    verified = status != PENDING if verified is None else verified
    with tenant_session(app, tenant) as session:
        group = Group(
            id=group_id,
            name=name,
            category=category or CATEGORY[tenant],
            status=status,
            account_id=account_id,
            renews_group_id=renews_group_id,
            representative_name="新宿 花子",
            representative_address="東京都新宿区西新宿二丁目8番1号",
            representative_phone_home="03-1234-5678",
            contact_name="新宿 太郎",
            contact_address="東京都新宿区歌舞伎町一丁目4番1号",
            contact_phone_mobile="090-1234-5678",
            contact_email=contact_email,
            member_count=6,
            resident_count=4,
            representative_is_resident=True,
            representative_is_adult=True,
            privacy_accepted_at=now,
            verified_member_count=6 if verified else None,
            verified_resident_count=4 if verified else None,
            verified_at=now if verified else None,
            decided_at=None if status == PENDING else now,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        session.add(group)
        session.commit()
        return group.id


def make_approved(
    app: Flask, tenant: str, account_id: int, *, valid_from: date, valid_until: date, **kw: Any
) -> int:
    """An approved group valid from ``valid_from`` to ``valid_until``."""
    return make_group(
        app,
        tenant,
        account_id,
        status=APPROVED,
        valid_from=valid_from,
        valid_until=valid_until,
        **kw,
    )


def today_in_tokyo() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def mails(app: Flask, tenant: str, key_prefix: str) -> list[OutboxMessage]:
    """Outbox rows whose idempotency key starts with ``key_prefix`` (detached)."""
    with tenant_session(app, tenant) as session:
        rows = list(
            session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.idempotency_key.startswith(key_prefix))
                .order_by(OutboxMessage.id)
            )
        )
        session.expunge_all()
        return rows


def text(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.get_data(as_text=True))
