"""Sentry error reporting with personal data scrubbed before anything leaves the process."""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import metadata
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, unquote_plus, urlencode

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

from shisetsu.observability import personal

if TYPE_CHECKING:
    import flask
    from sentry_sdk.types import Event, Hint

FILTERED = "[Filtered]"

#: A key whose lower-cased name contains one of these has its value replaced wholesale.
SENSITIVE_KEY_PARTS: tuple[str, ...] = (
    "name",
    "address",
    "addr",
    "phone",
    "tel",
    "mobile",
    "email",
    "mail",
    "password",
    "passwd",
    "secret",
    "token",
    "otp",
    "totp",
    "cookie",
    "authorization",
    "session",
    "csrf",
    "representative",
    "contact",
)

#: Sentry schema keys that carry SDK/code metadata, never user input. They are exempt from
#: key-based redaction only outside user-data containers (frame vars, extra, headers, ...).
_STRUCTURAL_KEYS = frozenset(
    {"name", "filename", "abs_path", "function", "module", "server_name", "raw_function"}
)

#: Containers whose keys are chosen by application code or clients, not by Sentry.
_USER_DATA_KEYS = frozenset(
    {"vars", "data", "extra", "headers", "env", "tags", "params", "cookies", "user", "fingerprint"}
)

#: Contexts the SDK itself fills in; any other context is treated as user data.
_SDK_CONTEXTS = frozenset(
    {
        "runtime",
        "os",
        "device",
        "app",
        "browser",
        "trace",
        "otel",
        "gpu",
        "culture",
        "cloud_resource",
    }
)

_MAX_DEPTH = 40
#: Longer strings are cut (after scrubbing) to bound the cost of the patterns below.
MAX_STRING_LENGTH = 16_384
_TRUNCATION_MARGIN = 256
TRUNCATED = "…[truncated]"

_ASCII_ALNUM = "0-9A-Za-z０-９"
_DASH = r"\-‐‑–—－−ー"
# Bounded repetitions keep every pattern linear on very long strings (Sentry does not
# truncate values by default).
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
_PHONE_RE = re.compile(
    rf"(?<![{_ASCII_ALNUM}])(?:"
    # +81-90-1234-5678, +81 3 1234 5678, +819012345678
    rf"\+81[{_DASH}\s]?\(?0?\d{{1,4}}\)?[{_DASH}\s]?\d{{1,4}}[{_DASH}\s]?\d{{3,4}}"
    # 03-1234-5678, 090-1234-5678, 0120-123-456, 03(1234)5678
    rf"|0\d{{1,4}}(?:[{_DASH}]\d{{1,4}}[{_DASH}]|\(\d{{1,4}}\))\d{{3,4}}"
    # 0312345678, 09012345678
    rf"|0\d{{9,10}}"
    rf")(?![{_ASCII_ALNUM}])"
)
_POSTAL_RE = re.compile(
    rf"〒\s*\d{{3}}[{_DASH}]?\d{{4}}|(?<![{_ASCII_ALNUM}{_DASH}])\d{{3}}[{_DASH}]\d{{4}}(?![{_ASCII_ALNUM}{_DASH}])"
)
_CJK = "一-龥々〆ヵヶぁ-んァ-ヶー"
# Characters that end the tail of an address (whitespace, punctuation, quoting, URL syntax).
_ADDRESS_STOP = r"""\s,、。;；&=|'"()\[\]{}<>"""
# 東京都新宿区西新宿2-8-1: prefecture marker then ward/city/town/village, plus the rest of the run.
_ADDRESS_RE = re.compile(
    rf"[{_CJK}]{{0,4}}[都道府県][{_CJK}]{{1,10}}?[区市町村郡][^{_ADDRESS_STOP}]*"
    # 新宿区西新宿2-8-1 / 新宿区西新宿二丁目: no prefecture, but block numbers follow.
    rf"|[{_CJK}]{{1,10}}[区市町村][{_CJK}]{{0,20}}(?:\d{{1,5}}(?:[{_DASH}]\d{{1,5}})+|[一二三四五六七八九十\d]{{1,4}}丁目)"
    rf"[^{_ADDRESS_STOP}]*"
)
_PATTERNS = (_EMAIL_RE, _ADDRESS_RE, _POSTAL_RE, _PHONE_RE)

# Key/value pairs embedded in strings: reprs of dicts and MultiDicts ('name', 'x') /
# {'name': 'x'}, keyword reprs name='x', and query strings ?name=x&... (as in a
# werkzeug Request repr or a WSGI environ's QUERY_STRING).
_QUOTED_PAIR_RE = re.compile(
    r"""(?P<q>['"])(?P<key>[^'"\s]{1,64})(?P=q)(?P<sep>\s*[:,=]\s*)"""
    r"""(?P<vq>['"])(?P<val>(?:\\.|(?!(?P=vq)).)*)(?P=vq)"""
)
_KEYWORD_PAIR_RE = re.compile(
    r"""(?<![\w.])(?P<key>[A-Za-z_][\w.\[\]-]{0,63})(?P<sep>=)"""
    r"""(?:(?P<vq>['"])(?P<qval>(?:\\.|(?!(?P=vq)).)*)(?P=vq)|(?P<val>[^&;\s'"<>#,)]*))"""
)


