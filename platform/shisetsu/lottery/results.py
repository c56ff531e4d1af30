"""The draw, its outcomes and mails; confirming a win (→ a booking); verification.

:func:`draw_round` is crash-safe: the result is a pure function of the frozen round, and
everything it writes (result, revealed seed, outcomes, slot holds of the wins, one mail
per applicant keyed by round and group) goes into the caller's one transaction. A crash
before commit leaves the round closed; drawing again gives the same bytes. A drawn round
is never drawn again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu.booking import mail as booking_mail
from shisetsu.booking import operations as booking_ops
from shisetsu.booking.models import CONFIRMED as BOOKING_CONFIRMED
from shisetsu.booking.models import Booking
from shisetsu.dates import format_deadline, format_month, last_moment
from shisetsu.groups.mail import applicant_locale, group_address
from shisetsu.i18n import current_locale
from shisetsu.lottery import engine
from shisetsu.lottery.bundle import preview, run_draw
from shisetsu.lottery.display import explain
from shisetsu.lottery.models import (
    CLOSED,
    CONFIRMED,
    DECLINED,
    PENDING,
    LotteryEntry,
    LotteryOutcome,
    LotteryRound,
)
from shisetsu.lottery.rounds import RoundStateError, active_entries, build_input
from shisetsu.lottery.timeline import BUNDLE_STEPS, timeline
from shisetsu.notify import compose, queue_mail
from shisetsu.plugins import Violation
from shisetsu.plugins.booking import FeeBreakdown
from shisetsu.refusals import Refusal
from shisetsu.slots.display import slot_labels
from shisetsu.slots.holds import SlotTaken, hold_slots, release_slots
from shisetsu.slots.models import BOOKING, LOTTERY_WIN, SlotHold
from shisetsu.tenancy.runtime import TenantRuntime


class LotteryTampered(Exception):
    """The stored entries no longer hash to the entries hash published at close."""


class WinStateError(Refusal):
    """The win cannot be confirmed or declined (already decided, or past the deadline)."""

    code = "win_state"

    def __init__(self, outcome_id: int) -> None:
        super().__init__(message=str(outcome_id))


def stored_result(rnd: LotteryRound) -> engine.DrawResult | None:
    """The round's stored result, if drawn."""
    if rnd.result_json is None:
        return None
    return engine.DrawResult.from_dict(json.loads(rnd.result_json))


def draw_round(
    session: Session, runtime: TenantRuntime, rnd: LotteryRound, *, now: dt.datetime
) -> engine.DrawResult:
    """Draw a closed round (returns the stored result if it is already drawn)."""
    done = stored_result(rnd)
    if done is not None:
        return done
    if rnd.state != CLOSED:
        raise RoundStateError(f"round {rnd.id} is {rnd.state}, not closed")
    draw_input, by_pseudonym = build_input(session, rnd, bytes.fromhex(rnd.seed_hex))
    if engine.entries_hash(draw_input) != rnd.entries_hash:
        raise LotteryTampered(f"round {rnd.id}: entries changed after close")
    result = run_draw(runtime.plugins, draw_input)
    rnd.result_json = result.to_json()
    rnd.result_hash = result.result_hash
    rnd.state = "drawn"
    rnd.drawn_at = now
    choices = {
        (name, choice.rank): list(choice.slot_ids)
        for name, entry in by_pseudonym.items()
        for choice in entry.choices
    }
    outcomes: dict[int, list[LotteryOutcome]] = defaultdict(list)
    for group, rank, status, entrants, position, of in result.rows:
        entry = by_pseudonym[group]
        outcome = LotteryOutcome(
            round_id=rnd.id,
            entry_id=entry.id,
            group_id=entry.group_id,
            rank=rank,
            slot_ids=choices[(group, rank)],
            status=status,
            entrants=entrants,
            position=position,
            of=of,
            win_state=PENDING if status == engine.WON else None,
        )
        session.add(outcome)
        outcomes[entry.id].append(outcome)
    session.flush()
    for entry_outcomes in outcomes.values():
        for outcome in entry_outcomes:
            if outcome.win_state == PENDING:
                try:
                    hold_slots(session, outcome.slot_ids, LOTTERY_WIN, outcome.id)
                except SlotTaken:  # held by staff since the close: the win cannot stand
                    outcome.win_state = "released"
                    outcome.decided_at = now
    for entry in by_pseudonym.values():
        _result_mail(session, runtime, rnd, entry, outcomes[entry.id])
    return result


# --- explanations and mail -----------------------------------------------------------------


