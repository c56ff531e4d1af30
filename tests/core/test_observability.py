"""Tests for Sentry scrubbing/initialisation and structured request logging."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any, cast
from urllib.parse import quote, quote_plus

import flask
import pytest
import sentry_sdk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from shisetsu.observability.logging import (
    REQUEST_LOGGER_NAME,
    JsonFormatter,
    init_request_logging,
)
from shisetsu.observability.sentry import (
    FILTERED,
    MAX_STRING_LENGTH,
    TRUNCATED,
    init_sentry,
    scrub_event,
    scrub_string,
)

# Synthetic personal data (not a real person).
NAME = "山田 花子"
ADDRESS = "東京都新宿区西新宿2-8-1"
PHONE = "03-1234-5678"
EMAIL = "taro@example.com"
PII = (NAME, ADDRESS, PHONE, EMAIL)
# The same values as they appear percent-encoded in URLs and headers.
ENCODED_PII = tuple(quote(v) for v in PII) + tuple(quote_plus(v) for v in PII)


# --------------------------------------------------------------------------- Sentry init


class CapturingTransport(Transport):
    """Keep envelopes in memory instead of sending them anywhere."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def payloads(self) -> list[Any]:
        """Every item payload of every envelope (events, transactions, sessions...)."""
        out: list[Any] = []
        for envelope in self.envelopes:
            for item in envelope.items:
                out.append(
                    item.payload.json
                    if item.payload.json is not None
                    else item.payload.get_bytes().decode()
                )
        return out


@pytest.fixture
def sentry_reset() -> Iterator[None]:
    """Leave no active Sentry client behind for other tests."""
    yield
    client = sentry_sdk.get_client()
    client.close()
    sentry_sdk.get_global_scope().set_client(None)
    assert not sentry_sdk.get_client().is_active()


def test_init_sentry_without_dsn_does_nothing(sentry_reset: None) -> None:
    app = flask.Flask(__name__)
    app.config["SENTRY_DSN"] = ""
    assert init_sentry(app) is False
    assert sentry_sdk.get_client().is_active() is False
    app.config.pop("SENTRY_DSN")
    assert init_sentry(app) is False
    assert sentry_sdk.get_client().is_active() is False


def test_captured_exception_contains_no_personal_data(sentry_reset: None) -> None:
    transport = CapturingTransport()
    app = flask.Flask(__name__)
    app.config.update(
        SENTRY_DSN="https://public@example.invalid/1",
        SENTRY_TRANSPORT=transport,
        ENV_NAME="test",
        SENTRY_RELEASE="shisetsu@test",
    )
    assert init_sentry(app) is True
    client = sentry_sdk.get_client()
    assert client.is_active()
    assert client.should_send_default_pii() is False
    assert client.options["before_send"] is scrub_event
    assert client.options["before_send_transaction"] is scrub_event
    assert client.options["environment"] == "test"
    assert client.options["release"] == "shisetsu@test"

    @app.post("/bookings/<int:room>")
    def book(room: int) -> str:
        form = request_form()
        representative_name = form["name"]
        booking = dict(form)
        summary = f"room {room}: {form['address']} / {form['phone']} / {form['email']}"
        assert representative_name and booking and summary
        raise RuntimeError(f"booking failed for {form['email']} ({form['phone']})")

    http = app.test_client()
    response = http.post(
        "/bookings/3",
        query_string={"name": NAME, "tel": PHONE, "q": EMAIL, "note": ADDRESS, "room": "3"},
        data={"name": NAME, "address": ADDRESS, "phone": PHONE, "email": EMAIL, "note": ADDRESS},
        headers={
            "X-Representative-Name": quote(NAME),
            "X-Note": f"{PHONE} {EMAIL}",
            "X-Where": quote(ADDRESS),
            "Authorization": "Bearer secret-token-value",
        },
    )
    assert response.status_code == 500
    sentry_sdk.get_client().flush()

    events = [p for p in transport.payloads() if isinstance(p, dict) and p.get("exception")]
    assert events, "no exception event was captured"
    dumped = json.dumps(transport.payloads(), ensure_ascii=False, default=str)
    for value in (*PII, *ENCODED_PII, "secret-token-value"):
        assert value not in dumped, value
    assert "RuntimeError" in dumped
    assert any(v.get("type") == "RuntimeError" for e in events for v in e["exception"]["values"])
    assert client.options["include_local_variables"] is False
    # The structure is still useful: the view's frame is there, without its locals.
    frames = [
        f for e in events for v in e["exception"]["values"] for f in v["stacktrace"]["frames"]
    ]
    view = next(f for f in frames if f.get("function") == "book")
    assert "vars" not in view


