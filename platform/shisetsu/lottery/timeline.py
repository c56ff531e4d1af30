"""What happened when in a round: each step's published and actual time, and for a step
done before its published time, who (a role, never a name) and why.

Shown on the round's public page, carried in its bundle (``timeline``; not covered by the
hashes, the draw does not depend on it) and read by the ward's console.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.lottery.models import (
    EARLY_CLOSE,
    EARLY_DRAW,
    REQ_DONE,
    LotteryEarlyRequest,
    LotteryRound,
)


def requests_of(session: Session, rnd: LotteryRound) -> list[LotteryEarlyRequest]:
    """Every early request of the round, oldest first."""
    query = (
        sa.select(LotteryEarlyRequest)
        .where(LotteryEarlyRequest.round_id == rnd.id)
        .order_by(LotteryEarlyRequest.id)
    )
    return list(session.scalars(query))


STEPS = ("open", "close", "draw", "first_come")
BUNDLE_STEPS = ("open", "close", "draw")
"""The steps a bundle carries: all known once the round is drawn, so the file stays put."""


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).isoformat() if when is not None else None


def timeline(
    session: Session, rnd: LotteryRound, *, steps: tuple[str, ...] = STEPS
) -> list[dict[str, Any]]:
    """:func:`steps_of` as JSON-able data (times ISO 8601 in UTC), as the bundle has it."""
    return [
        {**row, "scheduled": _iso(row["scheduled"]), "actual": _iso(row["actual"])}
        for row in steps_of(session, rnd, steps=steps)
    ]


def steps_of(
    session: Session, rnd: LotteryRound, *, steps: tuple[str, ...] = STEPS
) -> list[dict[str, Any]]:
    """Each step's published and actual time, and for an early one who (role) and why.

    ``early`` is true when the step happened before its published time; an early draw of
    an open round closed it early too, for the same reason.
    """
    done = [r for r in requests_of(session, rnd) if r.state == REQ_DONE]
    by_action = {r.action: r for r in done}
    drawn_early = by_action.get(EARLY_DRAW)
    times = {
        "open": (rnd.opens_at, rnd.created_at),
        "close": (rnd.closes_at, rnd.closed_at),
        "draw": (rnd.draw_at, rnd.drawn_at),
        "first_come": (rnd.first_come_at, rnd.released_at),
    }
    out = []
    for step in steps:
        scheduled, actual = times[step]
        early = actual is not None and actual < scheduled
        req = by_action.get(step) or (drawn_early if step == EARLY_CLOSE else None)
        row: dict[str, Any] = {
            "step": step,
            "scheduled": scheduled,
            "actual": actual,
            "early": early,
            "by": None,
            "approved_by": None,
            "reason": None,
        }
        if early and req is not None and step in (EARLY_CLOSE, EARLY_DRAW):
            row.update(by=req.requested_role, approved_by=req.decided_role, reason=req.reason)
        out.append(row)
    return out


def early_trace(session: Session, rnd: LotteryRound) -> list[dict[str, Any]]:
    """The steps of ``rnd`` done early, for the ward's console (empty: none)."""
    return [row for row in steps_of(session, rnd) if row["early"] and row["reason"]]
