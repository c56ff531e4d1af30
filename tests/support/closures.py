"""Helpers for the closure tests: plan a closure over the room pages, read the preview."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

HIDDEN = re.compile(r'<input[^>]*name="(\w+)"[^>]*type="hidden"[^>]*value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of the preview's confirmation form (plan, fingerprint, token)."""
    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


def plan_closure(
    client: FlaskClient, tenant: str, room: int, start: str, end: str, *, whole: bool = False
) -> str:
    """Post the room page's closure form and follow to the preview; its HTML."""
    data = {"closure-start": start, "closure-end": end, "closure-reason_ja": "設備点検"}
    if whole:
        data["closure-whole_facility"] = "y"
    response = client.post(
        f"/{tenant}/manage/rooms/{room}/closures", data=data, follow_redirects=True
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)