def request_form() -> dict[str, str]:
    """Return the submitted form (kept outside the view so source context has no PII)."""
    return flask.request.form.to_dict()


# --------------------------------------------------------------------------- scrub_event


def _scrub(event: Any, hint: Any = None) -> dict[str, Any]:
    """Call the hook with plain dicts (Sentry types events as a TypedDict)."""
    return cast("dict[str, Any]", scrub_event(event, hint))


def _event(**fields: Any) -> dict[str, Any]:
    return {"event_id": "0123456789abcdef0123456789abcdef", "level": "error", **fields}


@pytest.mark.parametrize(
    "text",
    [
        "call 03-1234-5678 please",
        "090-1234-5678",
        "0312345678",
        "09012345678",
        "+81-90-1234-5678",
        "+81 3 1234 5678",
        "0120-123-456",
        "03(1234)5678",
        "mail taro@example.com now",
        "〒160-0022",
        "160-0022",
        "東京都新宿区西新宿2-8-1",
        "住所: 北海道札幌市中央区北1条西2丁目",
        "新宿区西新宿2-8-1",
        "新宿区西新宿二丁目",
        "q=taro%40example.com",
        "ImmutableMultiDict([('name', '山田 花子'), ('room', '3')])",
        "{'representative': '山田 花子'}",
        '{"contact": "山田 花子"}',
        "Booking(full_name='山田 花子', room=3)",
        "<Request 'http://localhost/b?name=%E5%B1%B1%E7%94%B0&room=3' [POST]>",
    ],
)
def test_scrub_string_removes_patterns(text: str) -> None:
    scrubbed = scrub_string(text)
    assert FILTERED in scrubbed
    for value in (*PII, "taro", "山田", "1234", "0022", "西新宿", "札幌"):
        assert value not in scrubbed, (text, scrubbed)


@pytest.mark.parametrize(
    "text",
    [
        "room 3",
        "2026-02-01",
        "2026-02-01T09:30:00.123456+00:00",
        "0123456789abcdef0123456789abcdef",
        "550e8400-e29b-41d4-a716-446655440000",
        "RuntimeError: booking failed",
        "v1.2.3",
        "1706745600000",
        "新宿区立大久保地域センター 第1会議室",
        "ImmutableMultiDict([('room', '3'), ('date', '2026-02-01')])",
        "/bookings/3?room=3&date=2026-02-01",
        "a + b = c",
    ],
)
def test_scrub_string_keeps_non_personal_data(text: str) -> None:
    assert scrub_string(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "@" + "a" * 200_000,
        "0" * 200_000,
        "新宿区" * 70_000,
        "東京都" * 70_000,
        "'k': '" * 40_000,
        "%E5" * 70_000,
    ],
)
def test_scrub_string_long_input_is_bounded(text: str) -> None:
    start = time.perf_counter()
    scrubbed = scrub_string(text)
    assert time.perf_counter() - start < 2
    assert len(scrubbed) <= MAX_STRING_LENGTH + len(TRUNCATED)
    assert scrubbed.endswith(TRUNCATED)


def test_scrub_string_truncation_leaves_no_fragment() -> None:
    for offset in range(-40, 40, 3):
        text = "x" * (MAX_STRING_LENGTH + offset) + f" {EMAIL} {PHONE} " + "y" * 1000
        scrubbed = scrub_string(text)
        assert "taro" not in scrubbed and "1234" not in scrubbed, offset


