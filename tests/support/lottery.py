"""Helpers for the lottery round tests (no tests here). Synthetic data only.

The round calendar hangs off the run's start instant (the suite's clock), never the real
time at import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask

from shisetsu.dates import first_of_month_after
from shisetsu.groups.models import Group
from shisetsu.lottery import entries, rounds
from shisetsu.lottery.jobs import advance
from shisetsu.lottery.models import LotteryRound
from shisetsu.slots.operations import LOTTERY, slot_states
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import Ref, make_resident
from tests.fixtures.clock import start_instant, test_start
from tests.support.groups import make_approved, today_in_tokyo

T0 = start_instant().astimezone(dt.UTC).replace(microsecond=0)


def at(hours: float) -> dt.datetime:
    """``T0`` plus ``hours``: the tests' clock."""
    return T0 + dt.timedelta(hours=hours)


# The test calendar: open at T0, close after 48 h, draw at 50 h, confirm within 100 h,
# first come at 120 h.
CLOSE, DRAW, DEADLINE, FIRST_COME = at(48), at(50), at(100), at(120)


def group(app: Flask, tenant: str, **kw: Any) -> tuple[Ref, int]:
    """A resident and an approved group valid for a year."""
    resident = make_resident(app, tenant)
    today = today_in_tokyo()
    gid = make_approved(
        app,
        tenant,
        resident.id,
        valid_from=today - dt.timedelta(days=1),
        valid_until=today + dt.timedelta(days=800),
        **kw,
    )
    return resident, gid


def open_round(app: Flask, tenant: str, *, months_ahead: int = 3, **rules: Any) -> int:
    """Open a round on the test calendar for the first month from ``months_ahead`` on that
    has none yet; returns its id."""
    start = test_start()  # T0, except in the journeys, which run at the real time
    with tenant_session(app, tenant) as session:
        runtime = current_runtime()
        month = first_of_month_after(today_in_tokyo(), months_ahead)
        taken = set(session.scalars(sa.select(LotteryRound.usage_month)))
        while month in taken:  # the journeys open several rounds in one database
            month = first_of_month_after(month, 1)
        base = rounds.schedule_for(runtime, today_in_tokyo())
        assert base is not None
        schedule = dataclasses.replace(
            base,
            usage_month=month,
            opens_at=start,
            closes_at=start + (CLOSE - T0),
            draw_at=start + (DRAW - T0),
            confirm_deadline=start + (DEADLINE - T0),
            first_come_at=start + (FIRST_COME - T0),
            **rules,
        )
        rnd = rounds.open_round(session, runtime, schedule, now=start)
        session.commit()
        return rnd.id


def lottery_slot_ids(app: Flask, tenant: str, round_id: int, count: int) -> list[str]:
    """``count`` slot ids of the round that are in the lottery (one per room-day)."""
    with tenant_session(app, tenant) as session:
        rnd = session.get(LotteryRound, round_id)
        assert rnd is not None
        slots = rounds.round_slots(session, current_runtime().config, rnd)[:400]
        states = slot_states(session, current_runtime().config, slots, now=test_start())
        found: list[str] = []
        seen: set[tuple[int, dt.date]] = set()
        for slot in slots:
            if states[slot.id].state == LOTTERY and (slot.room_id, slot.date) not in seen:
                seen.add((slot.room_id, slot.date))
                found.append(slot.id)
            if len(found) == count:
                return found
    raise AssertionError("not enough lottery slots")


def round_row(app: Flask, tenant: str, round_id: int) -> dict[str, Any]:
    """The round's columns as a dict."""
    with tenant_session(app, tenant) as session:
        rnd = session.get(LotteryRound, round_id)
        assert rnd is not None
        return {c.key: getattr(rnd, c.key) for c in LotteryRound.__table__.columns}


def count(app: Flask, tenant: str, stmt: sa.Select[Any]) -> int:
    with tenant_session(app, tenant) as session:
        return int(session.scalar(stmt) or 0)


def enter(app: Flask, tenant: str, round_id: int, group_id: int, choices: list[list[str]]) -> None:
    with tenant_session(app, tenant) as session:
        rnd = session.get(LotteryRound, round_id)
        grp = session.get(Group, group_id)
        assert rnd is not None and grp is not None
        entries.enter(session, current_runtime(), rnd, grp, choices, now=at(1))
        session.commit()


def step(app: Flask, tenant: str, now: object) -> dict[str, object]:
    with tenant_session(app, tenant) as session:
        done = advance(session, current_runtime(), now=now)  # type: ignore[arg-type]
        session.commit()
        return done
