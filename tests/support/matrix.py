"""A small world for the route matrices (no tests here): one of each kind of user at one
tenant, a group with a booking, a lottery round, and a concrete path for every rule.

The matrices enumerate ``app.url_map``; a rule whose path has a parameter no entry of
:meth:`World.values` fills fails with the parameter's name instead of being skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from shisetsu.audit.models import Incident
from shisetsu.auth.access import PUBLIC, permits
from shisetsu.dates import add_months_clamped
from shisetsu.db import Base, PlatformBase
from shisetsu.extensions import db
from shisetsu.facilities.models import Room
from shisetsu.jobs.runner import run_in_app
from shisetsu.lottery import results, rounds
from shisetsu.lottery.models import PENDING, LotteryOutcome, LotteryRound
from shisetsu.retention.jobs import PURGE_JOB
from shisetsu.slots.models import OFFICIAL, Closure, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.models import utcnow
from shisetsu.tenancy.runtime import current_runtime
from shisetsu.ward.operations import create_auditor
from tests.fixtures.auth import TOTP_SECRET, login_as, make_staff, sign_in_as, unique
from tests.support.booking import book, member, open_day, slot
from tests.support.groups import today_in_tokyo
from tests.support.lottery import CLOSE, DRAW, enter, lottery_slot_ids, open_round
from tests.support.retention import certificates, synthetic
from tests.support.slots import room_id

TENANT = "genkikan"
STAFF_ROLES = ("responsible", "handler", "counter")
# An id that exists nowhere: the route's own refusal (404) is not what a matrix checks.
NOWHERE = 987654
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
API = "/api/"
# Everyone a page may be opened by: (kind, role) as the access declarations name them.
PRINCIPALS = {
    "anonymous": ("", ""),
    "resident": ("resident", "resident"),
    **{role: ("staff", role) for role in STAFF_ROLES},
    "auditor": ("auditor", "auditor"),
}


@dataclass
class World:
    """The people and records the matrices' paths point at."""

    app: Flask
    resident: Any
    group_id: int
    booking_id: int
    room_id: int
    facility_id: int
    hold_id: int
    closure_id: int
    incident_id: int
    open_round_id: int
    drawn_round_id: int
    won_outcome_id: int
    certificate_id: int
    free_slot: str
    staff: dict[str, Any]
    auditor: Any
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def values(self) -> dict[str, object]:
        """A value for every path parameter the URL map uses."""
        return {
            "tenant": TENANT,
            "slug": TENANT,
            "booking_id": self.booking_id,
            "group_id": self.group_id,
            "room_id": self.room_id,
            "facility_id": self.facility_id,
            "round_id": self.open_round_id,
            "staff_id": self.staff["counter"].id,
            "outcome_id": self.won_outcome_id,
            "hold_id": self.hold_id,
            "closure_id": self.closure_id,
            "finding_id": NOWHERE,
            "incident_id": self.incident_id,
            "certificate_id": self.certificate_id,
            "ledger_id": NOWHERE,
            "action": "close",
            "request_id": NOWHERE,
            "decision": "approve",
            "token": "no-such-token",
            "slot_id": self.free_slot,
            "code": "en",
            "filename": "css/site.css",
        }

    def for_endpoint(self, endpoint: str) -> dict[str, object]:
        """Values (and query arguments) one route needs beyond :meth:`values`."""
        drawn = {"round_id": self.drawn_round_id}
        return {
            "lottery.bundle": drawn,
            "lottery.decide": drawn,
            "lottery.decline": drawn,
            "lottery.withdraw": {"group": self.group_id},
            "booking.book": {"slot": self.free_slot},
            "booking_manage.counter_book": {"slot": self.free_slot},
        }.get(endpoint, {})

    def path(self, rule: Rule) -> str:
        """The rule's path with this world's values (fails on a parameter it lacks)."""
        values = {**self.values(), **self.for_endpoint(rule.endpoint)}
        missing = sorted(set(rule.arguments) - set(values))
        assert not missing, f"{rule.rule}: no value for {missing} in World.values()"
        query = set(self.for_endpoint(rule.endpoint)) - set(rule.arguments)
        wanted = {k: v for k, v in values.items() if k in rule.arguments or k in query}
        built = rule.build(wanted, append_unknown=True)
        assert built is not None, rule.rule
        return built[1]

    def client(self, who: str) -> FlaskClient:
        """A client signed in as ``who`` (resident, auditor or a staff role), made once."""
        if who not in self.clients:
            client = self.app.test_client()
            if who == "resident":
                sign_in_as(client, self.app, self.resident)
            elif who == "auditor":
                login_as(client, self.app, "auditor", "", self.auditor)
            elif who != "anonymous":
                sign_in_as(client, self.app, self.staff[who])
            self.clients[who] = client
        return self.clients[who]


def make_world(app: Flask) -> World:
    """Everyone and everything the matrices need, at TENANT."""
    m = member(app, TENANT)
    day = open_day(app, TENANT, "genkikan", after=20)
    booking_id = book(
        app, TENANT, m.group_id, [slot(app, TENANT, "genkikan", "kitchen", day, "am")]
    )
    with app.app_context():
        auditor, _ = create_auditor(
            db.session(),
            login=unique("auditor"),
            display_name="監査",
            password="matrix auditor 2026",
            totp_secret=TOTP_SECRET,
        )
        db.session.commit()
        db.session.refresh(auditor)
        db.session.expunge(auditor)
    staff = {role: make_staff(app, TENANT, role) for role in STAFF_ROLES}
    room = room_id(app, TENANT, "genkikan", "meeting-a")
    hold_id, closure_id, incident_id = console_records(app, room, day, staff["counter"])
    open_id, drawn_id, outcome_id = lottery_rounds(app, m.group_id)
    return World(
        app=app,
        resident=m.resident,
        group_id=m.group_id,
        booking_id=booking_id,
        room_id=room,
        facility_id=facility_of(app, room),
        hold_id=hold_id,
        closure_id=closure_id,
        incident_id=incident_id,
        open_round_id=open_id,
        drawn_round_id=drawn_id,
        won_outcome_id=outcome_id,
        certificate_id=deletion_certificate(app),
        free_slot=slot(app, TENANT, "genkikan", "kitchen", day, "pm"),
        staff=staff,
        auditor=auditor,
    )