def _result_mail(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    entry: LotteryEntry,
    outcomes: list[LotteryOutcome],
) -> bool:
    group = entry.group
    ids = {sid for o in outcomes for sid in o.slot_ids}

    def render() -> tuple[str, str]:
        subject = gettext(
            "Lottery result: %(month)s", month=format_month(rnd.usage_month, current_locale())
        )
        lines = [gettext("Dear %(name)s,", name=group.name)]
        lines.append(gettext("The lottery has been drawn. Your choices:"))
        names = slot_labels(session, runtime.config, ids, current_locale())
        lines.extend(
            f"{explain(o)}\n  " + "\n  ".join(names.get(s, s) for s in o.slot_ids)
            for o in sorted(outcomes, key=lambda o: o.rank)
        )
        if any(o.win_state == PENDING for o in outcomes):
            lines.append(
                gettext(
                    "Please confirm or decline your wins on the reservation site %(deadline)s; "
                    "wins not confirmed by then are released.",
                    deadline=format_deadline(
                        last_moment(rnd.confirm_deadline), current_locale(), runtime.config.timezone
                    ),
                )
            )
        lines.append(runtime.config.name.get(current_locale()))
        return subject, "\n\n".join(lines)

    content = compose(render, applicant_locale(group))
    return queue_mail(
        session,
        key=f"lottery:{rnd.id}:result:{group.id}",
        to=group_address(group),
        subject=content.subject,
        body=content.body,
        kind="lottery_result",
        locale=content.locale,
    )


# --- confirming and declining -----------------------------------------------------------------


def outcomes_of(session: Session, rnd: LotteryRound, group_ids: list[int]) -> list[LotteryOutcome]:
    """Outcomes of the given groups in the round, by group then rank."""
    if not group_ids:
        return []
    query = (
        sa.select(LotteryOutcome)
        .where(LotteryOutcome.round_id == rnd.id, LotteryOutcome.group_id.in_(group_ids))
        .order_by(LotteryOutcome.group_id, LotteryOutcome.rank)
    )
    return list(session.scalars(query))


def _decidable(rnd: LotteryRound, outcome: LotteryOutcome, now: dt.datetime) -> None:
    if outcome.win_state != PENDING or rnd.state != "drawn" or now >= rnd.confirm_deadline:
        raise WinStateError(outcome.id)


def confirm_win(
    session: Session,
    runtime: TenantRuntime,
    rnd: LotteryRound,
    outcome: LotteryOutcome,
    *,
    attendees: int,
    purpose: str,
    now: dt.datetime,
    account_id: int | None = None,
) -> Booking:
    """Confirm a win (当選確定): it becomes a booking with its fee; the caller commits.

    The booking is priced by the booking module's rules (:func:`booking_ops.prepare`);
    the tenant's first-come rules (horizon, caps) do not apply to a won slot, but the
    number of people and the purpose are checked as for any booking; the slots stay held
    throughout: the win's holds become the booking's.
    """
    _decidable(rnd, outcome, now)
    group = outcome.group
    data = booking_ops.BookingInput(list(outcome.slot_ids), attendees, purpose)
    draft = booking_ops.prepare(session, runtime, group, data, now=now)
    refusals = [v for v in draft.refusals if v.code != "slot_in_lottery"]
    # What the group types must still fit the room and the permit (capacity, purpose).
    refusals += [v for v in draft.rules if v.field in ("attendees", "purpose")]
    if refusals:
        raise booking_ops.BookingRefused(refusals)
    booking = Booking(
        group_id=group.id,
        account_id=account_id,
        room_id=draft.room.id,
        date=draft.date,
        slot_codes=[slot.code for slot in draft.slots],
        set_code=draft.full_day.code if draft.full_day else None,
        starts_at=draft.slots[0].start,
        ends_at=draft.slots[-1].end,
        attendees=attendees,
        purpose=purpose.strip(),
        status=BOOKING_CONFIRMED,
        fee_total=draft.fee.total,
        fee_items=[item.to_dict() for item in draft.fee.items],
        fee_sample=draft.fee.sample,
        payment_due=draft.terms.due,
        remind_from=draft.terms.remind_from if draft.terms.due else None,
        overridden=[],
        created_at=now,
    )
    session.add(booking)
    session.flush()
    session.execute(
        sa.update(SlotHold)
        .where(SlotHold.kind == LOTTERY_WIN, SlotHold.ref_id == outcome.id)
        .values(kind=BOOKING, ref_id=booking.id)
    )
    outcome.win_state = CONFIRMED
    outcome.decided_at = now
    outcome.booking_id = booking.id
    session.flush()
    booking_mail.queue_confirmation(session, runtime.config, booking)
    return booking


