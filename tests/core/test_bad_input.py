"""Bad input is a clear 400 (or 413), never a 500: control, bidi and zero-width characters
anywhere, dates outside the calendar, huge page numbers, deep or broken JSON, oversized
bodies and malformed headers; on both databases (PostgreSQL refuses NUL outright)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shisetsu.booking.models import Booking
from shisetsu.dates import parse_day
from shisetsu.groups.models import Group
from shisetsu.routing import MAX_PAGE, page_number
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import PASSWORD, make_staff, sign_in_as
from tests.support.api import assert_error
from tests.support.audit import signed_in_auditor
from tests.support.booking import member, open_day, slot

TENANT = "regasu"
INVISIBLE = ["a\x00b", "a\x1bb", "a\x85b", "\u202eabc", "a\u2066b", "ab\u200bc", "a\ufeffb"]


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def staff(app: Flask, role: str = "handler") -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, TENANT, role))
    return client


def refused_page(response, lang: str = "ja") -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    want = "制御文字" if lang == "ja" else "control characters"
    assert want in body, body[:1500]
    assert "Traceback" not in body


@pytest.mark.parametrize("value", INVISIBLE)
def test_sign_in_with_invisible_characters_is_refused(app: Flask, value: str) -> None:
    response = app.test_client().post(
        f"/{TENANT}/account/login", data={"login": value, "password": PASSWORD}
    )
    refused_page(response)


def test_the_message_is_in_the_readers_language(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("lang", "en")
    response = client.post(f"/{TENANT}/account/login", data={"login": "a\x00", "password": "x"})
    refused_page(response, "en")


def test_search_and_path_with_nul(app: Flask) -> None:
    client = staff(app)
    refused_page(client.get(f"/{TENANT}/manage/groups/", query_string={"q": "a\x00"}))
    assert client.get(f"/{TENANT}/manage/groups/", query_string={"q": "合唱"}).status_code == 200
    refused_page(app.test_client().get(f"/{TENANT}/bookings/calendar/ab%00cd.ics"))


def test_purpose_with_nul_books_nothing(app: Flask) -> None:
    m = member(app, TENANT)
    day = open_day(app, TENANT, "history-museum", after=15)
    chosen = slot(app, TENANT, "history-museum", "auditorium", day, "am")
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    response = client.post(
        f"/{TENANT}/book",
        query_string={"slot": chosen},
        data={"slots": chosen, "attendees": "10", "purpose": "練習\x00"},
    )
    refused_page(response)
    with tenant_session(app, TENANT) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 0


def test_group_name_with_a_bidi_override_changes_nothing(app: Flask) -> None:
    m = member(app, TENANT)
    client = app.test_client()
    sign_in_as(client, app, m.resident)
    response = client.post(f"/{TENANT}/groups/apply", data={"name": "合唱\u202eクラブ"})
    refused_page(response)
    with tenant_session(app, TENANT) as session:
        names = session.scalars(sa.select(Group.name)).all()
    assert not any("\u202e" in name for name in names)


def test_newlines_pass_in_multi_line_fields_only(app: Flask) -> None:
    client = staff(app, "counter")
    # The cancel reason is a text area: a newline is no invisible character there.
    response = client.post(
        f"/{TENANT}/manage/bookings/987654/cancel", data={"reason": "一行目\n二行目"}
    )
    assert response.status_code == 404
    refused_page(client.get(f"/{TENANT}/manage/groups/", query_string={"q": "a\nb"}))


def test_newline_in_next_is_refused(app: Flask) -> None:
    response = app.test_client().get(
        f"/{TENANT}/account/login", query_string={"next": "/x\r\nSet-Cookie: a=b"}
    )
    refused_page(response)
    assert "Set-Cookie" not in response.headers or "a=b" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_dates_outside_the_calendar(app: Flask, day: str) -> None:
    response = staff(app).get(f"/{TENANT}/manage/bookings/daily", query_string={"date": day})
    assert response.status_code == 400
    assert "1900" in response.get_data(as_text=True)
    auditor = app.test_client()
    signed_in_auditor(auditor, app)
    response = auditor.get(f"/ward/audit/access-log/{TENANT}", query_string={"since": day})
    assert response.status_code == 400


def test_dates_inside_the_calendar_still_work(app: Flask) -> None:
    client = staff(app)
    # A phone number is no date, even when it looks a little like one.
    phone = client.get(f"/{TENANT}/manage/groups/", query_string={"q": "0120-12-34"})
    assert phone.status_code == 200
    for day in ("1900-01-01", "2999-12-31"):
        response = client.get(f"/{TENANT}/manage/bookings/daily", query_string={"date": day})
        assert response.status_code == 200, day


def test_parse_day() -> None:
    assert parse_day("2026-04-01") == dt.date(2026, 4, 1)
    assert parse_day(" 2026-04-01 ") == dt.date(2026, 4, 1)
    for raw in (None, "", "9999-12-31", "0001-01-01", "2026-02-30", "tomorrow"):
        assert parse_day(raw) is None


@pytest.mark.parametrize("page", [str(2**63 - 1), str(2**63), str(10**30), "-5", "x"])
def test_huge_page_numbers_are_clamped(app: Flask, page: str) -> None:
    client = staff(app, "responsible")
    for path in ("manage/groups/", "manage/exports/", "manage/privacy/"):
        response = client.get(f"/{TENANT}/{path}", query_string={"page": page})
        assert response.status_code == 200, (path, response.status_code)
    assert page_number(2**63) == MAX_PAGE and page_number(None) == 1 and page_number(-3) == 1


def test_api_refuses_invisible_characters_and_bad_json(app: Flask) -> None:
    client = app.test_client()
    response = client.post(
        f"/api/v1/{TENANT}/tokens", json={"login": "a\u200bb", "password": PASSWORD}
    )
    assert_error(response, 400, "invalid_characters")
    deep = "[" * 5000 + "]" * 5000
    for body in (deep, "{not json", '{"a": ' * 40 + "1" + "}" * 40):
        response = client.post(
            f"/api/v1/{TENANT}/tokens", data=body, content_type="application/json"
        )
        assert_error(response, 400, "bad_json")


def test_an_empty_json_body_is_left_to_the_view(app: Flask) -> None:
    response = app.test_client().get(
        f"/api/v1/{TENANT}/facilities", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200


def test_huge_bodies_are_413(app: Flask) -> None:
    huge = "x" * (1024 * 1024 + 1)
    response = app.test_client().post(f"/{TENANT}/account/login", data={"login": huge})
    assert response.status_code == 413 and response.mimetype == "text/html"
    response = app.test_client().post(f"/api/v1/{TENANT}/tokens", json={"login": huge})
    assert_error(response, 413, "too_large")


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json; charset=no-such-charset"},
        {"Content-Type": "multipart/form-data"},
        {"Content-Type": "multipart/form-data; boundary=x"},
        {"Accept-Language": "\x7f;;q=abc,,*;q=9"},
        {"Cookie": "session=%%%; lang=\xff"},
        {"If-Modified-Since": "yesterday"},
        {"Range": "bytes=abc"},
        {"Authorization": "Bearer \x00"},
        {"Authorization": "Basic !!!"},
        {"X-Forwarded-For": "not an address"},
    ],
)
def test_malformed_headers_are_no_500(app: Flask, headers: dict[str, str]) -> None:
    client = app.test_client()
    for method, path in (
        ("GET", f"/{TENANT}/"),
        ("POST", f"/{TENANT}/account/login"),
        ("POST", f"/api/v1/{TENANT}/tokens"),
        ("GET", f"/api/v1/{TENANT}/me"),
    ):
        response = client.open(path, method=method, headers=headers, data="a=b")
        assert response.status_code < 500, (method, path, response.status_code)
