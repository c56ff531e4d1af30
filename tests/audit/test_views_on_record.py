"""Views of personal data that used to leave no trace: the counter's group search (how it
matched and how many results, never the digits typed), group lists, booking pages, the
resident's permit, the daily list and API sign-ins and their failures (both databases);
staff prints are in tests/exports/test_prints.py. The analysis rules that read them:
permission changes and unusual search volume."""

from __future__ import annotations

import datetime as dt

import pyotp
from flask import Flask

from shisetsu.audit import analysis
from shisetsu.audit.models import Finding
from shisetsu.audit.operations import Actor, record
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import PASSWORD
from tests.support.accounts import PASSWORD as STAFF_PASSWORD
from tests.support.accounts import create_staff
from tests.support.audit import entries_after, last_id, utc
from tests.support.booking import book, member, open_day, slot
from tests.support.groups import signed_in_staff

TENANT = "genkikan"


def booked(app: Flask) -> tuple[object, int]:
    m = member(app, TENANT)
    day = open_day(app, TENANT, "genkikan")
    booking_id = book(
        app, TENANT, m.group_id, [slot(app, TENANT, "genkikan", "meeting-a", day, "am")]
    )
    return m, booking_id


def test_a_counter_search_by_phone_is_logged_without_the_digits(any_app: Flask) -> None:
    client = any_app.test_client()
    clerk = signed_in_staff(client, any_app, TENANT, "counter")
    before = last_id(any_app, TENANT)
    assert client.get(f"/{TENANT}/manage/bookings/counter?q=03-1234").status_code == 200
    (entry,) = entries_after(any_app, TENANT, before)
    assert (entry.action, entry.record_type, entry.actor_id) == ("search", "group", clerk.id)
    assert entry.detail is not None
    assert entry.detail.startswith("phone, 7 chars, ")
    assert "1234" not in entry.detail and "03" not in entry.detail.split(", q ")[0]


def test_the_same_query_gives_the_same_digest_and_counts_its_results(any_app: Flask) -> None:
    m, _booking = booked(any_app)
    with tenant_session(any_app, TENANT) as session:
        from shisetsu.groups.models import Group

        name = session.get(Group, m.group_id).name  # type: ignore[union-attr]
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "counter")
    before = last_id(any_app, TENANT)
    for query in (name, name, "該当なし団体"):
        assert (
            client.get(f"/{TENANT}/manage/bookings/counter", query_string={"q": query}).status_code
            == 200
        )
    first, second, third = entries_after(any_app, TENANT, before)
    assert first.detail == second.detail
    assert ", 1 results, " in str(first.detail) and str(first.detail).startswith("name, ")
    assert ", 0 results, " in str(third.detail)
    assert first.detail.split(" q ")[1] != third.detail.split(" q ")[1]  # type: ignore[union-attr]
    assert name not in str(first.detail)


def test_group_lists_are_views(any_app: Flask) -> None:
    client = any_app.test_client()
    signed_in_staff(client, any_app, TENANT, "handler")
    before = last_id(any_app, TENANT)
    assert client.get(f"/{TENANT}/manage/groups/").status_code == 200
    assert client.get(f"/{TENANT}/manage/groups/pending").status_code == 200
    assert client.get(f"/{TENANT}/manage/groups/?q=テスト").status_code == 200
    rows = entries_after(any_app, TENANT, before)
    assert [(r.action, r.record_type) for r in rows] == [
        ("view", "groups"),
        ("view", "groups"),
        ("search", "group"),
    ]
    assert rows[0].detail is not None and rows[0].detail.startswith("list, ")


def test_booking_pages_permits_and_the_daily_list_are_on_the_record(any_app: Flask) -> None:
    m, booking_id = booked(any_app)
    staff = any_app.test_client()
    clerk = signed_in_staff(staff, any_app, TENANT, "counter")
    before = last_id(any_app, TENANT)
    assert staff.get(f"/{TENANT}/manage/bookings/{booking_id}").status_code == 200
    assert staff.get(f"/{TENANT}/manage/bookings/daily?date=2026-12-01").status_code == 200
    rows = entries_after(any_app, TENANT, before)
    assert [(r.action, r.record_type, r.record_id, r.detail) for r in rows] == [
        ("view", "booking", str(booking_id), None),
        ("view", "daily_list", "2026-12-01", None),
    ]
    assert {r.actor_id for r in rows} == {clerk.id}

    resident = any_app.test_client()
    resident.post(
        f"/{TENANT}/account/login",
        data={"login": m.resident.login, "password": PASSWORD},  # type: ignore[attr-defined]
    )
    before = last_id(any_app, TENANT)
    assert resident.get(f"/{TENANT}/bookings/{booking_id}/permit.pdf").status_code == 200
    (entry,) = entries_after(any_app, TENANT, before)
    assert (entry.actor_kind, entry.record_id, entry.detail) == (
        "resident",
        str(booking_id),
        "permit pdf",
    )


