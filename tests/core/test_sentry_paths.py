"""What the Sentry SDK would send when export, booking or group code fails.

The SDK runs for real (its Flask integration, ``before_send``, envelopes); only the
transport is swapped for one that keeps the envelopes in memory. The failures are
realistic: an exception whose message carries the data being worked on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from flask import Flask

from tests.core.test_observability import CapturingTransport
from tests.fixtures.apps import _dispose, make_app, sqlite_template_copy
from tests.fixtures.auth import make_resident, make_staff, sign_in_as
from tests.support.booking import book, open_day, slot
from tests.support.groups import make_approved, make_group, today_in_tokyo

# The personal items make_group stores (dummy data), and the group's name.
PERSONAL_VALUES = (
    "新宿 花子",
    "新宿",
    "花子",
    "新宿 太郎",
    "太郎",
    "東京都新宿区西新宿二丁目8番1号",
    "東京都新宿区歌舞伎町一丁目4番1号",
    "03-1234-5678",
    "090-1234-5678",
    "contact@example.jp",
    "承認済みクラブ",
)
DSN = "https://public@example.invalid/1"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def captured(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Flask, CapturingTransport]]:
    """An app on each database reporting to Sentry through an in-memory transport."""
    transport = CapturingTransport()
    sentry = {"SENTRY_DSN": DSN, "SENTRY_TRANSPORT": transport}
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        app = make_app(sqlite_template_copy(template, tmp_path), **sentry)
    else:
        database = request.getfixturevalue("pg_database")
        app = make_app(tmp_path / "instance", **database.overrides(), **sentry)
    yield app, transport
    _dispose(app)
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def events_sent(transport: CapturingTransport) -> list[dict[str, Any]]:
    sentry_sdk.get_client().flush()
    return [p for p in transport.payloads() if isinstance(p, dict) and p.get("exception")]


def assert_nothing_personal(transport: CapturingTransport, error: str) -> None:
    """One event of type ``error`` was sent, with no personal value and no frame locals."""
    events = events_sent(transport)
    assert events, "no exception event was captured"
    assert any(v["type"] == error for e in events for v in e["exception"]["values"])
    dumped = json.dumps(transport.payloads(), ensure_ascii=False, default=str)
    for value in PERSONAL_VALUES:
        assert value not in dumped, value
    frames = [
        f for e in events for v in e["exception"]["values"] for f in v["stacktrace"]["frames"]
    ]
    assert frames and all("vars" not in f for f in frames)
    assert any(f.get("module", "").startswith("shisetsu.") for f in frames)


def approved_group(app: Flask) -> int:
    resident = make_resident(app, "regasu")
    start = today_in_tokyo()
    return make_approved(
        app, "regasu", resident.id, valid_from=start, valid_until=start.replace(year=start.year + 2)
    )


def test_failed_pdf_export_sends_no_names(
    captured: tuple[Flask, CapturingTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, transport = captured
    approved_group(app)

    def broken_pdf(html: str) -> bytes:
        raise RuntimeError(f"cannot lay out the table: {html}")

    monkeypatch.setattr("shisetsu.exports.content.render_pdf", broken_pdf)
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "handler"))
    with pytest.raises(RuntimeError, match="cannot lay out"):
        client.post("/regasu/manage/exports/groups", data={"groups-format": "pdf"})
    assert_nothing_personal(transport, "RuntimeError")


def test_failed_booking_page_sends_no_names(
    captured: tuple[Flask, CapturingTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, transport = captured
    group_id = approved_group(app)
    day = open_day(app, "regasu", "history-museum", after=15)
    booking_id = book(
        app, "regasu", group_id, [slot(app, "regasu", "history-museum", "auditorium", day, "am")]
    )

    def broken_render(template: str, **context: Any) -> str:
        group = context["booking"].group
        raise KeyError(f"{group.name}: {group.representative_name} {group.contact_email}")

    monkeypatch.setattr("shisetsu.booking.manage_views.render_template", broken_render)
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "counter"))
    with pytest.raises(KeyError):
        client.get(f"/regasu/manage/bookings/{booking_id}")
    assert_nothing_personal(transport, "KeyError")


def test_failed_group_page_sends_no_names(
    captured: tuple[Flask, CapturingTransport], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, transport = captured
    resident = make_resident(app, "regasu")
    group_id = make_group(app, "regasu", resident.id)

    def broken_render(template: str, **context: Any) -> str:
        group = context["group"]
        raise ValueError(
            f"{group.representative_name} ({group.representative_address}, "
            f"{group.representative_phone_home}) / {group.contact_name} "
            f"{group.contact_address} {group.contact_phone_mobile}"
        )

    monkeypatch.setattr("shisetsu.groups.manage_views.render_template", broken_render)
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "handler"))
    with pytest.raises(ValueError, match="新宿"):
        client.get(f"/regasu/manage/groups/{group_id}")
    assert_nothing_personal(transport, "ValueError")


def test_values_are_forgotten_after_the_request(captured: tuple[Flask, CapturingTransport]) -> None:
    """A value seen in one request is not blanked (nor kept) once the request is over."""
    from shisetsu.observability import personal

    app, _transport = captured
    resident = make_resident(app, "regasu")
    group_id = make_group(app, "regasu", resident.id)
    client = app.test_client()
    sign_in_as(client, app, make_staff(app, "regasu", "handler"))
    assert client.get(f"/regasu/manage/groups/{group_id}").status_code == 200
    assert personal.seen_values() == []
    with personal.collecting():
        personal.remember("新宿 花子")
        seen = personal.seen_values()
        assert seen[0] == "新宿 花子" and set(seen) == {"新宿 花子", "新宿", "花子"}
    assert personal.seen_values() == []
