"""The periodic lottery job: open, close, draw, release and open first come on time.

Registered in :mod:`shisetsu.jobs.schedule` (every 5 minutes); the runner binds the
tenant and commits. Every step is idempotent, so a missed tick is caught up by the next
one, and ticks of one tenant take turns (:func:`lock_ticks`), so two at once change
nothing more than one.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.db import utcnow
from shisetsu.lottery import early, results, rounds
from shisetsu.lottery.models import CLOSED, DRAWN, IN_LOTTERY, OPEN
from shisetsu.tenancy.runtime import TenantRuntime, current_runtime


def lock_ticks(session: Session) -> None:
    """Let one tick of the session's tenant run at a time (a doubled cron, two workers).

    On PostgreSQL a transaction-level advisory lock keyed by the tenant's schema, held
    until the tick commits; the next tick then reads the rounds as the first left them.
    SQLite has one writer at a time.
    """
    connection = session.connection()  # begins the tenant's transaction (its search_path)
    if connection.dialect.name == "postgresql":
        session.execute(
            sa.text(
                "SELECT pg_advisory_xact_lock(hashtext('shisetsu lottery tick'), "
                "hashtext(current_schema()))"
            )
        )


def advance(session: Session, runtime: TenantRuntime, *, now: dt.datetime) -> dict[str, Any]:
    """Do every lottery step that is due at ``now``; returns what was done."""
    lock_ticks(session)
    done: dict[str, Any] = {
        "opened": [],
        "closed": [],
        "drawn": [],
        "released": 0,
        "first_come": [],
        "early_lapsed": early.lapse_due(session, now=now),
    }
    local = now.astimezone(zoneinfo.ZoneInfo(runtime.config.timezone)).date()
    schedule = rounds.schedule_for(runtime, local.replace(day=1))
    if schedule is not None and schedule.opens_at <= now < schedule.closes_at:
        existing = rounds.round_for_month(session, schedule.usage_month)
        if existing is None:
            rnd = rounds.open_round(session, runtime, schedule, now=now)
            done["opened"].append(rnd.public_id)
    for rnd in rounds.list_rounds(session, states=IN_LOTTERY):
        if rnd.state == OPEN and now >= rnd.closes_at:
            rounds.close_round(session, rnd, now=now)
            done["closed"].append(rnd.public_id)
        if rnd.state == CLOSED and now >= rnd.draw_at:
            results.draw_round(session, runtime, rnd, now=now)
            done["drawn"].append(rnd.public_id)
        if rnd.state == DRAWN:
            done["released"] += rounds.release_unconfirmed(session, rnd, now=now)
            if rounds.open_first_come(session, rnd, now=now):
                done["first_come"].append(rnd.public_id)
        session.flush()
    return done


def tick(session: Session) -> dict[str, Any]:
    """The periodic entry point (``func(session)``), at the current time."""
    return advance(session, current_runtime(), now=utcnow())
