"""Helpers for the closure tests: plan a closure over the room pages, read the preview."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from shisetsu.closures import operations as ops
from shisetsu.facilities.models import Room
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support.booking import today

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


def plan(
    session: Session, room: int, start: dt.date, end: dt.date, *, whole: bool = False
) -> ops.Plan:
    """A closure plan of ``room`` (or its facility) in a bound tenant session."""
    found = session.get(Room, room)
    assert found is not None
    return ops.Plan(found, start, end, whole_facility=whole, reason_ja="設備点検", reason_en=None)


def fingerprint(app: Flask, tenant: str, room: int, start: dt.date, end: dt.date, **kw: Any) -> str:
    """The fingerprint the preview would show now."""
    with tenant_session(app, tenant) as session:
        return ops.find_hits(
            session, current_runtime(), plan(session, room, start, end, **kw)
        ).fingerprint


def confirm(
    app: Flask,
    tenant: str,
    room: int,
    start: dt.date,
    end: dt.date,
    *,
    print_: str | None = None,
    keep: dict[int, str] | None = None,
    staff_id: int | None = None,
    whole: bool = False,
) -> ops.Outcome:
    """Confirm the closure as its preview showed it (or with ``print_``) and commit."""
    seen = print_ or fingerprint(app, tenant, room, start, end, whole=whole)
    with tenant_session(app, tenant) as session:
        done = ops.confirm(
            session,
            current_runtime(),
            plan(session, room, start, end, whole=whole),
            fingerprint=seen,
            keep=keep or {},
            staff_id=staff_id,
            now=dt.datetime.now(dt.UTC),
            today=today(),
        )
        session.commit()
        session.refresh(done.closure)  # readable after the session ends
        return done
