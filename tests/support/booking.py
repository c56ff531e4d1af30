"""Helpers for the booking, fee, payment and export tests (no tests here).

Everything is synthetic. Each test has a database of its own (tests/fixtures/apps.py),
so nothing here cleans up after a test.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zlib
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.booking import operations as ops
from shisetsu.booking.models import Booking
from shisetsu.groups.models import APPROVED, Group
from shisetsu.notify.models import OutboxMessage
from shisetsu.people.models import Account
from shisetsu.slots.calendar import is_holiday_rates
from shisetsu.slots.models import BOOKING, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.config import TenantConfig, is_closed_by_rule
from shisetsu.tenancy.runtime import TenantRuntime, current_runtime
from tests.fixtures.auth import Ref, make_resident
from tests.support.groups import CATEGORY, make_approved
from tests.support.slots import room_id

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def today() -> dt.date:
    return dt.datetime.now(TOKYO).date()


@dataclass(frozen=True)
class Member:
    """A resident and the approved group they represent."""

    resident: Ref
    group_id: int
    tenant: str
    contact_email: str  # where mail about the group goes (never the account's address)


def member(app: Flask, tenant: str, *, category: str | None = None, locale: str = "ja") -> Member:
    """A resident representing an approved group, valid from a month ago for two years."""
    resident = make_resident(app, tenant, locale=locale)
    start = today() - dt.timedelta(days=30)
    contact_email = f"renraku-{uuid.uuid4().hex[:10]}@example.jp"
    group_id = make_approved(
        app,
        tenant,
        resident.id,
        valid_from=start,
        valid_until=start + dt.timedelta(days=730),
        category=category or CATEGORY[tenant],
        name=f"テスト団体{uuid.uuid4().hex[:6]}",
        contact_email=contact_email,
    )
    return Member(resident, group_id, tenant, contact_email)


def make_groups(app: Flask, tenant: str, count: int) -> list[int]:
    """``count`` approved groups with their own accounts, inserted at once (for races)."""
    start = today() - dt.timedelta(days=30)
    ids = []
    with tenant_session(app, tenant) as session:
        for _ in range(count):
            login = f"racer{uuid.uuid4().hex[:10]}"
            account = Account(login=login, email=f"{login}@example.jp", password_hash="x")
            session.add(account)
            session.flush()
            group = Group(
                name=f"競走団体{login[-6:]}",
                category=CATEGORY[tenant],
                status=APPROVED,
                account=account,
                representative_name="新宿 花子",
                representative_address="東京都新宿区（架空）",
                contact_name="新宿 太郎",
                contact_address="東京都新宿区（架空）",
                contact_email=f"renraku-{login}@example.jp",
                member_count=6,
                resident_count=4,
                representative_is_resident=True,
                representative_is_adult=True,
                privacy_accepted_at=dt.datetime.now(dt.UTC),
                valid_from=start,
                valid_until=start + dt.timedelta(days=730),
            )
            session.add(group)
            session.flush()
            ids.append(group.id)
        session.commit()
    return ids


@contextmanager
def bound(app: Flask, tenant: str) -> Iterator[tuple[Session, TenantRuntime]]:
    """A tenant session and the tenant's runtime (config and plugins)."""
    with tenant_session(app, tenant) as session:
        yield session, current_runtime()


def config_of(app: Flask, tenant: str) -> TenantConfig:
    with bound(app, tenant) as (_session, runtime):
        return runtime.config


def open_day(
    app: Flask, tenant: str, facility: str, *, after: int = 20, holiday: bool = False
) -> dt.date:
    """The first day ``after`` days from today on that no rule closes (weekday or holiday)."""
    return open_days(app, tenant, facility, 1, after=after, holiday=holiday)[0]


def open_days(
    app: Flask, tenant: str, facility: str, count: int, *, after: int = 20, holiday: bool = False
) -> list[dt.date]:
    """``count`` different days from ``after`` days ahead on, each open (weekday or holiday).

    Distinct by construction: asking for three days never hands back one day three times,
    whatever the calendar around today.
    """
    rules = config_of(app, tenant).closed_days_for(facility)
    days: list[dt.date] = []
    day = today() + dt.timedelta(days=after)
    while len(days) < count:
        if is_holiday_rates(day) == holiday and not is_closed_by_rule(rules, day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def slot(app: Flask, tenant: str, facility: str, room: str, day: dt.date, code: str) -> str:
    """The public id of a slot (or full-day set)."""
    return f"{room_id(app, tenant, facility, room)}-{day:%Y%m%d}-{code}"


def book(
    app: Flask,
    tenant: str,
    group_id: int,
    slot_ids: list[str],
    *,
    attendees: int = 10,
    purpose: str = "練習",
    now: dt.datetime | None = None,
    staff_id: int | None = None,
    **extra: Any,
) -> int:
    """Book through the operations layer and commit; returns the booking id."""
    with bound(app, tenant) as (session, runtime):
        group = session.get(Group, group_id)
        assert group is not None
        data = ops.BookingInput(slot_ids, attendees, purpose, **extra)
        booking = ops.book(
            session,
            runtime,
            group,
            data,
            now=now or dt.datetime.now(dt.UTC),
            account_id=None if staff_id else group.account_id,
            staff_id=staff_id,
        )
        session.commit()
        return booking.id


def booking_row(app: Flask, tenant: str, booking_id: int) -> dict[str, Any]:
    with tenant_session(app, tenant) as session:
        row = session.get(Booking, booking_id)
        assert row is not None
        return {c.key: getattr(row, c.key) for c in Booking.__table__.columns}


def holds_of(app: Flask, tenant: str, booking_id: int) -> list[str]:
    with tenant_session(app, tenant) as session:
        rows = session.scalars(
            sa.select(SlotHold.slot_code).where(
                SlotHold.kind == BOOKING, SlotHold.ref_id == booking_id
            )
        )
        return sorted(rows)


def booking_mails(app: Flask, tenant: str, booking_id: int) -> list[OutboxMessage]:
    with tenant_session(app, tenant) as session:
        rows = list(
            session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.idempotency_key.like(f"booking:{booking_id}:%"))
                .order_by(OutboxMessage.id)
            )
        )
        session.expunge_all()
        return rows


def pdf_text_chars(pdf: bytes) -> set[str]:
    """Characters a PDF's fonts map back to text (from every ToUnicode CMap)."""
    chars: set[str] = set()
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            data = zlib.decompressobj().decompress(pdf[match.end() : match.end() + 500_000])
        except zlib.error:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for hexa in re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>", block):
                chars.add(bytes.fromhex(hexa.decode()).decode("utf-16-be", errors="ignore"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
            for lo, hi, dst in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
            ):
                first = int(dst, 16)
                for n in range(int(hi, 16) - int(lo, 16) + 1):
                    chars.add(chr(first + n))
    return chars


def pdf_blobs(pdf: bytes) -> list[bytes]:
    """The PDF itself and each of its streams decompressed (where it inflates)."""
    blobs = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            blobs.append(zlib.decompressobj().decompress(pdf[match.end() : match.end() + 500_000]))
        except zlib.error:
            continue
    return blobs


def pdf_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts embedded in a PDF (object streams decompressed)."""
    names = set()
    for blob in pdf_blobs(pdf):
        names.update(n.decode() for n in re.findall(rb"/FontName\s*/([^\s/<>\[\]]+)", blob))
    return names
