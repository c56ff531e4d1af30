"""Lottery rounds end to end on both databases: open → enter → close → draw → confirm."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking.models import Booking
from shisetsu.lottery import engine, results, rounds
from shisetsu.lottery.models import LotteryChoice, LotteryEntry, LotteryOutcome, LotteryRound
from shisetsu.notify.models import OutboxMessage
from shisetsu.slots.models import SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support.lottery import (
    CLOSE,
    DEADLINE,
    DRAW,
    FIRST_COME,
    T0,
    at,
    count,
    enter,
    group,
    lottery_slot_ids,
    open_round,
    round_row,
    step,
)

pytestmark = pytest.mark.dates

TENANT = "genkikan"


def test_lifecycle_enter_close_draw_confirm_books(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    row = round_row(any_app, TENANT, rid)
    assert row["state"] == "open" and row["commitment"] == engine.commitment(
        bytes.fromhex(row["seed_hex"])
    )
    s1, s2 = lottery_slot_ids(any_app, TENANT, rid, 2)
    (_, a), (_, b), (_, c) = (group(any_app, TENANT) for _ in range(3))
    enter(any_app, TENANT, rid, a, [[s1], [s2]])
    enter(any_app, TENANT, rid, b, [[s1]])
    enter(any_app, TENANT, rid, c, [[s1]])

    assert step(any_app, TENANT, CLOSE)["closed"]
    closed = round_row(any_app, TENANT, rid)
    assert closed["state"] == "closed" and closed["entries_hash"]
    assert step(any_app, TENANT, DRAW)["drawn"]
    drawn = round_row(any_app, TENANT, rid)
    assert drawn["state"] == "drawn" and drawn["result_hash"]
    result = json.loads(drawn["result_json"])
    assert result["entries_hash"] == closed["entries_hash"]
    assert s1 in result["allocation"]

    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        ok, problems = results.verify_round(session, TENANT, rnd)
        assert ok, problems
        won = session.scalars(
            sa.select(LotteryOutcome).where(
                LotteryOutcome.round_id == rid, LotteryOutcome.status == "won"
            )
        ).all()
        # Genkikan caps wins at two a group, so a's uncontested second choice always wins.
        assert sorted(o.slot_ids[0] for o in won) == sorted([s1, s2])
        assert next(o.group_id for o in won if o.slot_ids == [s2]) == a
        first = next(o for o in won if o.slot_ids == [s1])
        assert first.of == 3 and first.entrants == 3
        booking = results.confirm_win(
            session, current_runtime(), rnd, first, attendees=5, purpose="練習", now=at(60)
        )
        session.commit()
        booking_id = booking.id
    assert count(any_app, TENANT, sa.select(sa.func.count()).where(Booking.id == booking_id)) == 1
    kinds = count(
        any_app,
        TENANT,
        sa.select(sa.func.count()).where(SlotHold.kind == "booking", SlotHold.ref_id == booking_id),
    )
    assert kinds == 1
    mails = count(
        any_app,
        TENANT,
        sa.select(sa.func.count()).where(
            OutboxMessage.idempotency_key.startswith(f"lottery:{rid}:result:")
        ),
    )
    assert mails == 3

    # Unconfirmed wins are released at the deadline; first come opens later.
    done = step(any_app, TENANT, DEADLINE)
    assert step(any_app, TENANT, FIRST_COME)["first_come"]
    assert round_row(any_app, TENANT, rid)["state"] == "released"
    assert done["released"] == 1  # the win of s2, never confirmed


def test_entries_hash_changes_with_an_entry_and_is_what_is_published(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    s1, s2 = lottery_slot_ids(any_app, TENANT, rid, 2)
    (_, a) = group(any_app, TENANT)
    enter(any_app, TENANT, rid, a, [[s1]])
    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        first = engine.entries_hash(rounds.build_input(session, rnd, bytes(32))[0])
    enter(any_app, TENANT, rid, a, [[s2]])
    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        second = engine.entries_hash(rounds.build_input(session, rnd, bytes(32))[0])
        rounds.close_round(session, rnd, now=CLOSE)
        session.commit()
        assert rnd.entries_hash == second != first


def test_draw_is_crash_safe_and_idempotent(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    (s1,) = lottery_slot_ids(any_app, TENANT, rid, 1)
    groups = [group(any_app, TENANT)[1] for _ in range(3)]
    for gid in groups:
        enter(any_app, TENANT, rid, gid, [[s1]])
    step(any_app, TENANT, CLOSE)

    class Crash(Exception):
        pass

    with pytest.raises(Crash), tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        first = results.draw_round(session, current_runtime(), rnd, now=DRAW)
        raise Crash  # killed before commit: nothing of the draw stays
    assert round_row(any_app, TENANT, rid)["state"] == "closed"
    step(any_app, TENANT, DRAW)
    step(any_app, TENANT, at(51))  # a second tick changes nothing
    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        again = results.draw_round(session, current_runtime(), rnd, now=at(52))
    assert again.to_json() == first.to_json()
    outcomes = sa.select(sa.func.count()).where(LotteryOutcome.round_id == rid)
    assert count(any_app, TENANT, outcomes) == 3
    holds = sa.select(sa.func.count()).where(SlotHold.kind == "lottery_win")
    won = sa.select(LotteryOutcome.id).where(
        LotteryOutcome.round_id == rid, LotteryOutcome.status == "won"
    )
    assert count(any_app, TENANT, holds.where(SlotHold.ref_id.in_(won))) == 1
    mails = sa.select(sa.func.count()).where(
        OutboxMessage.idempotency_key.startswith(f"lottery:{rid}:result:")
    )
    assert count(any_app, TENANT, mails) == 3


def test_tampered_entry_fails_verification(any_app: Flask) -> None:
    rid = open_round(any_app, TENANT)
    s1, s2 = lottery_slot_ids(any_app, TENANT, rid, 2)
    (_, a), (_, b) = group(any_app, TENANT), group(any_app, TENANT)
    enter(any_app, TENANT, rid, a, [[s1]])
    enter(any_app, TENANT, rid, b, [[s1]])
    step(any_app, TENANT, CLOSE)
    step(any_app, TENANT, DRAW)
    entry_ids = sa.select(LotteryEntry.id).where(LotteryEntry.round_id == rid)
    with tenant_session(any_app, TENANT) as session:
        session.execute(
            sa.update(LotteryChoice)
            .where(LotteryChoice.entry_id.in_(entry_ids))
            .values(slot_ids=[s2])
        )
        session.commit()
    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        ok, problems = results.verify_round(session, TENANT, rnd)
    assert not ok and any("entries_hash" in p for p in problems)


def test_timestamps_are_on_the_test_clock() -> None:
    assert T0 < CLOSE < DRAW < DEADLINE < FIRST_COME
