"""Helpers for the retention tests (no tests here): a synthetic person spread over every
place personal data lands, and the scan of every text column of a tenant schema.

Everything is synthetic and each test has its own database, so the scan finds only this
test's person.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.audit.operations import SYSTEM_ACTOR
from shisetsu.booking.models import Booking, GroupFeed
from shisetsu.facilities.models import Room
from shisetsu.groups.models import Group
from shisetsu.lottery.models import LotteryChoice, LotteryEntry, LotteryRound
from shisetsu.notify import queue_mail
from shisetsu.people.models import Account
from shisetsu.retention.models import DeletionCertificate
from shisetsu.slots.models import SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.engines import is_postgres, tenant_sqlite_path
from tests.fixtures.apps import PgDatabase
from tests.fixtures.auth import Ref, make_resident
from tests.support.groups import make_group

_ROUND_MONTHS = itertools.count()


@dataclass(frozen=True)
class Person:
    """A synthetic person's personal items, and where they were stored."""

    account: Ref
    group_id: int
    booking_id: int
    name: str
    contact_name: str
    address: str
    phone: str
    email: str

    @property
    def needles(self) -> list[str]:
        """What must not remain anywhere after the purge: name, address, phone, email, and
        the login ID the person chose (the access log names residents by number only)."""
        return [
            self.name,
            self.contact_name,
            self.address,
            self.phone,
            self.email,
            self.account.email or "",
            self.account.login,
        ]


def synthetic(
    app: Flask,
    tenant: str,
    *,
    ended: date,
    status: str = "expired",
    seen: datetime | None = None,
    booking_day: date | None = None,
) -> Person:
    """A resident with one ended group, a booking, a slot note, a feed and mail about them."""
    tag = uuid.uuid4().hex[:8]
    digits = str(uuid.uuid4().int)[:8]
    account = make_resident(app, tenant)
    name, contact = f"消去 試験{tag}", f"連絡 担当{tag}"
    address = f"東京都新宿区架空町{tag}番地"
    phone, email = f"090-{digits[:4]}-{digits[4:]}", f"contact-{tag}@example.jp"
    group_id = make_group(
        app,
        tenant,
        account.id,
        status=status,
        valid_from=ended - timedelta(days=700),
        valid_until=ended,
        name=f"架空クラブ{tag}",
    )
    moment = datetime(ended.year, ended.month, ended.day, 3, tzinfo=UTC)
    with tenant_session(app, tenant) as session:
        group = session.get(Group, group_id)
        assert group is not None
        group.representative_name, group.representative_address = name, address
        group.representative_phone_mobile = phone
        group.contact_name, group.contact_address = contact, address
        group.contact_phone_home, group.contact_email = phone, email
        if status == "withdrawn":
            group.withdrawn_at = moment
        row = session.get(Account, account.id)
        assert row is not None
        row.created_at = seen or moment - timedelta(days=700)
        row.last_login_at = seen or moment - timedelta(days=30)
        room = session.scalars(sa.select(Room).order_by(Room.id)).first()
        assert room is not None
        day = booking_day or ended - timedelta(days=30)
        start = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
        booking = Booking(
            group_id=group_id,
            account_id=account.id,
            room_id=room.id,
            date=day,
            slot_codes=[f"t{tag}"],
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            attendees=5,
            purpose=f"{name}さんの練習",
            fee_total=1200,
            cancel_reason=None,
            override_reason=f"{contact}の依頼",
        )
        session.add(booking)
        session.flush()
        session.add(
            SlotHold(
                room_id=room.id,
                date=day,
                slot_code=f"t{tag}",
                kind="booking",
                ref_id=booking.id,
                note=f"{phone}に連絡",
            )
        )
        session.add(GroupFeed(group_id=group_id, token=uuid.uuid4().hex))
        session.add(_lottery_entry(session, tag, group_id, account.id))
        queue_mail(
            session,
            key=f"test:{tag}:to",
            to=email,
            subject="登録のお知らせ",
            body=f"{name} 様\n{address}",
            kind="test",
            locale="ja",
        )
        queue_mail(
            session,
            key=f"test:{tag}:staff",
            to=f"staff-{tag}@example.jp",
            subject=f"申請: {contact}",
            body=f"電話 {phone}",
            kind="test",
            locale="ja",
        )
        audit.record(
            session, audit.UPDATE, "group", group_id, detail="approved", actor=SYSTEM_ACTOR
        )
        session.commit()
        booking_id = booking.id
    return Person(account, group_id, booking_id, name, contact, address, phone, email)


