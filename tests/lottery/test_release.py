"""Unconfirmed lottery wins are released after the confirm deadline, idempotently.

A drawn round with a pending win: the periodic lottery step run after the deadline marks
the win released and frees its slot hold; running it again changes nothing. A win
confirmed before the deadline is left alone and keeps exactly one booking. Both databases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking.models import Booking
from shisetsu.booking.operations import BookingInput, prepare
from shisetsu.groups.models import Group
from shisetsu.lottery import entries, results, rounds
from shisetsu.lottery.jobs import advance
from shisetsu.lottery.models import LotteryOutcome, LotteryRound
from shisetsu.slots.holds import as_ref, taken_among
from shisetsu.slots.models import BOOKING, LOTTERY_WIN, SlotHold
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support.lottery import (
    CLOSE,
    DEADLINE,
    DRAW,
    FIRST_COME,
    at,
    group,
    lottery_slot_ids,
    open_round,
    round_row,
)

pytestmark = pytest.mark.dates

TENANT = "genkikan"
AFTER_DEADLINE = DEADLINE + dt.timedelta(minutes=5)


def drawn_round_with_wins(app: Flask, count: int) -> tuple[int, list[str], list[int]]:
    """A drawn round where each of ``count`` groups is the only entrant of its own slot."""
    rid = open_round(app, TENANT)
    slots = lottery_slot_ids(app, TENANT, rid, count)
    group_ids = [group(app, TENANT)[1] for _ in slots]
    with tenant_session(app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        for slot, gid in zip(slots, group_ids, strict=True):
            grp = session.get(Group, gid)
            assert grp is not None
            entries.enter(session, current_runtime(), rnd, grp, [[slot]], now=at(1))
        rounds.close_round(session, rnd, now=CLOSE)
        results.draw_round(session, current_runtime(), rnd, now=DRAW)
        session.commit()
    return rid, slots, group_ids


def outcome_row(app: Flask, rid: int, group_id: int) -> dict[str, Any]:
    with tenant_session(app, TENANT) as session:
        outcome = session.scalars(
            sa.select(LotteryOutcome).where(
                LotteryOutcome.round_id == rid, LotteryOutcome.group_id == group_id
            )
        ).one()
        return {c.key: getattr(outcome, c.key) for c in LotteryOutcome.__table__.columns}


def holds_of(app: Flask, kind: str, ref_id: int) -> int:
    with tenant_session(app, TENANT) as session:
        stmt = sa.select(sa.func.count()).where(SlotHold.kind == kind, SlotHold.ref_id == ref_id)
        return int(session.scalar(stmt) or 0)


def held(app: Flask, slot_id: str) -> bool:
    with tenant_session(app, TENANT) as session:
        return taken_among(session, [as_ref(slot_id)]) == [slot_id]


def run_job(app: Flask, now: dt.datetime) -> dict[str, Any]:
    """One run of the periodic lottery step (``jobs.tick`` at ``now``); committed."""
    with tenant_session(app, TENANT) as session:
        done = advance(session, current_runtime(), now=now)
        session.commit()
        return done


def test_unconfirmed_win_is_released_after_the_deadline_once(any_app: Flask) -> None:
    rid, (slot,), (gid,) = drawn_round_with_wins(any_app, 1)
    pending = outcome_row(any_app, rid, gid)
    assert pending["status"] == "won" and pending["win_state"] == "pending"
    assert holds_of(any_app, LOTTERY_WIN, pending["id"]) == 1
    assert held(any_app, slot)

    # Before the deadline the job leaves the pending win alone.
    assert run_job(any_app, DEADLINE - dt.timedelta(minutes=5))["released"] == 0
    assert outcome_row(any_app, rid, gid)["win_state"] == "pending"
    assert held(any_app, slot)

    done = run_job(any_app, AFTER_DEADLINE)
    assert done["released"] == 1
    released = outcome_row(any_app, rid, gid)
    assert released["win_state"] == "released"
    assert released["decided_at"] == AFTER_DEADLINE
    assert released["booking_id"] is None
    assert holds_of(any_app, LOTTERY_WIN, pending["id"]) == 0
    assert not held(any_app, slot)
    after_first = round_row(any_app, TENANT, rid)
    assert after_first["state"] == "drawn"
    assert after_first["wins_released_at"] == AFTER_DEADLINE

    # A second run (a doubled or later tick) changes nothing.
    again = run_job(any_app, AFTER_DEADLINE + dt.timedelta(minutes=5))
    assert again["released"] == 0
    assert outcome_row(any_app, rid, gid) == released
    assert round_row(any_app, TENANT, rid) == after_first
    assert not held(any_app, slot)
    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        assert rounds.release_unconfirmed(session, rnd, now=FIRST_COME - dt.timedelta(hours=1)) == 0
        session.commit()
    assert outcome_row(any_app, rid, gid) == released


def test_win_confirmed_before_the_deadline_is_kept_with_one_booking(any_app: Flask) -> None:
    rid, (kept_slot, lapsed_slot), (kept, lapsed) = drawn_round_with_wins(any_app, 2)
    with tenant_session(any_app, TENANT) as session:
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        outcome = session.scalars(
            sa.select(LotteryOutcome).where(
                LotteryOutcome.round_id == rid, LotteryOutcome.group_id == kept
            )
        ).one()
        booking = results.confirm_win(
            session, current_runtime(), rnd, outcome, attendees=5, purpose="練習", now=at(60)
        )
        session.commit()
        booking_id = booking.id
    confirmed = outcome_row(any_app, rid, kept)
    assert confirmed["win_state"] == "confirmed" and confirmed["booking_id"] == booking_id

    assert run_job(any_app, AFTER_DEADLINE)["released"] == 1  # only the unconfirmed one
    assert run_job(any_app, AFTER_DEADLINE + dt.timedelta(minutes=5))["released"] == 0

    assert outcome_row(any_app, rid, kept) == confirmed
    assert outcome_row(any_app, rid, lapsed)["win_state"] == "released"
    with tenant_session(any_app, TENANT) as session:
        bookings = session.scalars(sa.select(Booking).where(Booking.group_id == kept)).all()
        assert [b.id for b in bookings] == [booking_id]
        assert bookings[0].status == "confirmed"
        none = sa.select(sa.func.count()).where(Booking.group_id == lapsed)
        assert session.scalar(none) == 0
    assert holds_of(any_app, BOOKING, booking_id) == 1
    assert holds_of(any_app, LOTTERY_WIN, confirmed["id"]) == 0
    assert held(any_app, kept_slot)
    assert not held(any_app, lapsed_slot)


def test_a_staggered_category_books_first_come_only_from_its_own_opening(
    any_app: Flask,
) -> None:
    """Regasu opens first come to non-resident groups a week after everyone else."""
    tenant = "regasu"
    later = FIRST_COME + dt.timedelta(days=7)
    rid = open_round(any_app, tenant, first_come_by_category={"nonresident": later})
    (slot,) = lottery_slot_ids(any_app, tenant, rid, 1)
    resident_gid = group(any_app, tenant)[1]
    visitor_gid = group(any_app, tenant, category="nonresident")[1]
    with tenant_session(any_app, tenant) as session:
        runtime = current_runtime()
        rnd = session.get(LotteryRound, rid)
        assert rnd is not None
        rounds.close_round(session, rnd, now=CLOSE)
        results.draw_round(session, runtime, rnd, now=DRAW)
        assert rounds.open_first_come(session, rnd, now=FIRST_COME)
        session.flush()

        def codes(gid: int, now: dt.datetime) -> set[str]:
            grp = session.get(Group, gid)
            assert grp is not None
            request = BookingInput(slot_ids=[slot], attendees=5, purpose="練習")
            draft = prepare(session, runtime, grp, request, now=now)
            return {v.code for v in draft.violations}

        soon = FIRST_COME + dt.timedelta(hours=1)
        assert "first_come_later" not in codes(resident_gid, soon)
        assert "first_come_later" in codes(visitor_gid, soon)
        assert "first_come_later" not in codes(visitor_gid, later + dt.timedelta(minutes=1))
        session.rollback()