def test_api_sign_ins_and_their_failures_are_logged(any_app: Flask) -> None:
    secret = pyotp.random_base32()
    staff = create_staff(any_app, TENANT, role="counter", secret=secret)
    client = any_app.test_client()
    url = f"/api/v1/{TENANT}/tokens"
    creds = {"login": staff.login, "kind": "staff"}
    before = last_id(any_app, TENANT)
    assert client.post(url, json={**creds, "password": "wrong password"}).status_code == 401
    assert client.post(url, json={**creds, "password": STAFF_PASSWORD}).status_code == 401
    assert client.post(
        url, json={**creds, "password": STAFF_PASSWORD, "otp": "000000"}
    ).status_code in (
        401,
        423,
    )
    code = pyotp.TOTP(secret).now()
    ok = client.post(url, json={**creds, "password": STAFF_PASSWORD, "otp": code})
    assert ok.status_code == 201, ok.get_json()
    rows = entries_after(any_app, TENANT, before)
    assert [(r.action, r.detail) for r in rows] == [
        ("login_failure", "bad_credentials"),
        ("login_failure", "otp_required"),
        ("login_failure", "wrong_code"),
        ("login_success", "api token"),
    ]
    assert rows[-1].actor_id == staff.id and rows[0].actor_id is None

    before = last_id(any_app, TENANT)
    refused = client.post(url, json={"login": "nobody-here", "password": "whatever pw"})
    assert refused.status_code == 401
    (entry,) = entries_after(any_app, TENANT, before)
    assert entry.action == "login_failure" and entry.actor_label.startswith("?")  # type: ignore[union-attr]
    assert "nobody" not in str(entry.actor_label)


def _log(app: Flask, rows: list[tuple[str, int, str, str | None, dt.datetime]]) -> None:
    """Synthetic entries: (action, staff id, record type, detail, at)."""
    with tenant_session(app, TENANT) as session:
        for action, staff_id, record_type, detail, at in rows:
            actor = Actor("staff", staff_id, f"staff-{staff_id}", "handler", "192.0.2.10", "pytest")
            record(session, action, record_type, "12", detail=detail, actor=actor, at=at)
        session.commit()


def _analyse(app: Flask, day: dt.date, **config: int) -> dict[str, Finding]:
    with tenant_session(app, TENANT) as session:
        found = analysis.analyse(session, day, analysis.AnalysisConfig(**config))
        session.commit()
        return {f"{f.rule}:{f.subject}": f for f in found}


def test_every_permission_change_is_a_finding(any_app: Flask) -> None:
    _log(
        any_app,
        [
            ("permission_change", 7, "staff", "role handler → counter", utc(2026, 3, 3, 2)),
            ("view", 7, "group", None, utc(2026, 3, 3, 3)),
        ],
    )
    found = _analyse(any_app, dt.date(2026, 3, 3))
    finding = found["permissions:staff:7"]
    assert finding.count == 1 and finding.severity == "medium"
    assert finding.data["changes"] == ["staff 12: role handler → counter"]
    assert [key for key in found if key.startswith("permissions:")] == ["permissions:staff:7"]


def test_many_searches_or_phone_fishing_is_a_finding(any_app: Flask) -> None:
    def searches(staff_id: int, how: str, count: int, hour: int) -> list:  # type: ignore[type-arg]
        detail = f"{how}, 4 chars, 1 results, q abc"
        return [
            ("search", staff_id, "group", detail, utc(2026, 3, 4, hour, i)) for i in range(count)
        ]

    # 11 by name: over a threshold of 10; 3 by phone count five times over (15 > 10);
    # 2 by phone is a normal day at the counter.
    _log(
        any_app,
        searches(8, "name", 11, 1) + searches(9, "phone", 3, 2) + searches(10, "phone", 2, 3),
    )
    found = _analyse(any_app, dt.date(2026, 3, 4), search_threshold=10)
    assert found["search_volume:staff:8"].count == 11
    assert found["search_volume:staff:9"].data["by_phone"] == 3
    assert "search_volume:staff:10" not in found