def _is_sensitive_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SENSITIVE_KEY_PARTS)


def _redact_quoted_pair(match: re.Match[str]) -> str:
    if not _is_sensitive_key(match["key"]):
        return match[0]
    q, vq = match["q"], match["vq"]
    return f"{q}{match['key']}{q}{match['sep']}{vq}{FILTERED}{vq}"


def _redact_keyword_pair(match: re.Match[str]) -> str:
    if not _is_sensitive_key(match["key"]):
        return match[0]
    vq = match["vq"] or ""
    return f"{match['key']}={vq}{FILTERED}{vq}"


def scrub_string(value: str) -> str:
    """Replace e-mail addresses, Japanese phone numbers, postal codes and addresses.

    Values of sensitive keys embedded in the string (dict/MultiDict reprs, ``key='v'``,
    query strings) are replaced as well. Very long strings are truncated.
    """
    if len(value) > MAX_STRING_LENGTH:
        # Scrub a little more than we keep, then drop that margin: a match cut in half at
        # the boundary must not survive as a fragment.
        head = _scrub_text(value[: MAX_STRING_LENGTH + _TRUNCATION_MARGIN])
        return head[: max(0, len(head) - _TRUNCATION_MARGIN)] + TRUNCATED
    return _scrub_text(value)


def _scrub_text(value: str) -> str:
    scrubbed = value
    if "=" in scrubbed or "'" in scrubbed or '"' in scrubbed:
        scrubbed = _QUOTED_PAIR_RE.sub(_redact_quoted_pair, scrubbed)
        scrubbed = _KEYWORD_PAIR_RE.sub(_redact_keyword_pair, scrubbed)
    for pattern in _PATTERNS:
        scrubbed = pattern.sub(FILTERED, scrubbed)
    if "%" in scrubbed or "+" in scrubbed:
        # Percent-encoded data (URLs, query strings) hides from the patterns above.
        decoded = unquote_plus(scrubbed)
        if decoded != scrubbed:
            redecoded = decoded
            for pattern in _PATTERNS:
                redecoded = pattern.sub(FILTERED, redecoded)
            if redecoded != decoded:
                return redecoded
    return scrubbed


def _scrub_query_string(value: Any) -> Any:
    if not isinstance(value, str):
        return _scrub(value, structural=False)
    pairs = parse_qsl(value, keep_blank_values=True)
    if not pairs:
        return scrub_string(value)
    cleaned = [(k, FILTERED if _is_sensitive_key(k) else scrub_string(v)) for k, v in pairs]
    return urlencode(cleaned, safe="[]")


def _scrub(value: Any, *, structural: bool, depth: int = 0) -> Any:
    """Return a scrubbed copy of ``value``; ``structural`` is False inside user data."""
    if depth > _MAX_DEPTH:
        return FILTERED
    if isinstance(value, str):
        return scrub_string(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        result: dict[Any, Any] = {}
        for key, item in value.items():
            name = str(key)
            if structural and name == "vars":
                continue  # a frame's local variables: request code holds personal data there
            if (not structural or name not in _STRUCTURAL_KEYS) and _is_sensitive_key(name):
                result[key] = FILTERED
            elif name == "query_string":
                result[key] = _scrub_query_string(item)
            else:
                child_structural = structural and name not in _USER_DATA_KEYS
                result[key] = _scrub(item, structural=child_structural, depth=depth + 1)
        return result
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(item, structural=structural, depth=depth + 1) for item in value]
    return scrub_string(repr(value))


def _scrub_user(user: Any) -> dict[str, Any] | None:
    if not isinstance(user, Mapping):
        return None
    user_id = user.get("id")
    if isinstance(user_id, bool) or not isinstance(user_id, str | int):
        return None
    return {"id": scrub_string(str(user_id))}


def _scrub_request(request: Any) -> Any:
    if not isinstance(request, Mapping):
        return _scrub(request, structural=False)
    kept = {k: v for k, v in request.items() if k not in ("data", "cookies")}
    return _scrub(kept, structural=False)


def _scrub_contexts(contexts: Any) -> Any:
    if not isinstance(contexts, Mapping):
        return _scrub(contexts, structural=False)
    result: dict[Any, Any] = {}
    for key, item in contexts.items():
        name = str(key)
        if name in _SDK_CONTEXTS:
            result[key] = _scrub(item, structural=True, depth=1)
        elif _is_sensitive_key(name):
            result[key] = FILTERED
        else:
            result[key] = _scrub(item, structural=False, depth=1)
    return result


