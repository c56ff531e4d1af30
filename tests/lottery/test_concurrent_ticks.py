"""PostgreSQL: two lottery ticks at once (a doubled cron, two workers) do each step once.

Both ticks run the periodic advance for the same tenant at the same time, meeting at a
barrier once they have read the rounds under the tick lock (see :mod:`tests.support.races`):
the round is closed and drawn by one of them, the other finds nothing to do, neither
fails, and there is one set of outcomes, win holds and result mails.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.lottery import jobs, rounds
from shisetsu.lottery.models import LotteryOutcome
from shisetsu.notify.models import OutboxMessage
from shisetsu.slots.models import LOTTERY_WIN, SlotHold
from shisetsu.tenancy.binding import tenant_session
from tests.support.lottery import (
    DRAW,
    FIRST_COME,
    count,
    enter,
    group,
    lottery_slot_ids,
    open_round,
    round_row,
    step,
)
from tests.support.races import meet_after, run_racers

pytestmark = pytest.mark.postgres
TENANT = "genkikan"


def two_ticks(app: Flask, monkeypatch: pytest.MonkeyPatch, now: object) -> list[dict[str, Any]]:
    barrier = threading.Barrier(2)
    # Meet once the rounds are read, which happens under the tick lock.
    monkeypatch.setattr(rounds, "list_rounds", meet_after(barrier, rounds.list_rounds))
    results = run_racers(lambda: step(app, TENANT, now), lambda: step(app, TENANT, now))
    assert all(isinstance(r, dict) for r in results), results  # neither tick failed
    return results  # type: ignore[return-value]


def test_two_ticks_at_once_close_and_draw_a_round_once(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = open_round(pg_app, TENANT)
    public_id = round_row(pg_app, TENANT, rid)["public_id"]
    s1, s2 = lottery_slot_ids(pg_app, TENANT, rid, 2)
    (_, a), (_, b), (_, c) = (group(pg_app, TENANT) for _ in range(3))
    enter(pg_app, TENANT, rid, a, [[s1], [s2]])
    enter(pg_app, TENANT, rid, b, [[s1]])
    enter(pg_app, TENANT, rid, c, [[s2]])

    ticks = two_ticks(pg_app, monkeypatch, DRAW)

    assert [t["closed"].count(public_id) for t in ticks].count(1) == 1
    assert [t["drawn"].count(public_id) for t in ticks].count(1) == 1
    assert round_row(pg_app, TENANT, rid)["state"] == "drawn"
    outcomes = sa.select(sa.func.count()).where(LotteryOutcome.round_id == rid)
    assert count(pg_app, TENANT, outcomes) == 4  # one per choice
    won = sa.select(LotteryOutcome.id).where(
        LotteryOutcome.round_id == rid, LotteryOutcome.status == "won"
    )
    holds = sa.select(sa.func.count()).where(SlotHold.kind == LOTTERY_WIN, SlotHold.ref_id.in_(won))
    assert count(pg_app, TENANT, holds) == 2  # s1 and s2, each won once
    mails = sa.select(sa.func.count()).where(
        OutboxMessage.idempotency_key.startswith(f"lottery:{rid}:result:")
    )
    assert count(pg_app, TENANT, mails) == 3  # one per group

    later = two_ticks(pg_app, monkeypatch, FIRST_COME)
    assert [t["first_come"].count(public_id) for t in later].count(1) == 1
    assert round_row(pg_app, TENANT, rid)["state"] == "released"


def test_a_tick_holds_its_tenants_lock_until_it_ends(pg_app: Flask) -> None:
    """While one tick runs, a second for the same tenant waits; another tenant's does not."""
    with tenant_session(pg_app, TENANT) as first:
        jobs.lock_ticks(first)
        with tenant_session(pg_app, TENANT) as second:
            second.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                jobs.lock_ticks(second)
            second.rollback()
        with tenant_session(pg_app, "regasu") as other_tenant:
            other_tenant.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
            jobs.lock_ticks(other_tenant)
            other_tenant.rollback()
        first.rollback()