def test_scrub_event_key_based_nested() -> None:
    event = _event(
        extra={
            "booking": {
                "Representative": {"kana": "ヤマダ"},
                "items": [
                    {"contact_phone": "x", "room": "room 3", "date": "2026-02-01"},
                    ["plain", {"E_Mail": "y", "count": 2}],
                ],
                "X-CSRF-Token": "abc",
                "password_hash": "argon2...",
                "user_name": "someone",
                "otp_code": 123456,
                "session_id": "s",
            }
        }
    )
    scrubbed = _scrub(event, {})
    booking = scrubbed["extra"]["booking"]
    assert booking["Representative"] == FILTERED
    assert booking["items"][0] == {
        "contact_phone": FILTERED,
        "room": "room 3",
        "date": "2026-02-01",
    }
    assert booking["items"][1] == ["plain", {"E_Mail": FILTERED, "count": 2}]
    for key in ("X-CSRF-Token", "password_hash", "user_name", "otp_code", "session_id"):
        assert booking[key] == FILTERED
    assert scrubbed["event_id"] == event["event_id"]


def test_scrub_event_is_pure() -> None:
    event = _event(extra={"name": NAME, "note": PHONE}, user={"id": 7, "email": EMAIL})
    original = copy.deepcopy(event)
    _scrub(event, {})
    assert event == original


def test_scrub_event_request_user_and_query_string() -> None:
    event = _event(
        request={
            "url": "http://localhost/bookings/3",
            "method": "POST",
            "query_string": f"name={quote_plus(NAME)}&room=3&note={quote_plus(ADDRESS)}",
            "data": {"anything": "at all"},
            "cookies": {"a": "b"},
            "headers": {"Authorization": "Bearer x", "X-Note": PHONE, "Accept": "text/html"},
            "env": {"REMOTE_ADDR": "192.0.2.1", "SERVER_PORT": "80"},
        },
        user={"id": "u-42", "email": EMAIL, "username": "hanako", "ip_address": "192.0.2.1"},
    )
    scrubbed = _scrub(event, None)
    request = scrubbed["request"]
    assert "data" not in request and "cookies" not in request
    assert request["query_string"] == f"name={FILTERED}&room=3&note={FILTERED}"
    assert request["headers"] == {
        "Authorization": FILTERED,
        "X-Note": FILTERED,
        "Accept": "text/html",
    }
    assert request["env"] == {"REMOTE_ADDR": FILTERED, "SERVER_PORT": "80"}
    assert request["url"] == "http://localhost/bookings/3"
    assert scrubbed["user"] == {"id": "u-42"}
    assert "user" not in _scrub(_event(user={"email": EMAIL}), None)


def test_scrub_event_exception_frames_breadcrumbs_logentry_contexts() -> None:
    event = _event(
        exception={
            "values": [
                {
                    "type": "ValueError",
                    "value": f"bad phone {PHONE} for {EMAIL}",
                    "module": "builtins",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "shisetsu/names.py",
                                "abs_path": "/srv/shisetsu/names.py",
                                "function": "rename",
                                "module": "shisetsu.names",
                                "lineno": 10,
                                "vars": {
                                    "name": NAME,
                                    "filename": "upload.csv",
                                    "note": f"{ADDRESS} 2026-02-01",
                                    "n": 3,
                                },
                            }
                        ]
                    },
                }
            ]
        },
        breadcrumbs={
            "values": [
                {"category": "query", "message": f"lookup {EMAIL}", "data": {"tel": PHONE}},
            ]
        },
        logentry={
            "message": "booking by %s for room %d",
            "params": [NAME, 3],
            "formatted": f"booking by {NAME} for room 3",
        },
        message=f"contact {EMAIL}",
        contexts={
            "runtime": {"name": "CPython", "version": "3.11.7"},
            "representative": {"kana": "ヤマダ"},
            "booking": {"room": "room 3", "phone": PHONE},
        },
        sdk={"name": "sentry.python.flask", "version": "2.75.0"},
        server_name="web-1",
        tags={"tenant": "regasu", "user_email": EMAIL},
        _meta={"extra": {"name": {"": {"rem": [["!config", "s"]]}}}},
    )
    scrubbed = _scrub(event, {})
    dumped = json.dumps(scrubbed, ensure_ascii=False)
    for value in (*PII, "山田"):
        assert value not in dumped
    exc = scrubbed["exception"]["values"][0]
    assert exc["type"] == "ValueError"
    assert exc["value"] == f"bad phone {FILTERED} for {FILTERED}"
    frame = exc["stacktrace"]["frames"][0]
    assert frame["filename"] == "shisetsu/names.py"
    assert frame["abs_path"] == "/srv/shisetsu/names.py"
    assert frame["function"] == "rename"
    assert "vars" not in frame  # a frame's locals never leave, filtered or not
    crumb = scrubbed["breadcrumbs"]["values"][0]
    assert crumb == {
        "category": "query",
        "message": f"lookup {FILTERED}",
        "data": {"tel": FILTERED},
    }
    assert scrubbed["logentry"] == {
        "message": "booking by %s for room %d",
        "params": [FILTERED, 3],
        "formatted": f"booking by {FILTERED} for room 3",
    }
    assert scrubbed["message"] == f"contact {FILTERED}"
    assert scrubbed["contexts"] == {
        "runtime": {"name": "CPython", "version": "3.11.7"},
        "representative": FILTERED,
        "booking": {"room": "room 3", "phone": FILTERED},
    }
    assert scrubbed["sdk"] == {"name": "sentry.python.flask", "version": "2.75.0"}
    assert scrubbed["server_name"] == "web-1"
    assert scrubbed["tags"] == {"tenant": "regasu", "user_email": FILTERED}
    assert "_meta" not in scrubbed


