"""Lottery pages: resident entry and results, public round page with verification,
bundle and verifier downloads, staff dashboard, ward view; CLI draw/verify/dry run;
eligibility; isolation between tenants."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.lottery.models import LotteryChoice, LotteryEntry, LotteryOutcome
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import login_as, make_staff, sign_in_as
from tests.fixtures.clock import Clock
from tests.support.groups import text
from tests.support.lottery import (
    CLOSE,
    DRAW,
    enter,
    group,
    lottery_slot_ids,
    open_round,
    round_row,
    step,
)

pytestmark = pytest.mark.dates

TENANT = "genkikan"


def test_resident_enters_sees_result_and_confirms(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    s1, s2, s3 = lottery_slot_ids(any_app, TENANT, rid, 3)
    resident, gid = group(any_app, TENANT)
    client = any_app.test_client()
    sign_in_as(client, any_app, resident)
    page = client.get(f"/{TENANT}/lottery/rounds/{rid}/enter")
    assert page.status_code == 200 and f'value="add:{s1}"' in text(page)
    saved = client.post(
        f"/{TENANT}/lottery/rounds/{rid}/enter",
        data={"group": gid, "choice1": s1, "choice2": s2, "choice3": s3},
    )
    assert saved.status_code == 302, text(saved)[:2000]
    assert s3 in text(client.get(f"/{TENANT}/lottery/"))
    refused = client.post(
        f"/{TENANT}/lottery/rounds/{rid}/enter", data={"group": gid, "choice1": s1, "choice2": s1}
    )
    assert refused.status_code == 422

    step(any_app, TENANT, CLOSE)
    step(any_app, TENANT, DRAW)
    client.set_cookie("lang", "en")
    home = text(client.get(f"/{TENANT}/lottery/"))
    client.delete_cookie("lang")
    # Alone on every slot, the group wins its first two choices; Genkikan caps wins at two.
    results = re.findall(r"<li>(Choice \d: [^（<]+?)\s*（", home)
    assert results == [
        "Choice 1: yours was the only group that entered. Won.",
        "Choice 2: yours was the only group that entered. Won.",
        "Choice 3: not drawn, because your group had already won as many choices as a group may.",
    ]
    with tenant_session(any_app, TENANT) as session:
        won = session.scalar(
            sa.select(LotteryOutcome.id).where(
                LotteryOutcome.round_id == rid, LotteryOutcome.rank == 1
            )
        )
    # Confirming happens before the (test) deadline only; the real clock is before it.
    confirm = client.post(
        f"/{TENANT}/lottery/rounds/{rid}/wins/{won}",
        data={"action": "confirm", "attendees": 4, "purpose": "体操"},
    )
    assert confirm.status_code == 303
    with tenant_session(any_app, TENANT) as session:
        outcome = session.get(LotteryOutcome, won)
        assert outcome is not None and outcome.booking_id is not None

    public = client.get(f"/{TENANT}/lottery/rounds/{rid}")
    assert public.status_code == 200
    body = text(public)
    assert round_row(any_app, TENANT, rid)["seed_hex"] in body
    assert 'role="status"' in body and 'role="alert"' not in body  # verified
    bundle = client.get(f"/{TENANT}/lottery/rounds/{rid}/bundle.json")
    data = json.loads(bundle.get_data())
    assert data["format"] == "shisetsu-lottery-bundle/1"
    assert all(e[0].startswith("g") and e[0] != str(gid) for e in data["input"]["entries"])
    assert "テスト" not in bundle.get_data(as_text=True)  # no group names
    assert client.get(f"/{TENANT}/lottery/engine.py").get_data().startswith(b"#!/usr/bin/env")

    # another tenant's round id: 404
    assert client.get(f"/regasu/lottery/rounds/{rid + 100000}").status_code == 404


def test_public_round_hides_the_seed_before_the_draw(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    body = text(any_app.test_client().get(f"/{TENANT}/lottery/rounds/{rid}"))
    row = round_row(any_app, TENANT, rid)
    assert row["commitment"] in body and row["seed_hex"] not in body


def test_staff_dashboard_and_ward_view(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    (s1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    for _ in range(2):
        enter(any_app, TENANT, rid, group(any_app, TENANT)[1], [[s1]])
    client = any_app.test_client()
    staff = make_staff(any_app, TENANT, "handler")
    login_as(client, any_app, "staff", TENANT, staff)
    assert client.get(f"/{TENANT}/manage/lottery/").status_code == 200
    page = text(client.get(f"/{TENANT}/manage/lottery/rounds/{rid}"))
    # The contended slot by name (facility, room, date, time band), never its id.
    assert s1 not in page
    assert re.search(
        r"<th scope=\"row\">\S+ \S+ \d{4}年\d+月\d+日\(.\) \S+ [\d:–]+</th><td>2</td>", page
    )
    preview = client.post(f"/{TENANT}/manage/lottery/rounds/{rid}/preview")
    assert preview.status_code == 200
    assert round_row(any_app, TENANT, rid)["state"] == "open"
    # Before the published time the one-click draw only leads to its confirmation page.
    drawn = client.post(f"/{TENANT}/manage/lottery/rounds/{rid}/draw")
    assert drawn.status_code == 303
    assert drawn.headers["Location"].endswith(f"/rounds/{rid}/early/draw")
    assert round_row(any_app, TENANT, rid)["state"] == "open"


def test_cli_draw_dry_run_and_verify(any_app: Flask, clock: Clock) -> None:
    rid = open_round(any_app, TENANT)
    (s1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    for _ in range(6):
        enter(any_app, TENANT, rid, group(any_app, TENANT)[1], [[s1]])
    step(any_app, TENANT, CLOSE)
    runner = any_app.test_cli_runner()
    base = ["lottery", "draw", "--tenant", TENANT, "--round", str(rid)]
    row = round_row(any_app, TENANT, rid)
    dry = runner.invoke(args=[*base, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert row["seed_hex"] not in dry.output
    assert round_row(any_app, TENANT, rid)["state"] == "closed"
    refused = runner.invoke(args=[*base, "--dry-run", "--seed", row["seed_hex"]])
    assert refused.exit_code != 0
    seeds = ["11" * 32, "22" * 32, "33" * 32]
    previews = [
        json.loads(runner.invoke(args=[*base, "--dry-run", "--seed", s, "--json"]).output)
        for s in seeds
    ]
    clock.move_to(CLOSE + dt.timedelta(minutes=1))  # closed on time; the draw is at DRAW
    early = runner.invoke(args=[*base, "--json"])  # before the published draw time
    assert early.exit_code != 0 and "--reason" in early.output
    assert round_row(any_app, TENANT, rid)["state"] == "closed"
    real = json.loads(runner.invoke(args=[*base, "--json", "--reason", "検証のため"]).output)
    assert real["seed"] == row["seed_hex"]
    # a preview with another seed gives another winner at least once among six entrants
    assert any(p["result"]["allocation"] != real["result"]["allocation"] for p in previews)

    verify = ["lottery", "verify", "--tenant", TENANT, "--round", str(rid)]
    assert runner.invoke(args=verify).exit_code == 0
    entry_ids = sa.select(LotteryEntry.id).where(LotteryEntry.round_id == rid)
    with tenant_session(any_app, TENANT) as session:
        first = session.scalar(
            sa.select(LotteryChoice.id).where(LotteryChoice.entry_id.in_(entry_ids)).limit(1)
        )
        session.execute(sa.update(LotteryChoice).where(LotteryChoice.id == first).values(rank=2))
        session.commit()
    assert runner.invoke(args=verify).exit_code != 0


def test_outdoor_grounds_take_resident_groups_only(any_app: Flask) -> None:
    from shisetsu.facilities.models import Facility, Room
    from shisetsu.groups.models import Group
    from shisetsu.lottery import entries
    from shisetsu.lottery.models import LotteryRound
    from shisetsu.tenancy.runtime import current_runtime
    from tests.support.lottery import at

    rid = open_round(any_app, "regasu")
    _, nonresident = group(any_app, "regasu", category="nonresident")
    with tenant_session(any_app, "regasu") as session:
        room = session.scalar(
            sa.select(Room).join(Room.facility).where(Facility.code == "edogawa-ground")
        )
        rnd = session.get(LotteryRound, rid)
        grp = session.get(Group, nonresident)
        assert room is not None and rnd is not None and grp is not None
        from shisetsu.lottery import rounds

        slot = next(
            s
            for s in rounds.round_slots(session, current_runtime().config, rnd)
            if s.room_id == room.id and s.date.weekday() < 5
        )
        with pytest.raises(entries.EntryRefused) as refused:
            entries.enter(session, current_runtime(), rnd, grp, [[slot.id]], now=at(1))
        assert "category_not_allowed" in {v.code for v in refused.value.violations}


@pytest.mark.postgres
def test_regasu_session_cannot_read_genkikan_lottery(pg_app: Flask) -> None:
    from sqlalchemy.exc import ProgrammingError

    with tenant_session(pg_app, "regasu") as session:
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(sa.text("SELECT count(*) FROM tenant_genkikan.lottery_rounds"))
        session.rollback()