def facility_of(app: Flask, room: int) -> int:
    with tenant_session(app, TENANT) as session:
        return session.get_one(Room, room).facility_id


def console_records(app: Flask, room: int, day: dt.date, staff: Any) -> tuple[int, int, int]:
    """An official hold and a closure of ``room``, and an incident report; their ids."""
    later = day + dt.timedelta(days=7)
    with tenant_session(app, TENANT) as session:
        facility_id = session.get_one(Room, room).facility_id
        hold = SlotHold(room_id=room, date=day, slot_code="night", kind=OFFICIAL)
        closure = Closure(
            facility_id=facility_id,
            room_id=room,
            start_date=later,
            end_date=later,
            reason_ja="点検",
        )
        incident = Incident(
            summary="誤送信",
            occurred_at=utcnow(),
            data_affected="氏名",
            reported_by_id=staff.id,
            reported_by_label=staff.login,
        )
        session.add_all([hold, closure, incident])
        session.commit()
        return hold.id, closure.id, incident.id


def deletion_certificate(app: Flask) -> int:
    """The certificate of the daily purge of a person whose group ended 13 months ago."""
    synthetic(app, TENANT, ended=add_months_clamped(today_in_tokyo(), -13))
    assert run_in_app(app, TENANT, PURGE_JOB)["certificate"]
    return int(certificates(app, TENANT)[-1]["id"])


def lottery_rounds(app: Flask, group_id: int) -> tuple[int, int, int]:
    """A round taking entries with the group's entry, and a drawn one the group won."""
    taking, drawn = open_round(app, TENANT), open_round(app, TENANT)
    enter(app, TENANT, taking, group_id, [lottery_slot_ids(app, TENANT, taking, 1)])
    enter(app, TENANT, drawn, group_id, [lottery_slot_ids(app, TENANT, drawn, 1)])
    with tenant_session(app, TENANT) as session:
        rnd = session.get_one(LotteryRound, drawn)
        rounds.close_round(session, rnd, now=CLOSE)
        results.draw_round(session, current_runtime(), rnd, now=DRAW)
        session.commit()
        won = session.scalar(
            sa.select(LotteryOutcome.id).where(
                LotteryOutcome.round_id == drawn, LotteryOutcome.win_state == PENDING
            )
        )
        assert won is not None
        return taking, drawn, won


def admitted(app: Flask, rule: Rule, who: str) -> bool:
    """Whether ``who`` may open the route (the access matrix checks everyone else's 403)."""
    access = app.view_functions[rule.endpoint].access
    if PUBLIC in access:
        return True
    kind, role = PRINCIPALS[who]
    # An auditor is nobody on tenant pages; staff and residents are nobody on ward pages.
    return (
        bool(kind)
        and (kind == "auditor") == rule.rule.startswith("/ward")
        and permits(access, kind, role)
    )


def principal_for(app: Flask, rule: Rule) -> str:
    """Who uses the route: a kind (and the most senior role) it admits, else by its area."""
    access = set(app.view_functions[rule.endpoint].access) - {PUBLIC}
    if "resident" in access:
        return "resident"
    if "auditor" in access:
        return "auditor"
    for role in STAFF_ROLES:
        if f"staff:{role}" in access:
            return role
    # Public routes (sign-in, sign-out, enrolment): someone already signed in there.
    if rule.rule.startswith("/ward"):
        return "auditor"
    if rule.rule.startswith("/<tenant>/manage"):
        return "responsible"
    return "resident"


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: the platform's and each tenant's."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with app.app_context():
        for table in PlatformBase.metadata.sorted_tables:
            rows[f"platform.{table.name}"] = sorted(
                map(tuple, db.session.execute(sa.select(table)).all()), key=repr
            )
    for slug in ("regasu", "genkikan"):
        with tenant_session(app, slug) as session:
            for table in Base.metadata.sorted_tables:
                rows[f"{slug}.{table.name}"] = sorted(
                    map(tuple, session.execute(sa.select(table)).all()), key=repr
                )
    return rows


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


class FormFields(HTMLParser):
    """The fields of a POST form for one action: what a person filling it in would send."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            posts = a.get("method", "get").lower() == "post"
            self.inside = posts and a.get("action", "") in ("", self.action)
        if not self.inside:
            return
        if tag == "option" and self.select and self.select not in self.data:
            self.data[self.select] = a.get("value", "")
        if "name" not in a:
            return
        kind = a.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "file"):
            if kind in ("radio", "checkbox") and a["name"] in self.data:
                return  # the first choice of a group
            self.data[a["name"]] = a.get("value") or ("on" if kind == "checkbox" else "1")
        elif tag == "textarea":
            self.data[a["name"]] = "テスト"
        elif tag == "select":
            self.select = a["name"]
        elif tag == "button" and a.get("value"):
            self.data.setdefault(a["name"], a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_data(html: str, action: str) -> dict[str, str]:
    """The values the page's form for ``action`` would send, without its CSRF token."""
    parser = FormFields(action)
    parser.feed(html)
    return {k: v for k, v in parser.data.items() if not k.endswith("csrf_token")}