def _lottery_entry(session: Any, tag: str, group_id: int, account_id: int) -> LotteryEntry:
    """A released round of a month of its own (far in the past) with the group's entry."""
    number = next(_ROUND_MONTHS)  # usage months are unique per tenant
    month = date(1000 + number // 12, number % 12 + 1, 1)
    moment = datetime(month.year, month.month, 1, tzinfo=UTC)
    rnd = LotteryRound(
        public_id=f"test:{tag}",
        usage_month=month,
        opens_at=moment,
        closes_at=moment,
        draw_at=moment,
        confirm_deadline=moment,
        first_come_at=moment,
        state="released",
        policy="uniform",
        policy_params={},
        seed_hex="00" * 32,
        commitment="11" * 32,
        pseudonym_key_hex="22" * 32,
    )
    session.add(rnd)
    session.flush()
    entry = LotteryEntry(
        round_id=rnd.id, group_id=group_id, account_id=account_id, category="registered"
    )
    entry.choices.append(LotteryChoice(rank=1, slot_ids=[f"slot-{tag}"]))
    return entry


def _forms(needle: str) -> list[str]:
    # JSON columns may store non-ASCII text \u-escaped.
    escaped = json.dumps(needle)[1:-1]
    return [needle] if escaped == needle else [needle, escaped]


def traces(
    app: Flask, tenant: str, needles: list[str], pg: PgDatabase | None = None
) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a needle occurs in any text column of the schema."""
    forms = [(n, f) for n in needles if n for f in _forms(n)]
    found = []
    if is_postgres(app):
        assert pg is not None
        schema = f"tenant_{tenant}"
        with pg.connect_admin() as conn:
            columns = conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND data_type IN "
                "('text', 'character varying', 'character', 'json', 'jsonb')",
                (schema,),
            ).fetchall()
            assert len(columns) > 50
            for table, column in columns:
                for needle, form in forms:
                    hit = conn.execute(
                        f'SELECT 1 FROM "{schema}"."{table}" '
                        f'WHERE "{column}"::text LIKE %s LIMIT 1',
                        (f"%{form}%",),
                    ).fetchone()
                    if hit:
                        found.append((table, column, needle))
        return found
    conn = sqlite3.connect(tenant_sqlite_path(app, tenant))
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "deletion_certificates" in tables and "access_log" in tables
        for table in tables:
            for _, column, kind, *_rest in conn.execute(f'PRAGMA table_info("{table}")'):
                if not any(t in kind.upper() for t in ("CHAR", "TEXT", "CLOB", "JSON")):
                    continue
                for needle, form in forms:
                    hit = conn.execute(
                        f'SELECT 1 FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE ? LIMIT 1',
                        (f"%{form}%",),
                    ).fetchone()
                    if hit:
                        found.append((table, column, needle))
    finally:
        conn.close()
    return found


def certificates(app: Flask, tenant: str) -> list[dict[str, Any]]:
    """The tenant's certificates as dicts, oldest first."""
    with tenant_session(app, tenant) as session:
        rows = session.scalars(sa.select(DeletionCertificate).order_by(DeletionCertificate.id))
        return [
            {c.key: getattr(r, c.key) for c in DeletionCertificate.__table__.columns} for r in rows
        ]


def pdf_title_hex(title: str) -> bytes:
    """How WeasyPrint writes a non-ASCII document title: UTF-16BE with BOM, in hex."""
    return ("feff" + title.encode("utf-16-be").hex()).encode()