class _ExplodingMapping(Mapping[str, Any]):
    """A mapping that fails as soon as it is walked."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("boom")

    def __len__(self) -> int:
        return 1


def test_scrub_event_never_raises() -> None:
    event = _event(
        extra=_ExplodingMapping(),
        exception={"values": [{"type": "KeyError", "value": EMAIL}]},
        user={"email": EMAIL},
    )
    scrubbed = _scrub(event, {})
    assert scrubbed["event_id"] == event["event_id"]
    assert scrubbed["exception"] == {"values": [{"type": "KeyError"}]}
    assert EMAIL not in json.dumps(scrubbed)
    # Even a non-mapping is turned into something safe.
    assert "message" in _scrub(None, None)


def test_scrub_event_deeply_nested_is_bounded() -> None:
    deep: dict[str, Any] = {"v": PHONE}
    for _ in range(200):
        deep = {"x": deep}
    scrubbed = _scrub(_event(extra=deep), {})
    assert PHONE not in json.dumps(scrubbed)


_json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_json = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
_pii_text = st.sampled_from(PII).flatmap(
    lambda v: st.tuples(st.text(max_size=8), st.text(max_size=8)).map(
        lambda ab: f"{ab[0]} {v} {ab[1]}"
    )
)


# The first run on a fresh machine builds Hypothesis' Unicode tables: not a slow test.
_HYPOTHESIS: dict[str, Any] = {
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
}
_EVENT_KEYS = (
    *("request", "user", "extra", "contexts", "logentry", "breadcrumbs", "exception"),
    *("tags", "message", "sdk", "modules", "_meta", "spans", "weird"),
)


@settings(**_HYPOTHESIS, max_examples=150)
@given(
    event=st.dictionaries(
        st.sampled_from(_EVENT_KEYS),
        _json,
        max_size=6,
    )
)
def test_scrub_event_total_and_pure(event: dict[str, Any]) -> None:
    original = copy.deepcopy(event)
    scrubbed = _scrub(event, {})
    assert event == original
    json.dumps(scrubbed)
    if isinstance(scrubbed.get("request"), dict):
        assert "data" not in scrubbed["request"] and "cookies" not in scrubbed["request"]
    assert set(scrubbed.get("user") or {}) <= {"id"}


@settings(**_HYPOTHESIS, max_examples=100)
@given(text=_pii_text)
def test_scrub_string_removes_embedded_email_phone_address(text: str) -> None:
    scrubbed = scrub_string(text)
    for value in (ADDRESS, PHONE, EMAIL):
        assert value not in scrubbed


# --------------------------------------------------------------------------- request logging


class _ListHandler(logging.Handler):
    """Collect formatted records."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Attach a collecting handler to the request logger for one test."""
    logger = logging.getLogger(REQUEST_LOGGER_NAME)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logger.handlers = []
    handler = _ListHandler()
    logger.addHandler(handler)
    yield handler.lines
    logger.handlers, level, logger.propagate = saved[0], saved[1], saved[2]
    logger.setLevel(level)


