"""Staff acting ahead of the lottery calendar: closing or drawing before the published time.

Acting early needs a reason, and where the tenant's calendar sets
``early_action_approval``, a second staff member's approval: the first asks, another
approves (never the one who asked), and a request not approved by the published time
lapses (the calendar then acts on time). Who acted is kept as a role, never a name, and
shows with the reason on the round's public page, in its bundle (``timeline``) and in
the ward's console. No Flask request objects here; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.lottery import results, rounds
from shisetsu.lottery.models import (
    CLOSED,
    EARLY_CLOSE,
    EARLY_DRAW,
    OPEN,
    REQ_DECLINED,
    REQ_DONE,
    REQ_LAPSED,
    REQ_PENDING,
    SYSTEM_ROLE,
    LotteryEarlyRequest,
    LotteryRound,
)
from shisetsu.refusals import Refusal
from shisetsu.tenancy.runtime import TenantRuntime

REASON_MAX = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (id and role) or the system operator (no id)."""

    role: str
    staff_id: int | None = None


SYSTEM = Actor(SYSTEM_ROLE)


class EarlyRefused(Refusal):
    """An early action or its approval is refused; ``code`` says why."""

    code = "early_refused"


def scheduled_at(rnd: LotteryRound, action: str) -> dt.datetime:
    """The published time of ``action`` (close: end of applications; draw: the draw)."""
    return rnd.closes_at if action == EARLY_CLOSE else rnd.draw_at


def is_early(rnd: LotteryRound, action: str, now: dt.datetime) -> bool:
    """Whether doing ``action`` now would act before its published time."""
    if action == EARLY_CLOSE:
        return rnd.state == OPEN and now < rnd.closes_at
    if action == EARLY_DRAW:
        return rnd.state in (OPEN, CLOSED) and now < rnd.draw_at
    return False


def approval_required(runtime: TenantRuntime, rnd: LotteryRound) -> bool:
    """Whether the tenant's calendar asks a second staff member to approve early actions."""
    schedule = rounds.schedule_for(runtime, rnd.usage_month)
    return bool(schedule is not None and schedule.early_action_approval)


def clean_reason(reason: str | None) -> str:
    """The reason, stripped; refused when empty, too long or holding control characters."""
    text = (reason or "").strip()
    if not text:
        raise EarlyRefused("reason_required")
    if len(text) > REASON_MAX:
        raise EarlyRefused("reason_too_long")
    if _CONTROL.search(text):
        raise EarlyRefused("reason_control")
    return text


def pending_request(session: Session, rnd: LotteryRound) -> LotteryEarlyRequest | None:
    """The round's request waiting for approval, if any."""
    return session.scalar(
        sa.select(LotteryEarlyRequest).where(LotteryEarlyRequest.pending_round == rnd.id)
    )


def get_request(session: Session, rnd: LotteryRound, request_id: int) -> LotteryEarlyRequest | None:
    """The request with this id of this round (None: a 404)."""
    req = session.get(LotteryEarlyRequest, request_id)
    return req if req is not None and req.round_id == rnd.id else None


def effective_state(req: LotteryEarlyRequest, now: dt.datetime) -> str:
    """The request's state, counting a pending one past its published time as lapsed."""
    if req.state == REQ_PENDING and now >= req.lapses_at:
        return REQ_LAPSED
    return req.state


def _act(
    session: Session, runtime: TenantRuntime, rnd: LotteryRound, action: str, now: dt.datetime
) -> None:
    rounds.close_round(session, rnd, now=now)
    if action == EARLY_DRAW:
        results.draw_round(session, runtime, rnd, now=now)


def request_early(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    action: str,
    reason: str | None,
    actor: Actor,
    *,
    now: dt.datetime,
) -> LotteryEarlyRequest:
    """Ask to close or draw ``rnd`` now, before its published time, for ``reason``.

    Without the tenant's approval rule (or for the system operator) it is done at once;
    with it the request waits for another staff member (:func:`approve`).
    """
    text = clean_reason(reason)
    if not is_early(rnd, action, now):
        raise EarlyRefused("not_early")
    lapse_due(session, now=now)  # a request past its time no longer blocks a new one
    if pending_request(session, rnd) is not None:
        raise EarlyRefused("already_pending")
    waits = actor.staff_id is not None and approval_required(runtime, rnd)
    req = LotteryEarlyRequest(
        round_id=rnd.id,
        action=action,
        reason=text,
        state=REQ_PENDING if waits else REQ_DONE,
        pending_round=rnd.id if waits else None,
        requested_by_id=actor.staff_id,
        requested_role=actor.role,
        requested_at=now,
        lapses_at=scheduled_at(rnd, action),
    )
    session.add(req)
    session.flush()
    if not waits:
        _act(session, runtime, rnd, action, now)
        req.acted_at = now
    return req


def _decide(
    session: Session, req: LotteryEarlyRequest, state: str, actor: Actor, now: dt.datetime
) -> None:
    """Move a pending request to ``state`` atomically (two approvers at once: one wins)."""
    moved = session.execute(
        sa.update(LotteryEarlyRequest)
        .where(LotteryEarlyRequest.id == req.id, LotteryEarlyRequest.state == REQ_PENDING)
        .values(
            state=state,
            pending_round=None,
            decided_by_id=actor.staff_id,
            decided_role=actor.role,
            decided_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise EarlyRefused("not_pending")
    session.refresh(req)


def approve(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    req: LotteryEarlyRequest,
    actor: Actor,
    *,
    now: dt.datetime,
) -> LotteryEarlyRequest:
    """A second staff member approves: the round is closed or drawn now."""
    if effective_state(req, now) != REQ_PENDING:
        raise EarlyRefused("lapsed" if effective_state(req, now) == REQ_LAPSED else "not_pending")
    if actor.staff_id is not None and actor.staff_id == req.requested_by_id:
        raise EarlyRefused("self_approval")
    if not is_early(rnd, req.action, now):
        raise EarlyRefused("not_early")
    _decide(session, req, REQ_DONE, actor, now)
    _act(session, runtime, rnd, req.action, now)
    req.acted_at = now
    return req


def decline(
    session: Session, req: LotteryEarlyRequest, actor: Actor, *, now: dt.datetime
) -> LotteryEarlyRequest:
    """Decline a pending request (the one who asked may withdraw it the same way)."""
    if effective_state(req, now) != REQ_PENDING:
        raise EarlyRefused("not_pending")
    _decide(session, req, REQ_DECLINED, actor, now)
    return req


def lapse_due(session: Session, *, now: dt.datetime) -> int:
    """Mark pending requests past their published time as lapsed; returns how many."""
    moved = session.execute(
        sa.update(LotteryEarlyRequest)
        .where(LotteryEarlyRequest.state == REQ_PENDING, LotteryEarlyRequest.lapses_at <= now)
        .values(state=REQ_LAPSED, pending_round=None)
        .execution_options(synchronize_session=False)
    )
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]
