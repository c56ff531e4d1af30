"""Rounds: open (seed committed), close (entries frozen and hashed), release, first come.

No Flask request objects here; committing is the caller's job. Every step is idempotent:
opening a month that already has a round returns it, closing a closed round does
nothing, and so on, so the periodic :func:`shisetsu.lottery.jobs.tick` and the staff
buttons may run any step any number of times. The draw itself is in
:mod:`shisetsu.lottery.results`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shisetsu.dates import first_of_month_after, month_end
from shisetsu.lottery.bundle import frozen_policy, group_pseudonym
from shisetsu.lottery.engine import (
    HISTORY_WEIGHTED,
    Choice,
    DrawInput,
    Entry,
    commitment,
    entries_hash,
    new_seed,
)
from shisetsu.lottery.models import (
    CLOSED,
    DRAWN,
    IN_LOTTERY,
    OPEN,
    PENDING,
    RELEASED,
    WIN_RELEASED,
    LotteryEntry,
    LotteryOutcome,
    LotteryRound,
)
from shisetsu.plugins.lottery import RoundSchedule
from shisetsu.refusals import Refusal
from shisetsu.slots import deadlines
from shisetsu.slots.calendar import days
from shisetsu.slots.holds import release_slots
from shisetsu.slots.lottery import Opening
from shisetsu.slots.models import LOTTERY_WIN
from shisetsu.slots.operations import load_rooms, slots_on
from shisetsu.tenancy.config import TenantConfig
from shisetsu.tenancy.runtime import TenantRuntime, runtime_of


class RoundStateError(Refusal):
    """The round is not in a state that allows this step (e.g. drawing an open round)."""

    code = "round_state"

    def __init__(self, message: str) -> None:
        super().__init__(message=message)


def schedule_for(runtime: TenantRuntime, month: dt.date) -> RoundSchedule | None:
    """The tenant's schedule for the round opening in ``month`` (None: no lottery), its
    confirmation deadline moved onto the last day the counter is open."""
    schedule: RoundSchedule | None = runtime.plugins.hook.lottery_calendar(month=month)
    if schedule is None:
        return None
    confirm = deadlines.shifted_day_end(
        runtime.config, schedule.confirm_deadline, not_before=schedule.draw_at
    )
    return dataclasses.replace(schedule, confirm_deadline=confirm)


# --- reading -----------------------------------------------------------------------------


def get_round(session: Session, round_id: int) -> LotteryRound | None:
    """The round with this id in the bound tenant (None: a 404)."""
    return session.get(LotteryRound, round_id)


def list_rounds(session: Session, *, states: Sequence[str] | None = None) -> list[LotteryRound]:
    """Rounds, newest usage month first."""
    query = sa.select(LotteryRound).order_by(LotteryRound.usage_month.desc())
    if states is not None:
        query = query.where(LotteryRound.state.in_(list(states)))
    return list(session.scalars(query))


def round_for_month(session: Session, usage_month: dt.date) -> LotteryRound | None:
    """The round of ``usage_month`` (any day of it), if one was opened."""
    query = sa.select(LotteryRound).where(LotteryRound.usage_month == usage_month.replace(day=1))
    return session.scalar(query)


def active_entries(session: Session, rnd: LotteryRound) -> list[LotteryEntry]:
    """The round's entries that are not withdrawn, with choices and groups loaded."""
    query = (
        sa.select(LotteryEntry)
        .where(LotteryEntry.round_id == rnd.id, LotteryEntry.withdrawn_at.is_(None))
        .options(selectinload(LotteryEntry.choices), selectinload(LotteryEntry.group))
        .order_by(LotteryEntry.id)
    )
    return [entry for entry in session.scalars(query) if entry.choices]


# --- opening -----------------------------------------------------------------------------


