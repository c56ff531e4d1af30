"""Bookings exports (a period, optionally one room): CSV in cp932 and UTF-8 with a BOM, PDF,
always in an AES-256 ZIP whose password is shown once; the ledger; bad input; tenants;
and the ward's read-only exports ledger page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from shisetsu.facilities.models import Room
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import Ref, make_resident, make_staff, sign_in_as
from tests.support.audit import entries_after, last_id, signed_in_auditor
from tests.support.booking import (
    book,
    member,
    open_day,
    pdf_text_chars,
    slot,
)
from tests.support.exports import export, ledger_count, ledger_rows, read_archive
from tests.support.groups import text, update_group
from tests.support.slots import room_id

GROUP = "〜新宿ハイキング同好会〜"  # WAVE DASHes: cp932 spells them ～
REPRESENTATIVE = "試験 代表者−一"  # MINUS SIGN: cp932 spells it －


@dataclass(frozen=True)
class Booked:
    """Two bookings on ``day``: the auditorium's morning and the study room's."""

    app: Flask
    day: dt.date
    auditorium: int
    study: int
    room: int


@pytest.fixture
def booked(any_app: Flask) -> Iterator[Booked]:
    m = member(any_app, "regasu")
    update_group(any_app, "regasu", m.group_id, name=GROUP, representative_name=REPRESENTATIVE)
    day = open_day(any_app, "regasu", "history-museum", after=17)
    hall = slot(any_app, "regasu", "history-museum", "auditorium", day, "am")
    study = slot(any_app, "regasu", "history-museum", "study-room", day, "am")
    yield Booked(
        any_app,
        day,
        book(any_app, "regasu", m.group_id, [hall]),
        book(any_app, "regasu", m.group_id, [study]),
        room_id(any_app, "regasu", "history-museum", "auditorium"),
    )


def handler(app: Flask, tenant: str = "regasu") -> tuple[FlaskClient, Ref]:
    client = app.test_client()
    staff = make_staff(app, tenant, "handler")
    sign_in_as(client, app, staff)
    client.set_cookie("lang", "ja")
    return client, staff


def form(day: dt.date, fmt: str, last: dt.date | None = None, **more: object) -> dict[str, object]:
    data: dict[str, object] = {
        "bookings-first": day.isoformat(),
        "bookings-last": (last or day).isoformat(),
        "bookings-format": fmt,
    }
    data.update({f"bookings-{key}": value for key, value in more.items()})
    return data


def take(client: FlaskClient, b: Booked, fmt: str, **more: object) -> tuple[str, bytes]:
    made = export(client, "regasu", "bookings", form(b.day, fmt, **more))
    response = client.get(made.link)
    assert response.status_code == 200
    return read_archive(response.data, made.password)


def test_cp932_csv_decodes_with_the_wave_dash_fixes(booked: Booked) -> None:
    client, _staff = handler(booked.app)
    name, data = take(client, booked, "csv-cp932")
    assert name == f"bookings-{booked.day:%Y%m%d}-{booked.day:%Y%m%d}.csv"
    assert not data.startswith(b"\xef\xbb\xbf")
    decoded = data.decode("cp932")  # strict: every byte is valid cp932
    assert "～新宿ハイキング同好会～" in decoded
    assert "試験 代表者－一" in decoded
    assert "新宿歴史博物館 講堂" in decoded and "午前" in decoded


def test_utf8_csv_has_a_bom_and_one_line_per_booking(booked: Booked) -> None:
    client, staff = handler(booked.app)
    _name, data = take(client, booked, "csv-utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    ours = [row for row in rows[1:] if row[5] == GROUP]
    assert sorted(row[0] for row in ours) == sorted(
        f"{n:06d}" for n in (booked.auditorium, booked.study)
    )
    assert all(row[6] == REPRESENTATIVE for row in ours)
    (ledger,) = ledger_rows(booked.app, "regasu", staff.id)
    assert ledger.content == f"bookings:{booked.day}/{booked.day}"
    assert ledger.record_count == len(rows) - 1
    assert (ledger.handler_login, ledger.encrypted) == (staff.login, True)
    assert ledger.format == "csv-utf-8 zip-aes256"


def test_one_room(booked: Booked) -> None:
    client, staff = handler(booked.app)
    _name, data = take(client, booked, "csv-utf-8", room=booked.room)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    numbers = {row[0] for row in rows[1:]}
    assert f"{booked.auditorium:06d}" in numbers and f"{booked.study:06d}" not in numbers
    (ledger,) = ledger_rows(booked.app, "regasu", staff.id)
    assert ledger.content.endswith(f":r{booked.room}")
    # the ledger page names the room, never the group
    page = text(client.get("/regasu/manage/exports/"))
    assert "新宿歴史博物館 講堂" in page and GROUP not in page


def test_archive_needs_the_password(booked: Booked) -> None:
    client, _staff = handler(booked.app)
    made = export(client, "regasu", "bookings", form(booked.day, "csv-cp932"))
    archive = client.get(made.link).data
    with pytest.raises((RuntimeError, zipfile.BadZipFile)):
        read_archive(archive, None)
    with pytest.raises((RuntimeError, zipfile.BadZipFile)):
        read_archive(archive, "wrong-password-0")
    assert GROUP.encode("cp932", errors="replace") not in archive  # compressed and encrypted
    assert read_archive(archive, made.password)[1]


def test_password_page_is_shown_once_and_download_works_once(booked: Booked) -> None:
    client, _staff = handler(booked.app)
    made = export(client, "regasu", "bookings", form(booked.day, "pdf"))
    assert client.get(made.page).status_code == 404  # second visit: gone
    assert made.password not in text(client.get("/regasu/manage/exports/"))
    assert client.get(made.link).status_code == 200
    assert client.get(made.link).status_code == 404


def test_pdf(booked: Booked) -> None:
    client, _staff = handler(booked.app)
    name, data = take(client, booked, "pdf")
    assert name.endswith(".pdf") and data.startswith(b"%PDF")
    chars = pdf_text_chars(data)
    assert set("新宿ハイキング同好会試験代表者") <= chars  # the group and its representative
    assert set("新宿歴史博物館講堂午前") <= chars  # room and slot


@pytest.mark.parametrize(
    "more,message",
    [
        ({"bookings-last": "2000-01-01"}, "The end date must be on or after the start date."),
        ({"bookings-first": "2026-13-45"}, "Enter a date such as 2027-04-01."),
        ({"bookings-last": "2099-12-31"}, "Choose a period of at most 366 days."),
        ({"bookings-format": "xlsx"}, "Choose one of the options."),
        ({"bookings-room": "987654"}, "Choose one of the options."),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_written(
    app: Flask, more: dict[str, str], message: str
) -> None:
    client, _staff = handler(app)
    client.set_cookie("lang", "en")
    before = ledger_count(app, "regasu")
    data = form(dt.date(2026, 4, 1), "csv-utf-8") | more
    response = client.post("/regasu/manage/exports/bookings", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert ledger_count(app, "regasu") == before


def test_room_outside_the_chosen_facility_is_refused(app: Flask) -> None:
    client, _staff = handler(app)
    client.set_cookie("lang", "en")
    room = room_id(app, "regasu", "history-museum", "auditorium")
    other = room_id(app, "regasu", "cosmic-sports", "main-arena")
    with tenant_session(app, "regasu") as session:
        facility = session.get(Room, other).facility_id  # type: ignore[union-attr]
    data = form(dt.date(2026, 4, 1), "csv-utf-8", facility=facility, room=room)
    response = client.post("/regasu/manage/exports/bookings", data=data)
    assert response.status_code == 422
    assert "This room is not in the chosen facility." in text(response)


def test_another_tenants_token_and_page_are_not_found(booked: Booked) -> None:
    client, _staff = handler(booked.app)
    made = export(client, "regasu", "bookings", form(booked.day, "csv-cp932"))
    other, _ = handler(booked.app, "genkikan")
    assert other.get(made.link.replace("/regasu/", "/genkikan/")).status_code == 404
    # another handler of the same operator cannot take it either
    colleague, _ = handler(booked.app)
    assert colleague.get(made.link).status_code == 404
    assert client.get(made.link).status_code == 200


def test_made_page_of_another_tenant_is_not_found(app: Flask) -> None:
    client, _staff = handler(app)
    response = client.post("/regasu/manage/exports/groups", data={"groups-format": "pdf"})
    assert response.status_code == 303
    page = response.headers["Location"]
    assert client.get(page.replace("/regasu/", "/genkikan/")).status_code in (302, 404)
    assert client.get(page).status_code == 200


def test_groups_as_pdf(app: Flask) -> None:
    client, staff = handler(app)
    made = export(client, "regasu", "groups", {"groups-format": "pdf"})
    _name, data = read_archive(client.get(made.link).data, made.password)
    assert data.startswith(b"%PDF")
    (ledger,) = ledger_rows(app, "regasu", staff.id)
    assert (ledger.content, ledger.format) == ("groups", "pdf zip-aes256")


def test_ward_sees_the_ledger(app: Flask) -> None:
    client, staff = handler(app)
    export(client, "regasu", "groups", {"groups-format": "csv-cp932"})
    (ledger,) = ledger_rows(app, "regasu", staff.id)
    auditor = app.test_client()
    signed_in_auditor(auditor, app)
    seen_before = last_id(app, "regasu")
    with app.test_request_context():
        url = url_for("ward_exports.ledger", slug="regasu")
    page = auditor.get(url)
    assert page.status_code == 200
    body = text(page)
    assert staff.login in body and f">{ledger.record_count}<" in body
    assert ledger.file_sha256[:16] in body
    (seen,) = entries_after(app, "regasu", seen_before, actor_kind="auditor")
    assert (seen.action, seen.record_type) == ("view", "export_ledger")
    # another operator's ledger does not show this export; an unknown one is a 404
    assert staff.login not in text(auditor.get("/ward/exports/genkikan"))
    assert auditor.get("/ward/exports/nosuch").status_code == 404
    assert auditor.get(f"{url}?page=2").status_code == 200


@pytest.mark.parametrize("who", ["resident", "handler", "responsible"])
def test_ward_ledger_refuses_others(app: Flask, who: str) -> None:
    client = app.test_client()
    ref = make_resident(app, "regasu") if who == "resident" else make_staff(app, "regasu", who)
    sign_in_as(client, app, ref)
    response = client.get("/ward/exports/regasu")
    assert response.status_code in (302, 403)
    assert "/ward/login" in response.headers.get("Location", "/ward/login")


def test_forms_work_with_csrf_protection_on(app: Flask) -> None:
    """The three forms carry their own (prefixed) CSRF token; a POST without one fails."""
    app.config["WTF_CSRF_ENABLED"] = True
    client, _staff = handler(app)
    page = text(client.get("/regasu/manage/exports/"))
    token = re.search(r'name="groups-csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page[:3000]
    assert 'name="bookings-csrf_token"' in page and 'name="daily-csrf_token"' in page
    refused = client.post("/regasu/manage/exports/groups", data={"groups-format": "pdf"})
    assert refused.status_code == 400
    data = {"groups-format": "csv-utf-8", "groups-csrf_token": token.group(1)}
    assert client.post("/regasu/manage/exports/groups", data=data).status_code == 303


def test_too_long_for_a_pdf_is_a_form_error(
    booked: Booked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shisetsu.exports.content.PDF_MAX_ROWS", 1)
    client, _staff = handler(booked.app)
    client.set_cookie("lang", "en")
    before = ledger_count(booked.app, "regasu")
    response = client.post("/regasu/manage/exports/bookings", data=form(booked.day, "pdf"))
    assert response.status_code == 422
    assert "A PDF holds at most 1 records" in text(response)
    assert ledger_count(booked.app, "regasu") == before
    # the same export as CSV is fine
    assert (
        client.post(
            "/regasu/manage/exports/bookings", data=form(booked.day, "csv-utf-8")
        ).status_code
        == 303
    )


def test_odd_query_and_form_values_are_not_errors(app: Flask) -> None:
    client, _staff = handler(app)
    assert client.get("/regasu/manage/exports/?page=99999999999999999999999").status_code == 200
    assert client.get("/regasu/manage/exports/?page=-3").status_code == 200
    data = form(dt.date(2026, 4, 1), "csv-utf-8", facility="abc", room="x1")
    assert client.post("/regasu/manage/exports/bookings", data=data).status_code == 422
    auditor = app.test_client()
    signed_in_auditor(auditor, app)
    assert auditor.get("/ward/exports/regasu?page=99999999999999999999999").status_code == 200
