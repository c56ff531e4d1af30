"""A planned closure's hits, their fingerprint, and confirming the closure with its decisions.

No Flask request objects here. :func:`find_hits` lists what a closure of some rooms over
some days would hit: active bookings, choices in open lottery rounds, pending wins of
drawn rounds, and the free slots of closed (not yet drawn) rounds. :func:`confirm` adds
the closure under the facility's exclusive lock (:mod:`shisetsu.slots.locks`), checks the
hits still match the fingerprint staff saw, and acts on each: bookings are cancelled as
facility-caused with a full refund (unless kept with a reason), choices leave the round,
wins are cancelled, closed-round slots are held; each group gets one mail. The caller
commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from shisetsu.audit import operations as audit
from shisetsu.booking import payments
from shisetsu.booking.models import ACTIVE, BY_STAFF, Booking
from shisetsu.closures import mail
from shisetsu.closures.models import (
    BOOKING,
    CANCELLED,
    CHOICE,
    HELD,
    KEPT,
    REMOVED,
    ROUND,
    WIN,
    ClosureDecision,
)
from shisetsu.dates import month_end
from shisetsu.facilities.models import Room
from shisetsu.lottery.models import (
    CLOSED,
    DRAWN,
    OPEN,
    PENDING,
    WIN_RELEASED,
    LotteryChoice,
    LotteryEntry,
    LotteryOutcome,
    LotteryRound,
)
from shisetsu.refusals import Refusal
from shisetsu.slots import manage
from shisetsu.slots.calendar import days
from shisetsu.slots.holds import hold_slots, release_slots, taken_among
from shisetsu.slots.ids import InvalidSlotId, SlotRef, parse_slot_id
from shisetsu.slots.locks import lock_facility
from shisetsu.slots.models import CLOSURE, LOTTERY_WIN, Closure
from shisetsu.slots.operations import slots_on
from shisetsu.tenancy.runtime import TenantRuntime

FACILITY_CAUSED = "施設都合"
"""Prefix of the cancel reason of a booking a closure cancelled (the facility's doing)."""
MAX_REASON = 1000


class HitsChanged(Refusal):
    """What the closure hits changed since the preview: staff must look again (409)."""

    code = "closure_hits_changed"


class KeepReasonMissing(Refusal):
    """A booking is to be kept on a closed day, but no reason was given."""

    code = "keep_reason_required"


@dataclass(frozen=True)
class Plan:
    """A closure as staff fill it in, before it exists."""

    room: Room
    start: dt.date
    end: dt.date
    whole_facility: bool
    reason_ja: str
    reason_en: str | None

    @property
    def room_ids(self) -> list[int]:
        """The rooms it closes (the room, or every room of its facility)."""
        if self.whole_facility:
            return sorted(r.id for r in self.room.facility.rooms)
        return [self.room.id]

    def covers(self, ref: SlotRef) -> bool:
        """Whether the slot lies in a closed room on a closed day."""
        return ref.room_id in self.room_ids and self.start <= ref.date <= self.end


@dataclass
class Hits:
    """Everything a planned closure hits, in date order within each kind."""

    bookings: list[Booking] = field(default_factory=list)
    choices: list[LotteryChoice] = field(default_factory=list)
    wins: list[LotteryOutcome] = field(default_factory=list)
    round_slots: dict[int, list[SlotRef]] = field(default_factory=dict)
    """Closed round id → its free slots on the closed days (to be held)."""

    @property
    def fingerprint(self) -> str:
        """A digest of what is listed: a booking, choice or win more or less changes it."""
        listed = {
            "bookings": [[b.id, b.status] for b in self.bookings],
            "choices": [[c.id, c.entry_id] for c in self.choices],
            "wins": [o.id for o in self.wins],
            "rounds": {str(k): len(v) for k, v in sorted(self.round_slots.items())},
        }
        return hashlib.sha256(json.dumps(listed, sort_keys=True).encode()).hexdigest()

    @property
    def count(self) -> int:
        """How many bookings, choices and wins are listed."""
        return len(self.bookings) + len(self.choices) + len(self.wins)


def _refs(slot_ids: Sequence[str]) -> list[SlotRef]:
    out = []
    for slot_id in slot_ids:
        try:
            out.append(parse_slot_id(slot_id))
        except InvalidSlotId:
            continue
    return out


def _rounds(session: Session, plan: Plan, states: Sequence[str]) -> list[LotteryRound]:
    first = plan.start.replace(day=1)
    query = sa.select(LotteryRound).where(
        LotteryRound.state.in_(states),
        LotteryRound.usage_month >= first,
        LotteryRound.usage_month <= plan.end,
    )
    return list(session.scalars(query.order_by(LotteryRound.usage_month)))


def find_hits(session: Session, runtime: TenantRuntime, plan: Plan) -> Hits:
    """What closing ``plan`` now would hit (reads only)."""
    hits = Hits()
    hits.bookings = list(
        session.scalars(
            sa.select(Booking)
            .where(
                Booking.room_id.in_(plan.room_ids),
                Booking.date >= plan.start,
                Booking.date <= plan.end,
                Booking.status.in_(ACTIVE),
            )
            .options(selectinload(Booking.group), selectinload(Booking.room))
            .order_by(Booking.date, Booking.starts_at, Booking.id)
        )
    )
    open_ids = [r.id for r in _rounds(session, plan, [OPEN])]
    if open_ids:
        choices = session.scalars(
            sa.select(LotteryChoice)
            .join(LotteryEntry)
            .where(LotteryEntry.round_id.in_(open_ids), LotteryEntry.withdrawn_at.is_(None))
            .options(selectinload(LotteryChoice.entry).selectinload(LotteryEntry.group))
            .order_by(LotteryChoice.id)
        )
        hits.choices = [c for c in choices if any(map(plan.covers, _refs(c.slot_ids)))]
    drawn_ids = [r.id for r in _rounds(session, plan, [DRAWN])]
    if drawn_ids:
        wins = session.scalars(
            sa.select(LotteryOutcome)
            .where(LotteryOutcome.round_id.in_(drawn_ids), LotteryOutcome.win_state == PENDING)
            .options(selectinload(LotteryOutcome.group))
            .order_by(LotteryOutcome.id)
        )
        hits.wins = [o for o in wins if any(map(plan.covers, _refs(o.slot_ids)))]
    rooms = {r.id: r for r in plan.room.facility.rooms if r.id in plan.room_ids}
    for rnd in _rounds(session, plan, [CLOSED]):
        first = max(plan.start, rnd.usage_month)
        last = min(plan.end, month_end(rnd.usage_month))
        refs = [
            slot.ref
            for room in rooms.values()
            for day in days(first, last)
            for slot in slots_on(runtime.config, room, day)
        ]
        taken = set(taken_among(session, refs))
        free = [ref for ref in refs if ref.id not in taken]
        if free:
            hits.round_slots[rnd.id] = free
    return hits


@dataclass
class Outcome:
    """What confirming did: the closure and how many of each were acted on."""

    closure: Closure
    cancelled: int = 0
    kept: int = 0
    choices_removed: int = 0
    wins_cancelled: int = 0
    slots_held: int = 0
    groups_told: int = 0


def confirm(
    session: Session,
    runtime: TenantRuntime,
    plan: Plan,
    *,
    fingerprint: str,
    keep: dict[int, str],
    staff_id: int | None,
    now: dt.datetime,
    today: dt.date,
) -> Outcome:
    """Add the closure and carry out every decision on what it hits; the caller commits.

    ``keep`` maps booking ids staff keep to their reasons. Raises :class:`HitsChanged`
    when the hits no longer match ``fingerprint``, :class:`KeepReasonMissing` for a kept
    booking without a reason and :class:`~shisetsu.slots.manage.ManageError` for a bad
    period; nothing is written then.
    """
    manage.check_closure_period(plan.start, plan.end, today)
    lock_facility(session, plan.room.facility_id)
    hits = find_hits(session, runtime, plan)
    if hits.fingerprint != fingerprint:
        raise HitsChanged("changed")
    keep = {bid: (why or "").strip()[:MAX_REASON] for bid, why in keep.items()}
    if any(not why for bid, why in keep.items() if bid in {b.id for b in hits.bookings}):
        raise KeepReasonMissing("reason")
    closure, _held = manage.add_closure(
        session,
        plan.room,
        plan.start,
        plan.end,
        whole_facility=plan.whole_facility,
        reason_ja=plan.reason_ja,
        reason_en=plan.reason_en,
        staff_id=staff_id,
        today=today,
    )
    reason = f"{FACILITY_CAUSED}: {closure.reason_ja}"
    done = Outcome(closure)
    told = mail.Notices()

    def decide(subject: str, subject_id: int, group_id: int | None, action: str, why: str) -> None:
        session.add(
            ClosureDecision(
                closure_id=closure.id,
                subject=subject,
                subject_id=subject_id,
                group_id=group_id,
                action=action,
                reason=why,
                staff_id=staff_id,
                decided_at=now,
            )
        )

    for booking in hits.bookings:
        if booking.id in keep:
            decide(BOOKING, booking.id, booking.group_id, KEPT, keep[booking.id])
            done.kept += 1
            continue
        locked = payments.lock_booking(session, booking.id)
        assert locked is not None  # listed under the exclusive lock a moment ago
        payments.cancel_booking(
            session,
            runtime,
            locked,
            now=now,
            by=BY_STAFF,
            staff_id=staff_id,
            reason=reason,
            full_refund=True,
            tell=False,
        )
        decide(BOOKING, locked.id, locked.group_id, CANCELLED, reason)
        told.add(locked.group, bookings=[locked])
        done.cancelled += 1
    for choice in hits.choices:
        entry = choice.entry
        decide(CHOICE, choice.id, entry.group_id, REMOVED, reason)
        told.add(entry.group, choices=[list(choice.slot_ids)])
        entry.choices.remove(choice)
        session.flush()
        for rank, rest in enumerate(sorted(entry.choices, key=lambda c: c.rank), start=1):
            rest.rank = rank
        entry.updated_at = now
        done.choices_removed += 1
    for outcome in hits.wins:
        release_slots(session, LOTTERY_WIN, outcome.id)
        outcome.win_state = WIN_RELEASED
        outcome.decided_at = now
        decide(WIN, outcome.id, outcome.group_id, CANCELLED, reason)
        told.add(outcome.group, wins=[list(outcome.slot_ids)])
        done.wins_cancelled += 1
    for round_id, refs in hits.round_slots.items():
        hold_slots(session, refs, CLOSURE, closure.id, note=reason[:500], staff_id=staff_id)
        decide(ROUND, round_id, None, HELD, f"{reason} ({len(refs)})")
        done.slots_held += len(refs)
    session.flush()
    done.groups_told = told.queue(session, runtime.config, closure)
    audit.record(
        session,
        audit.CREATE,
        "closure",
        closure.id,
        detail=(
            f"cancelled {done.cancelled}, kept {done.kept}, choices {done.choices_removed}, "
            f"wins {done.wins_cancelled}, held {done.slots_held}"
        ),
        at=now,
    )
    return done


def decisions_of(session: Session, closure_id: int) -> list[ClosureDecision]:
    """The decisions recorded when ``closure_id`` was confirmed, in order."""
    query = sa.select(ClosureDecision).where(ClosureDecision.closure_id == closure_id)
    return list(session.scalars(query.order_by(ClosureDecision.id)))