def _scrub_logentry(logentry: Any) -> Any:
    if not isinstance(logentry, Mapping):
        return _scrub(logentry, structural=False)
    params = logentry.get("params")
    result = cast("dict[str, Any]", _scrub(logentry, structural=False))
    if isinstance(params, list | tuple):
        # Log arguments are often the personal data itself (a name): keep only scalars.
        safe = [p if p is None or isinstance(p, bool | int | float) else FILTERED for p in params]
        result["params"] = safe
        message = logentry.get("message")
        if "formatted" in result:
            try:
                result["formatted"] = scrub_string(str(message) % tuple(safe))
            except (TypeError, ValueError):
                result["formatted"] = FILTERED
    return result


def _scrub_event(event: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in event.items():
        if key == "_meta":
            continue  # annotations about the raw data; not needed and keyed by field names
        if key == "user":
            user = _scrub_user(value)
            if user is not None:
                result[key] = user
        elif key == "request":
            result[key] = _scrub_request(value)
        elif key == "contexts":
            result[key] = _scrub_contexts(value)
        elif key == "logentry":
            result[key] = _scrub_logentry(value)
        elif key == "modules" and isinstance(value, Mapping):
            # Installed package names and versions ("pyotp" is not a one-time password).
            result[key] = {str(k): scrub_string(str(v)) for k, v in value.items()}
        elif key == "sdk":
            result[key] = _scrub(value, structural=True, depth=1)
        else:
            result[key] = _scrub({key: value}, structural=True)[key]
    return result


_SAFE_FALLBACK_KEYS = (
    "event_id",
    "timestamp",
    "start_timestamp",
    "level",
    "platform",
    "type",
    "environment",
    "release",
)


def _minimal_event(event: Any) -> dict[str, Any]:
    """Keep only fields that cannot hold personal data."""
    minimal: dict[str, Any] = {"message": "[event scrubbing failed]"}
    try:
        for key in _SAFE_FALLBACK_KEYS:
            value = event.get(key)
            if isinstance(value, str | int | float):
                minimal[key] = value
        types = [
            {"type": str(v.get("type"))}
            for v in event.get("exception", {}).get("values", [])
            if isinstance(v, Mapping)
        ]
        if types:
            minimal["exception"] = {"values": types}
    except Exception:  # noqa: S110 - the fallback itself must never raise
        pass
    return minimal


def _blank_seen(value: Any, seen: list[str]) -> Any:
    """Blank every personal value loaded in this context out of every string in ``value``."""
    if isinstance(value, str):
        return personal.blank_out(value, seen, FILTERED)
    if isinstance(value, dict):
        return {k: _blank_seen(v, seen) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank_seen(v, seen) for v in value]
    return value


def scrub_event(event: Event, hint: Hint | None) -> Event:
    """Sentry ``before_send`` hook: return a copy of ``event`` without personal data."""
    del hint  # unused; the signature is fixed by Sentry
    try:
        scrubbed = _scrub_event(cast("Mapping[str, Any]", event))
        seen = personal.seen_values()
        if seen:
            scrubbed = _blank_seen(scrubbed, seen)
        return cast("Event", scrubbed)
    except Exception:
        return cast("Event", _minimal_event(event))


def _default_release() -> str | None:
    try:
        return f"shisetsu@{metadata.version('shisetsu')}"
    except metadata.PackageNotFoundError:
        return None


def init_sentry(app: flask.Flask) -> bool:
    """Initialise Sentry if ``SENTRY_DSN`` is configured; return whether it was."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        # sentry_sdk.init(dsn=None) still patches integrations: do nothing at all.
        return False
    options: dict[str, Any] = {
        "dsn": dsn,
        # No "send_default_pii": sentry-sdk 2.75 deprecates the option (DeprecationWarning)
        # and leaving it unset means exactly send_default_pii=False, with the SDK's own
        # EventScrubber kept on. An explicit "data_collection" would drop that scrubber and
        # default to collecting user info, so it is deliberately not used either.
        "before_send": scrub_event,
        "before_send_transaction": scrub_event,
        "environment": app.config.get("ENV_NAME", "development"),
        "release": app.config.get("SENTRY_RELEASE") or _default_release(),
        "integrations": [FlaskIntegration()],
        "traces_sample_rate": app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        # Request bodies are dropped by scrub_event anyway; do not even collect them.
        "max_request_body_size": "never",
        # Frames of request code hold names and addresses in their locals: never collect
        # them (scrub_event drops any "vars" that still arrive).
        "include_local_variables": False,
    }
    transport = app.config.get("SENTRY_TRANSPORT")
    if transport:
        options["transport"] = transport
    sentry_sdk.init(**options)
    # Remember the personal column values each request loads, to blank them out of events.
    personal.install()
    app.before_request(personal.start)
    app.teardown_request(personal.stop)
    return True
