"""Prints of personal data are records: the print buttons of the daily list, a booking's
permit and a group's registration write a ledger row and an access-log entry, and the
paper says who printed it, when, its ledger number and what to do with it (both
databases). Without the button a page prints only a note pointing to it."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.booking import operations as booking_ops
from shisetsu.db import utcnow
from shisetsu.exports.models import ExportLedger
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import sign_in_as
from tests.support.audit import entries_after, last_id
from tests.support.booking import book, bound, member, open_day, pdf_text_chars, slot
from tests.support.groups import signed_in_staff

TENANT = "genkikan"
# Characters of the mark's words ("印刷者 … 管理簿番号") that no unmarked page of these
# documents contains.
MARK_CHARS = set("印刷者管理簿番号")


def booking_of(app: Flask) -> tuple[int, int]:
    m = member(app, TENANT)
    day = open_day(app, TENANT, "genkikan")
    booking_id = book(
        app, TENANT, m.group_id, [slot(app, TENANT, "genkikan", "meeting-a", day, "am")]
    )
    return m.group_id, booking_id


def ledger(app: Flask) -> list[ExportLedger]:
    with tenant_session(app, TENANT) as session:
        rows = list(session.scalars(sa.select(ExportLedger).order_by(ExportLedger.id)))
        session.expunge_all()
        return rows


def assert_recorded(
    app: Flask,
    client_staff: object,
    before: int,
    ledger_before: int,
    body: bytes,
    record: tuple[str, str],
    content: str,
    count: int,
) -> None:
    rows = ledger(app)[ledger_before:]
    assert len(rows) == 1
    (row,) = rows
    assert (row.handler_id, row.format, row.encrypted) == (client_staff.id, "print pdf", False)  # type: ignore[attr-defined]
    assert (row.content, row.record_count) == (content, count)
    assert row.file_sha256 == hashlib.sha256(body).hexdigest()
    (entry,) = entries_after(app, TENANT, before)
    assert (entry.action, entry.record_type, entry.record_id) == ("print", *record)
    assert entry.detail == f"{count} records, printed, ledger {row.id}"


def test_printing_a_groups_registration_is_recorded_and_marked(any_app: Flask) -> None:
    group_id, _booking = booking_of(any_app)
    client = any_app.test_client()
    handler = signed_in_staff(client, any_app, TENANT, "handler")
    page = client.get(f"/{TENANT}/manage/groups/{group_id}").get_data(as_text=True)
    assert f'action="/{TENANT}/manage/print/groups/{group_id}"' in page
    assert 'class="print-only"' in page
    before, ledger_before = last_id(any_app, TENANT), len(ledger(any_app))
    response = client.post(f"/{TENANT}/manage/print/groups/{group_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert_recorded(
        any_app,
        handler,
        before,
        ledger_before,
        body,
        ("group", str(group_id)),
        f"group:{group_id}",
        1,
    )
    chars = pdf_text_chars(body)
    assert chars >= MARK_CHARS and set(handler.login) <= chars
    assert set("新宿花子") <= chars  # the representative's name is what is printed


def test_counter_staff_may_not_print_personal_items(any_app: Flask) -> None:
    group_id, _booking = booking_of(any_app)
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "counter")
    before, ledger_before = last_id(any_app, TENANT), len(ledger(any_app))
    assert client.post(f"/{TENANT}/manage/print/groups/{group_id}").status_code == 403
    assert len(ledger(any_app)) == ledger_before
    assert [e.action for e in entries_after(any_app, TENANT, before)] == []


def test_the_daily_list_prints_with_its_mark_and_disposal_note(any_app: Flask) -> None:
    _group, booking_id = booking_of(any_app)
    with bound(any_app, TENANT) as (session, _runtime):
        taken = session.get(booking_ops.Booking, booking_id).created_at  # type: ignore[union-attr]
    day = (
        (taken if taken.tzinfo else taken.replace(tzinfo=dt.UTC))
        .astimezone(dt.timezone(dt.timedelta(hours=9)))
        .date()
    )
    client = any_app.test_client()
    clerk = signed_in_staff(client, any_app, TENANT, "counter")
    page = client.get(f"/{TENANT}/manage/bookings/daily?date={day}").get_data(as_text=True)
    assert f'action="/{TENANT}/manage/print/daily"' in page
    before, ledger_before = last_id(any_app, TENANT), len(ledger(any_app))
    response = client.post(f"/{TENANT}/manage/print/daily", data={"day": day.isoformat()})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert_recorded(
        any_app,
        clerk,
        before,
        ledger_before,
        body,
        ("daily_list", day.isoformat()),
        f"daily:{day.isoformat()}",
        1,
    )
    chars = pdf_text_chars(body)
    assert chars >= MARK_CHARS
    assert set("シュレッダー廃棄") <= chars  # what to do with the paper


def test_the_residents_own_permit_carries_no_print_mark(any_app: Flask) -> None:
    # The mark is what a staff print adds: the resident's copy of the same permit lacks it.
    m = member(any_app, TENANT)
    day = open_day(any_app, TENANT, "genkikan")
    booking_id = book(
        any_app, TENANT, m.group_id, [slot(any_app, TENANT, "genkikan", "meeting-a", day, "am")]
    )
    client = any_app.test_client()
    sign_in_as(client, any_app, m.resident)
    response = client.get(f"/{TENANT}/bookings/{booking_id}/permit.pdf")
    assert response.status_code == 200
    assert not pdf_text_chars(response.get_data()) >= MARK_CHARS


def test_a_permit_print_is_recorded_and_the_old_link_leads_to_the_button(any_app: Flask) -> None:
    _group, booking_id = booking_of(any_app)
    client = any_app.test_client()
    clerk = signed_in_staff(client, any_app, TENANT, "counter")
    old = client.get(f"/{TENANT}/manage/bookings/{booking_id}/permit.pdf")
    assert old.status_code == 302
    assert old.headers["Location"].endswith(f"/{TENANT}/manage/bookings/{booking_id}")
    page = client.get(f"/{TENANT}/manage/bookings/{booking_id}").get_data(as_text=True)
    assert f'action="/{TENANT}/manage/print/permits/{booking_id}"' in page
    before, ledger_before = last_id(any_app, TENANT), len(ledger(any_app))
    response = client.post(f"/{TENANT}/manage/print/permits/{booking_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    with bound(any_app, TENANT) as (session, _runtime):
        number = session.get(booking_ops.Booking, booking_id).number  # type: ignore[union-attr]
    assert_recorded(
        any_app,
        clerk,
        before,
        ledger_before,
        body,
        ("booking", str(booking_id)),
        f"permit:{number}",
        1,
    )
    assert pdf_text_chars(body) >= MARK_CHARS


def test_a_cancelled_booking_has_no_permit_to_print(any_app: Flask) -> None:
    _group, booking_id = booking_of(any_app)
    with tenant_session(any_app, TENANT) as session:
        booking = session.get(booking_ops.Booking, booking_id)
        assert booking is not None
        booking.status = "cancelled"
        booking.cancelled_at = utcnow()
        session.commit()
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "counter")
    ledger_before = len(ledger(any_app))
    assert client.post(f"/{TENANT}/manage/print/permits/{booking_id}").status_code == 404
    assert len(ledger(any_app)) == ledger_before


def test_another_tenants_records_are_not_found(any_app: Flask) -> None:
    group_id, booking_id = booking_of(any_app)  # genkikan's
    client: FlaskClient = any_app.test_client()
    signed_in_staff(client, any_app, "regasu", "handler")
    with tenant_session(any_app, "regasu") as session:
        regasu_ledger = session.scalar(sa.select(sa.func.count()).select_from(ExportLedger))
    for url in (
        f"/regasu/manage/print/groups/{group_id + 10_000}",
        f"/regasu/manage/print/permits/{booking_id + 10_000}",
    ):
        assert client.post(url).status_code == 404
    # A genkikan print URL with a regasu session is not a staff session there.
    assert client.post(f"/{TENANT}/manage/print/groups/{group_id}").status_code in (302, 401, 403)
    with tenant_session(any_app, "regasu") as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ExportLedger)) == regasu_ledger
    assert len([r for r in ledger(any_app) if r.format == "print pdf"]) == 0


def test_the_ledger_says_printed_in_words(any_app: Flask) -> None:
    group_id, _booking = booking_of(any_app)
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "handler")
    assert client.post(f"/{TENANT}/manage/print/groups/{group_id}").status_code == 200
    page = client.get(f"/{TENANT}/manage/exports/").get_data(as_text=True)
    assert "印刷（PDF）" in page and "print pdf" not in page
    assert "団体の登録内容" in page