@pytest.fixture
def log_app() -> flask.Flask:
    app = flask.Flask(__name__)

    @app.before_request
    def set_tenant() -> None:
        tenant = flask.request.args.get("tenant")
        if tenant:
            flask.g.tenant_slug = tenant

    @app.get("/rooms")
    def rooms() -> str:
        return "ok"

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    init_request_logging(app)
    return app


def test_request_log_line(log_app: flask.Flask, log_lines: list[str]) -> None:
    response = log_app.test_client().get(f"/rooms?tenant=regasu&email={quote(EMAIL)}")
    assert response.status_code == 200
    assert len(log_lines) == 1
    line = log_lines[0]
    assert "\n" not in line
    record = json.loads(line)
    assert record["method"] == "GET"
    assert record["path"] == "/rooms"
    assert record["endpoint"] == "rooms"
    assert record["status"] == 200
    assert record["tenant"] == "regasu"
    assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    assert record["remote_addr"] == "127.0.0.1"
    assert record["ts"].endswith("+00:00")
    assert record["request_id"] == response.headers["X-Request-ID"]
    assert "?" not in line and "example" not in line and "email" not in line


def test_request_log_without_tenant_and_404(log_app: flask.Flask, log_lines: list[str]) -> None:
    response = log_app.test_client().get("/nowhere")
    assert response.status_code == 404
    (line,) = log_lines
    record = json.loads(line)
    assert record["tenant"] is None
    assert record["endpoint"] is None
    assert record["status"] == 404


def test_request_log_unhandled_exception(log_app: flask.Flask, log_lines: list[str]) -> None:
    log_app.logger.disabled = True  # keep Flask's own traceback out of the test output
    response = log_app.test_client().get("/boom")
    assert response.status_code == 500
    (line,) = log_lines
    assert json.loads(line)["status"] == 500
    assert response.headers["X-Request-ID"] == json.loads(line)["request_id"]


def test_request_id_echoed_when_valid(log_app: flask.Flask, log_lines: list[str]) -> None:
    rid = "abcDEF12-3456-7890"
    response = log_app.test_client().get("/rooms", headers={"X-Request-ID": rid})
    assert response.headers["X-Request-ID"] == rid
    assert json.loads(log_lines[0])["request_id"] == rid


@pytest.mark.parametrize(
    "bad",
    [
        "has spaces in it",
        "a" * 65,
        "short",
        "abc_def_ghi",
        "abcdefgh\nX-Evil: 1",
        "日本語のリクエストID",
    ],
)
def test_request_id_replaced_when_invalid(
    log_app: flask.Flask, log_lines: list[str], bad: str
) -> None:
    headers = {"X-Request-ID": quote(bad) if "\n" in bad or not bad.isascii() else bad}
    response = log_app.test_client().get("/rooms", headers=headers)
    rid = response.headers["X-Request-ID"]
    assert rid != headers["X-Request-ID"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    assert json.loads(log_lines[0])["request_id"] == rid


def test_request_log_disabled(log_app: flask.Flask, log_lines: list[str]) -> None:
    log_app.config["REQUEST_LOG"] = False
    response = log_app.test_client().get("/rooms")
    assert response.status_code == 200
    assert "X-Request-ID" in response.headers
    assert log_lines == []


def test_default_handler_is_attached_once() -> None:
    logger = logging.getLogger(REQUEST_LOGGER_NAME)
    saved = (logger.handlers[:], logger.level, logger.propagate)
    logger.handlers = []
    try:
        init_request_logging(flask.Flask(__name__))
        init_request_logging(flask.Flask(__name__))
        assert len(logger.handlers) == 1
        assert isinstance(logger.handlers[0].formatter, JsonFormatter)
        assert logger.propagate is False
        assert logging.getLogger().handlers == logging.getLogger().handlers  # root untouched
    finally:
        logger.handlers, logger.propagate = saved[0], saved[2]
        logger.setLevel(saved[1])


def test_json_formatter_extra_fields_and_unicode() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hi %s", ("there",), None)
    record.tenant = "大久保"
    record.when = object()
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "hi there"
    assert data["tenant"] == "大久保"
    assert "大久保" in JsonFormatter().format(record)
    assert "args" not in data and "msg" not in data