def quote_win(
    session: Session, runtime: TenantRuntime, outcome: LotteryOutcome, *, now: dt.datetime
) -> FeeBreakdown | None:
    """The fee confirming a pending win would cost (None when it cannot be priced now)."""
    data = booking_ops.BookingInput(list(outcome.slot_ids), 1, "")
    try:
        draft = booking_ops.prepare(session, runtime, outcome.group, data, now=now)
    except (booking_ops.BookingRefused, LookupError):
        return None
    return draft.fee


def decline_win(
    session: Session, rnd: LotteryRound, outcome: LotteryOutcome, *, now: dt.datetime
) -> None:
    """Decline a win: its slots are released (first come later)."""
    _decidable(rnd, outcome, now)
    release_slots(session, LOTTERY_WIN, outcome.id)
    outcome.win_state = DECLINED
    outcome.decided_at = now


# --- verification, bundles, previews -----------------------------------------------------


def make_public_bundle(session: Session, slug: str, rnd: LotteryRound) -> dict[str, Any] | None:
    """The anonymous verification bundle of a drawn round (None before the draw), with
    the round's ``timeline`` (published and actual times, early steps' role and reason)."""
    result = stored_result(rnd)
    if result is None or rnd.entries_hash is None:
        return None
    draw_input, _ = build_input(session, rnd, bytes.fromhex(rnd.seed_hex))
    bundle = engine.make_bundle(
        draw_input, result, commitment=rnd.commitment, entries_hash=rnd.entries_hash, tenant=slug
    )
    bundle["timeline"] = timeline(session, rnd, steps=BUNDLE_STEPS)
    return bundle


def verify_round(session: Session, slug: str, rnd: LotteryRound) -> tuple[bool, list[str]]:
    """Recompute the draw from the revealed seed and the stored entries: identical?"""
    if not rnd.drawn:
        return False, ["round: not drawn yet"]
    try:
        bundle = make_public_bundle(session, slug, rnd)
    except (ValueError, engine.InvalidInput) as exc:
        return False, [f"stored data: {exc}"]
    if bundle is None:
        return False, ["round: no stored result"]
    if bundle["result_hash"] != rnd.result_hash:
        return False, ["result_hash: the stored result does not hash to the published value"]
    return engine.verify(bundle, commitment=rnd.commitment, entries_hash=rnd.entries_hash)


def dry_run(session: Session, rnd: LotteryRound, seed: bytes | None = None) -> engine.DrawResult:
    """A preview of the draw over the current entries with a throwaway (or given) seed.

    Never uses the committed seed (a given seed that matches the commitment is refused),
    never writes.
    """
    if seed is not None and engine.commitment(seed) == rnd.commitment:
        raise ValueError("a dry run must not use the round's committed seed")
    draw_input, _ = build_input(session, rnd, bytes(engine.SEED_BYTES))
    return preview(draw_input, seed)


# --- statistics ---------------------------------------------------------------------------


@dataclass
class RoundStats:
    """Entries, wins and the win rate by group category of one round."""

    groups: int = 0
    choices: int = 0
    wins: int = 0
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    """category → (groups entered, groups with at least one win)."""
    contention: list[tuple[str, int]] = field(default_factory=list)
    """The most contested slots: (slot id, groups that entered it)."""


def round_stats(session: Session, rnd: LotteryRound) -> RoundStats:
    """Statistics for the staff dashboard and the ward console."""
    stats = RoundStats()
    entries = active_entries(session, rnd)
    per_slot: Counter[str] = Counter()
    entered: Counter[str] = Counter()
    for entry in entries:
        stats.groups += 1
        stats.choices += len(entry.choices)
        entered[entry.category] += 1
        for slot in {s for c in entry.choices for s in c.slot_ids}:
            per_slot[slot] += 1
    winners: dict[str, set[int]] = defaultdict(set)
    rows = session.execute(
        sa.select(LotteryEntry.category, LotteryOutcome.group_id)
        .join(LotteryEntry, LotteryEntry.id == LotteryOutcome.entry_id)
        .where(LotteryOutcome.round_id == rnd.id, LotteryOutcome.status == engine.WON)
    )
    for category, group_id in rows:
        stats.wins += 1
        winners[category].add(group_id)
    stats.by_category = {c: (n, len(winners.get(c, ()))) for c, n in sorted(entered.items())}
    stats.contention = per_slot.most_common(20)
    return stats


def violation_list(violations: list[Violation], locale: str) -> list[str]:
    """Violation messages in ``locale``."""
    return [v.message(locale) for v in violations]
