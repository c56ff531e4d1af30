"""Every CSV export (groups, bookings, daily list) in both encodings neutralises text a
spreadsheet would evaluate as a formula, while numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.spreadsheets import safe_cell, to_csv
from tests.fixtures.auth import make_staff, sign_in_as
from tests.support.booking import book, member, open_day, slot, today
from tests.support.exports import export, read_archive
from tests.support.groups import update_group

# Group and contact fields a resident typed, each a formula by its first character.
HOSTILE = {
    "name": '=HYPERLINK("http://example.invalid/","開く")',
    "representative_name": "+SUM(1,2)",
    "representative_address": "-2+3",
    "contact_name": "@SUM(A1:A9)",
    "contact_address": "\t=1+1",
    "contact_email": "=1+1@example.jp",  # a valid address (mail goes to it) that is a formula
    "representative_phone_home": "＝１＋１",
    "representative_phone_mobile": "＋１",
    "contact_phone_home": "－１＋１",
    "contact_phone_mobile": "＠SUM",
}
PURPOSE = "=cmd|'/c calc'!A1"
REASON = "@SUM(1+1)"
DANGEROUS = "=+-@\t\r＝＋－＠"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝１", "'＝１"),
        ("＋１", "'＋１"),
        ("－１", "'－１"),
        ("＠１", "'＠１"),
        ("新宿=1", "新宿=1"),
        ("-500", "-500"),
        ("12.5", "12.5"),
        (-500, "-500"),
        (Decimal("1.50"), "1.50"),
        (None, ""),
    ],
)
def test_safe_cell(value: object, written: str) -> None:
    assert safe_cell(value) == written  # type: ignore[arg-type]


def test_to_csv_neutralises_in_both_encodings() -> None:
    for encoding, codec in (("utf-8", "utf-8-sig"), ("cp932", "cp932")):
        data = to_csv([["=1+1", "＋１", 2000, "-300"]], encoding)
        (row,) = csv.reader(io.StringIO(data.decode(codec)))
        assert row == ["'=1+1", "'＋１", "2000", "-300"]


@pytest.fixture
def hostile(any_app: Flask) -> Flask:
    """Today: a group whose fields are formulas, a booking paid and one cancelled."""
    m = member(any_app, "regasu")
    update_group(any_app, "regasu", m.group_id, **HOSTILE)
    day = open_day(any_app, "regasu", "history-museum", after=15)
    am = slot(any_app, "regasu", "history-museum", "auditorium", day, "am")
    pm = slot(any_app, "regasu", "history-museum", "auditorium", day, "pm")
    paid = book(any_app, "regasu", m.group_id, [am], purpose=PURPOSE)
    cancelled = book(any_app, "regasu", m.group_id, [pm], purpose=PURPOSE)
    counter = any_app.test_client()
    sign_in_as(counter, any_app, make_staff(any_app, "regasu", "counter"))
    assert counter.post(f"/regasu/manage/bookings/{paid}/payment").status_code == 302
    response = counter.post(f"/regasu/manage/bookings/{cancelled}/cancel", data={"reason": REASON})
    assert response.status_code == 302
    any_app.config["TEST_EXPORT_DAY"] = day
    return any_app


def rows_of(client: FlaskClient, kind: str, data: dict[str, object], codec: str) -> list[list[str]]:
    made = export(client, "regasu", kind, data)
    response = client.get(made.link)
    assert response.status_code == 200
    _name, body = read_archive(response.data, made.password)
    return list(csv.reader(io.StringIO(body.decode(codec))))


def assert_no_live_formula(rows: list[list[str]], expected: set[str]) -> None:
    cells = [cell for row in rows for cell in row]
    live = [cell for cell in cells if cell and cell[0] in DANGEROUS and not is_number(cell)]
    assert live == []
    assert {f"'{value}" for value in expected} <= set(cells)


def is_number(cell: str) -> bool:
    try:
        int(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(("fmt", "codec"), [("csv-utf-8", "utf-8-sig"), ("csv-cp932", "cp932")])
def test_every_export_is_neutralised(hostile: Flask, fmt: str, codec: str) -> None:
    client = hostile.test_client()
    sign_in_as(client, hostile, make_staff(hostile, "regasu", "handler"))
    client.set_cookie("lang", "ja")
    day = hostile.config["TEST_EXPORT_DAY"]

    groups = rows_of(client, "groups", {"groups-format": fmt}, codec)
    assert_no_live_formula(groups, set(HOSTILE.values()))
    ours = next(row for row in groups if row[1] == "'" + HOSTILE["name"])
    assert ours[0].isdigit() and ours[-1].isdigit() and ours[-2].isdigit()  # numbers stay

    bookings = rows_of(
        client,
        "bookings",
        {
            "bookings-first": day.isoformat(),
            "bookings-last": day.isoformat(),
            "bookings-format": fmt,
        },
        codec,
    )
    assert_no_live_formula(bookings, {HOSTILE["name"], HOSTILE["representative_name"], PURPOSE})
    fees = [row[10] for row in bookings[1:]]
    assert fees and all(is_number(fee) for fee in fees)

    daily = rows_of(client, "daily", {"daily-day": today().isoformat(), "daily-format": fmt}, codec)
    assert_no_live_formula(daily, {HOSTILE["name"], REASON})
    amounts = [row[7] for row in daily[1:]]
    assert amounts and all(is_number(amount) for amount in amounts)