def open_round(
    session: Session, runtime: TenantRuntime, schedule: RoundSchedule, *, now: dt.datetime
) -> LotteryRound:
    """Open the round of ``schedule.usage_month`` (or return the one already opened).

    A fresh seed is drawn and only its commitment is public from now on; the policy and
    its parameters are frozen into the round, so a later change to tenant.toml does not
    change how this round is drawn.
    """
    existing = round_for_month(session, schedule.usage_month)
    if existing is not None:
        return existing
    spec = frozen_policy(runtime.plugins)
    seed = new_seed()
    month = schedule.usage_month.replace(day=1)
    rnd = LotteryRound(
        public_id=f"{runtime.config.slug}:{month:%Y-%m}",
        usage_month=month,
        opens_at=min(schedule.opens_at, now),
        closes_at=schedule.closes_at,
        draw_at=schedule.draw_at,
        confirm_deadline=schedule.confirm_deadline,
        first_come_at=schedule.first_come_at,
        first_come_by_category={
            code: when.isoformat() for code, when in schedule.first_come_by_category.items()
        },
        rules={
            "entries_per_group": schedule.entries_per_group,
            "allowed_categories": list(schedule.allowed_categories),
            "facility_categories": {k: list(v) for k, v in schedule.facility_categories.items()},
        },
        state=OPEN,
        policy=spec.name,
        policy_params=dict(spec.params),
        seed_hex=seed.hex(),
        commitment=commitment(seed),
        pseudonym_key_hex=new_seed().hex(),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(rnd)
    except IntegrityError:  # another process opened it a moment ago
        found = round_for_month(session, schedule.usage_month)
        if found is None:
            raise
        return found
    return rnd


def category_may_enter(rnd: LotteryRound, category: str, facility_code: str | None) -> bool:
    """Whether a group of ``category`` may enter (a room of ``facility_code``) this round."""
    allowed = rnd.rules.get("allowed_categories") or []
    if allowed and category not in allowed:
        return False
    limited = (rnd.rules.get("facility_categories") or {}).get(facility_code or "") or []
    return not limited or category in limited


# --- the frozen input --------------------------------------------------------------------


def pseudonym(rnd: LotteryRound, group_id: int) -> str:
    """The group's opaque id in this round's draw and bundle."""
    return group_pseudonym(bytes.fromhex(rnd.pseudonym_key_hex), rnd.public_id, group_id)


def build_input(
    session: Session, rnd: LotteryRound, seed: bytes
) -> tuple[DrawInput, dict[str, LotteryEntry]]:
    """The draw input from the stored entries, and pseudonym → entry.

    ``seed`` is explicit: the real draw and verification pass the round's seed, a
    preview a throwaway one. The same stored entries always give the same input.
    """
    by_pseudonym: dict[str, LotteryEntry] = {}
    entries = []
    for entry in active_entries(session, rnd):
        name = pseudonym(rnd, entry.group_id)
        by_pseudonym[name] = entry
        choices = [Choice(c.rank, list(c.slot_ids)) for c in entry.choices]
        entries.append(Entry(name, entry.category, choices, entry.losses))
    draw_input = DrawInput(
        round_id=rnd.public_id,
        seed=seed,
        policy=rnd.policy,
        params=dict(rnd.policy_params),
        entries=entries,
    )
    return draw_input, by_pseudonym


def _count_losses(session: Session, rnd: LotteryRound, entries: list[LotteryEntry]) -> None:
    """history_weighted: how many of the last ``lookback_rounds`` drawn rounds each group
    entered without winning anything."""
    lookback = int(rnd.policy_params.get("lookback_rounds", 0))
    earlier = list(
        session.scalars(
            sa.select(LotteryRound.id)
            .where(
                LotteryRound.usage_month < rnd.usage_month,
                LotteryRound.state.in_([DRAWN, RELEASED]),
            )
            .order_by(LotteryRound.usage_month.desc())
            .limit(lookback)
        )
    )
    for entry in entries:
        entry.losses = 0
    if not earlier or not entries:
        return
    rows = session.execute(
        sa.select(
            LotteryOutcome.group_id,
            LotteryOutcome.round_id,
            sa.func.sum(sa.case((LotteryOutcome.status == "won", 1), else_=0)),
        )
        .where(LotteryOutcome.round_id.in_(earlier))
        .group_by(LotteryOutcome.group_id, LotteryOutcome.round_id)
    )
    lost: dict[int, int] = {}
    for group_id, _round_id, won in rows:
        if not won:
            lost[group_id] = lost.get(group_id, 0) + 1
    for entry in entries:
        entry.losses = lost.get(entry.group_id, 0)


def close_round(session: Session, rnd: LotteryRound, *, now: dt.datetime) -> LotteryRound:
    """Stop taking entries; freeze them and publish their hash (idempotent)."""
    if rnd.state != OPEN:
        return rnd
    entries = active_entries(session, rnd)
    if rnd.policy == HISTORY_WEIGHTED:
        _count_losses(session, rnd, entries)
    session.flush()
    draw_input, _ = build_input(session, rnd, bytes.fromhex(rnd.seed_hex))
    rnd.entries_hash = entries_hash(draw_input)
    rnd.state = CLOSED
    rnd.closed_at = now
    return rnd


# --- after the draw ----------------------------------------------------------------------


def release_unconfirmed(session: Session, rnd: LotteryRound, *, now: dt.datetime) -> int:
    """Release wins not confirmed by the deadline (their slots free up); returns how many."""
    if rnd.state != DRAWN or now < rnd.confirm_deadline:
        return 0
    pending = list(
        session.scalars(
            sa.select(LotteryOutcome).where(
                LotteryOutcome.round_id == rnd.id, LotteryOutcome.win_state == PENDING
            )
        )
    )
    for outcome in pending:
        release_slots(session, LOTTERY_WIN, outcome.id)
        outcome.win_state = WIN_RELEASED
        outcome.decided_at = now
    if rnd.wins_released_at is None:
        rnd.wins_released_at = now
    return len(pending)


def open_first_come(session: Session, rnd: LotteryRound, *, now: dt.datetime) -> bool:
    """Let every slot still free be booked first come (the round stops marking it 抽)."""
    if rnd.state != DRAWN or now < rnd.first_come_at:
        return False
    release_unconfirmed(session, rnd, now=now)
    rnd.state = RELEASED
    rnd.released_at = now
    return True


def first_come_opening(
    session: Session, config: TenantConfig, category: str | None, day: dt.date, now: dt.datetime
) -> Opening | None:
    """When ``day`` opens first come for ``category`` (None: for anyone), if not yet.

    Installed with ``slots.lottery.set_opening_source`` in the app factory. A month with a
    round opens only once the round is released, and a staggered category waits for its
    own time; a month whose round does not exist yet opens at the first-come time its
    calendar gives (a month whose first-come time passed with no round had no lottery).
    """
    month = day.replace(day=1)
    rnd = round_for_month(session, month)
    if rnd is not None:
        own = (rnd.first_come_by_category or {}).get(category or "")
        later = dt.datetime.fromisoformat(own) if own else None
        if rnd.state != RELEASED:
            return Opening(max(later or rnd.first_come_at, rnd.first_come_at))
        if later is not None and now < later:
            return Opening(later, staggered=True)
        return None
    schedule = schedule_of_usage_month(runtime_of(config), month)
    if schedule is None:
        return None
    opens = schedule.first_come_by_category.get(category or "", schedule.first_come_at)
    return Opening(opens) if now < opens else None


def schedule_of_usage_month(runtime: TenantRuntime, month: dt.date) -> RoundSchedule | None:
    """The calendar's schedule of the round drawing ``month`` (None: the tenant has no lottery)."""
    month = month.replace(day=1)
    for back in range(1, 13):
        schedule = schedule_for(runtime, first_of_month_after(month, -back))
        if schedule is None:
            return None
        if schedule.usage_month == month:
            return schedule
    return None


# --- slots shown as 抽 ----------------------------------------------------------------------


def lottery_source(
    session: Session, config: TenantConfig, room_ids: Sequence[int], start: dt.date, end: dt.date
) -> set[str]:
    """Slot ids of ``room_ids`` in ``start..end`` covered by a round not yet released.

    Installed with ``slots.lottery.set_lottery_source`` in the app factory. One query
    when no round is in progress (the common case).
    """
    if not room_ids or end < start:
        return set()
    months = list(
        session.scalars(
            sa.select(LotteryRound.usage_month).where(
                LotteryRound.state.in_(IN_LOTTERY),
                LotteryRound.usage_month <= end,
                LotteryRound.usage_month >= start.replace(day=1),
            )
        )
    )
    if not months:
        return set()
    rooms = load_rooms(session, room_ids=room_ids)
    out: set[str] = set()
    for month in months:
        first, last = max(month, start), min(month_end(month), end)
        for day in days(first, last):
            for room in rooms:
                out.update(slot.id for slot in slots_on(config, room, day))
    return out


def round_slots(session: Session, config: TenantConfig, rnd: LotteryRound) -> list[Any]:
    """Every slot of the round's usage month (all active rooms), in room and time order."""
    out = []
    for room in load_rooms(session):
        for day in days(rnd.usage_month, month_end(rnd.usage_month)):
            out.extend(slots_on(config, room, day))
    return out
