"""The daily processing list (日別処理状況リスト): page, and its encrypted exports as CSV
(UTF-8 with BOM, cp932) and PDF; the former direct download URLs."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from shisetsu.spreadsheets import to_csv
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.booking import (
    book,
    member,
    open_day,
    pdf_fonts,
    pdf_text_chars,
    slot,
    today,
)
from tests.support.exports import export, ledger_count, read_archive
from tests.support.groups import text, update_group


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


@pytest.fixture
def processed(app: Flask) -> tuple[Flask, int, int]:
    """Today: one booking taken and paid, one taken and cancelled by staff."""
    m = member(app, "regasu")
    update_group(app, "regasu", m.group_id, name="〜新宿ママさんコーラス〜")
    day = open_day(app, "regasu", "history-museum", after=15)
    paid = book(
        app, "regasu", m.group_id, [slot(app, "regasu", "history-museum", "auditorium", day, "am")]
    )
    cancelled = book(
        app, "regasu", m.group_id, [slot(app, "regasu", "history-museum", "auditorium", day, "pm")]
    )
    staff = make_staff(app, "regasu", "counter")
    client = app.test_client()
    sign_in_as(client, app, staff)
    assert client.post(f"/regasu/manage/bookings/{paid}/payment").status_code == 302
    response = client.post(
        f"/regasu/manage/bookings/{cancelled}/cancel", data={"reason": "団体の都合"}
    )
    assert response.status_code == 302
    return app, paid, cancelled


def staff_client(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "counter"))
    return client


def test_daily_page_lists_and_totals(processed: tuple[Flask, int, int]) -> None:
    app, paid, cancelled = processed
    page = staff_client(app).get(f"/regasu/manage/bookings/daily?date={today().isoformat()}")
    assert page.status_code == 200
    body = text(page)
    assert f"{paid:06d}" in body and f"{cancelled:06d}" in body
    assert "2,000円" in body  # the morning's fee, received
    assert "団体の都合" in body


def daily_file(app: Flask, fmt: str) -> tuple[str, bytes]:
    """Export today's list as a handler; the file's name and bytes from the archive."""
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "handler"))
    client.set_cookie("lang", "ja")
    made = export(
        client, "regasu", "daily", {"daily-day": today().isoformat(), "daily-format": fmt}
    )
    response = client.get(made.link)
    assert response.status_code == 200
    return read_archive(response.data, made.password)


def test_csv_utf8_has_a_bom(processed: tuple[Flask, int, int]) -> None:
    app, paid, _cancelled = processed
    name, data = daily_file(app, "csv-utf-8")
    assert name == f"daily-{today():%Y%m%d}.csv"
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4  # header; 2 bookings, 1 payment, 1 cancellation
    assert any(row[2] == f"{paid:06d}" and row[7] == "2000" for row in rows[1:])
    assert any("〜新宿ママさんコーラス〜" in row[3] for row in rows[1:])


def test_csv_cp932_decodes_as_shift_jis(processed: tuple[Flask, int, int]) -> None:
    app, _paid, _cancelled = processed
    _name, data = daily_file(app, "csv-cp932")
    assert not data.startswith(b"\xef\xbb\xbf")
    decoded = data.decode("cp932")  # strict: every byte is valid cp932
    assert "～新宿ママさんコーラス～" in decoded  # WAVE DASH mapped to FULLWIDTH TILDE
    assert "新宿歴史博物館 講堂" in decoded


def test_daily_export_is_in_the_ledger(processed: tuple[Flask, int, int]) -> None:
    app, _paid, _cancelled = processed
    before = ledger_count(app, "regasu")
    daily_file(app, "csv-utf-8")
    assert ledger_count(app, "regasu") == before + 1


def test_old_download_urls_lead_to_the_export_form(processed: tuple[Flask, int, int]) -> None:
    app, _paid, _cancelled = processed
    day = today().isoformat()
    manager = app.test_client()
    sign_in_as(manager, app, make_staff(app, "regasu", "handler"))
    for path in (f"daily.csv?date={day}&encoding=cp932", f"daily.pdf?date={day}"):
        response = manager.get(f"/regasu/manage/bookings/{path}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(
            f"/regasu/manage/bookings/daily?date={day}#export"
        )
    page = manager.get(f"/regasu/manage/bookings/daily?date={day}").get_data(as_text=True)
    assert 'action="/regasu/manage/exports/daily"' in page
    # the counter sees the list but no export form, and is told why
    counter = staff_client(app)
    response = counter.get(f"/regasu/manage/bookings/daily.csv?date={day}", follow_redirects=True)
    assert response.status_code == 200
    assert "/manage/exports/daily" not in response.get_data(as_text=True)
    assert counter.post("/regasu/manage/exports/daily", data={}).status_code == 403


def test_csv_rejects_unknown_encodings(processed: tuple[Flask, int, int]) -> None:
    app, _paid, _cancelled = processed
    client = staff_client(app)
    assert client.get("/regasu/manage/bookings/daily.csv?encoding=latin-1").status_code == 400


def test_unmappable_characters_do_not_break_cp932() -> None:
    data = to_csv([["𠮷野家", "髙橋"]], "cp932")  # 𠮷 is outside cp932; 髙 is an IBM extension
    assert data.decode("cp932").startswith("?野家,髙橋")


def test_daily_pdf(processed: tuple[Flask, int, int]) -> None:
    app, _paid, _cancelled = processed
    name, data = daily_file(app, "pdf")
    assert name.endswith(".pdf") and data.startswith(b"%PDF")
    assert set("新宿歴史博物館講堂令和") <= pdf_text_chars(data)
    assert any("IPAex" in f or "CJK" in f for f in pdf_fonts(data))


def test_staff_permit_pdf(processed: tuple[Flask, int, int]) -> None:
    app, paid, cancelled = processed
    client = staff_client(app)
    response = client.post(f"/regasu/manage/print/permits/{paid}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert set("使用承認書納付済領収番号") <= pdf_text_chars(response.data)
    assert client.post(f"/regasu/manage/print/permits/{cancelled}").status_code == 404
