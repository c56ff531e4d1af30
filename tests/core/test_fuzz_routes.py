"""Crawl and fuzz: every route of every role, from the URL map, with hostile values.

Each page is opened by everyone it admits (anonymous, a resident, each staff role, a ward
auditor) and its field names are read from it; then every query parameter and form field
it names, and every path segment that is text, gets each bad value below (NUL, a bidi
override, a zero-width space, dates far outside the calendar, 2**63), one field at a time;
API operations get the same in the JSON fields and query parameters their OpenAPI document
names, plus deep and huge bodies. No answer may be a 5xx, nor raise, nor log a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests.fixtures.auth import PASSWORD
from tests.support.matrix import (
    API,
    PRINCIPALS,
    STATE_CHANGING,
    TENANT,
    World,
    admitted,
    make_world,
)

BAD_VALUES = (
    "a\x00b",
    "\u202eabc",
    "ab\u200bc",
    "9999-12-31",
    "0001-01-01",
    str(2**63),
    "https://example.invalid/\r\nSet-Cookie: x=1",
)
DEEP_JSON = "[" * 5000 + "]" * 5000
HUGE = "x" * (1024 * 1024 + 10)
# Fields every page may be asked for, whether or not its own form names them.
COMMON_FIELDS = ("page", "date", "next", "q", "month", "lang")
SKIPPED = {"static", "api-docs.openapi_json"}
# Answers that end a session or take seconds: fuzzed once, last.
SIGN_OUTS = re.compile(r"logout|sign_?out")
SLOW = re.compile(r"pdf|permit|certificate_pdf|bundle|verifier")
FIELD_NAME = re.compile(r'\bname="([^"]+)"')


class Fuzz:
    """Sends requests and keeps every answer that is a 5xx or raises."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.problems: list[str] = []
        self.sent = 0

    def send(self, who: str, method: str, path: str, **kwargs: Any) -> str:
        self.sent += 1
        client = self.world.client(who)
        path, _, query = path.partition("?")
        if query and "query_string" in kwargs:
            kwargs["query_string"] = {**dict(parse_qsl(query)), **kwargs["query_string"]}
        elif query:
            kwargs["query_string"] = query
        try:
            response = client.open(path, method=method, **kwargs)
        except Exception as exc:  # the test client re-raises what the app did not handle
            self.problems.append(f"{who} {method} {path} {_brief(kwargs)} raised {exc!r}"[:300])
            return ""
        if response.status_code >= 500:
            self.problems.append(f"{who} {method} {path} {_brief(kwargs)} → {response.status_code}")
        return response.get_data(as_text=True) if response.mimetype == "text/html" else ""


def _brief(kwargs: dict[str, Any]) -> str:
    return repr({k: v for k, v in kwargs.items() if k != "headers"})[:120]


def page_rules(app: Flask) -> list[Rule]:
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint not in SKIPPED and not r.rule.startswith(API)
    ]
    return sorted(rules, key=lambda r: (bool(SIGN_OUTS.search(r.endpoint)), r.rule))


def text_segments(rule: Rule) -> list[str]:
    """Path arguments that take text (ids are bounded integers, checked elsewhere)."""
    return [
        name
        for name, converter in rule._converters.items()
        if name != "tenant" and type(converter).__name__ in ("UnicodeConverter", "PathConverter")
    ]


def bad_paths(world: World, rule: Rule) -> Iterator[str]:
    good = world.path(rule)
    for name in text_segments(rule):
        value = str(world.values().get(name, ""))
        for bad in BAD_VALUES[:3]:
            yield good.replace(value, bad.replace("\x00", "%00"), 1)


def fuzz_page_routes(fuzz: Fuzz) -> None:
    world, app = fuzz.world, fuzz.world.app
    for rule in page_rules(app):
        path = world.path(rule)
        methods = sorted((rule.methods or set()) & ({"GET"} | STATE_CHANGING))
        people = [who for who in PRINCIPALS if admitted(app, rule, who)]
        once = bool(SLOW.search(rule.endpoint) or SIGN_OUTS.search(rule.endpoint))
        for index, who in enumerate(people[:1] if once else people):
            names = set(COMMON_FIELDS)
            if "GET" in methods:
                names |= set(FIELD_NAME.findall(fuzz.send(who, "GET", path)))
            names = {n for n in names if not n.endswith("csrf_token")}
            for bad_path in bad_paths(world, rule) if index == 0 else ():
                fuzz.send(who, methods[0], bad_path)
            # Field by field for the first who may use it; all fields at once for the others.
            batches = [{n} for n in sorted(names)] if index == 0 else [names]
            values = BAD_VALUES[:1] if once else BAD_VALUES
            for method in methods:
                for batch in batches:
                    for bad in values:
                        fields = dict.fromkeys(batch, bad)
                        if method == "GET":
                            fuzz.send(who, method, path, query_string=fields)
                        else:
                            fuzz.send(who, method, path, data=fields)
                if method != "GET" and index == 0:
                    fuzz.send(who, method, path, data={"text": HUGE})
                    fuzz.send(who, method, path, data=DEEP_JSON, content_type="application/json")


def api_operations(fuzz: Fuzz) -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path, query names, JSON body names) of every operation in the document."""
    document = fuzz.world.app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document.get("components", {}).get("schemas", {})
    operations = []
    for template, item in document["paths"].items():
        for method, op in item.items():
            if method.upper() not in {"GET"} | STATE_CHANGING:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            query = [p["name"] for p in params if p.get("in") == "query"]
            body = (op.get("requestBody", {}).get("content", {}).get("application/json", {})).get(
                "schema", {}
            )
            if "$ref" in body:
                body = schemas.get(body["$ref"].rsplit("/", 1)[-1], {})
            operations.append(
                (
                    method.upper(),
                    api_path(fuzz.world, template),
                    query,
                    list(body.get("properties", {})),
                )
            )
    return sorted(operations, key=lambda op: op[0] == "DELETE")  # signing out last


def api_path(world: World, template: str) -> str:
    values = world.values()
    return "/api/v1" + re.sub(
        r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), "x")), template
    ).removeprefix("/api/v1")


def fuzz_api(fuzz: Fuzz) -> None:
    client = fuzz.world.app.test_client()
    response = client.post(
        f"/api/v1/{TENANT}/tokens",
        json={"login": fuzz.world.resident.login, "password": PASSWORD},
    )
    assert response.status_code == 201, response.get_json()
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    for method, path, query, body in api_operations(fuzz):
        for who, head in (("anonymous", {}), ("anonymous", headers)):
            for bad in BAD_VALUES:
                for name in query:
                    fuzz.send(who, method, path, query_string={name: bad}, headers=head)
                if method != "GET":
                    for name in body:
                        fuzz.send(who, method, path, json={name: bad}, headers=head)
            if method != "GET":
                fuzz.send(
                    who, method, path, data=DEEP_JSON, content_type="application/json", headers=head
                )
                fuzz.send(
                    who, method, path, data="{bad", content_type="application/json", headers=head
                )
                fuzz.send(who, method, path, json={"x": HUGE}, headers=head)


def test_no_route_of_any_role_fails_on_bad_input(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(app)
    fuzz = Fuzz(world)
    with caplog.at_level(logging.WARNING):
        fuzz_page_routes(fuzz)
        fuzz_api(fuzz)
    tracebacks = [
        r.getMessage()[:200] for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()
    ]
    assert fuzz.problems == []
    assert tracebacks == []
    assert fuzz.sent > 2000, fuzz.sent  # every role's routes and fields, not a handful
