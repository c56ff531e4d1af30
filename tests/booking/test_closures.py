"""Confirming a closure over bookings and lottery entries (operations, both databases).

What the closure hits is cancelled as facility-caused with a full refund, each group gets
one mail, open-round choices leave the entry, closed-round slots are held so they are not
drawn, pending wins are cancelled; a kept booking needs a reason; a changed list refuses.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.audit.models import AccessLog
from shisetsu.booking.models import ACTIVE, BY_STAFF, CANCELLED, Booking
from shisetsu.closures import operations as ops
from shisetsu.closures.models import KEPT, ClosureDecision
from shisetsu.lottery.models import DRAWN, PENDING, WIN_RELEASED, LotteryEntry, LotteryOutcome
from shisetsu.notify.models import OutboxMessage
from shisetsu.slots.ids import parse_slot_id
from shisetsu.slots.models import CLOSURE, LOTTERY_WIN, Closure, SlotHold
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.auth import make_staff
from tests.support import lottery as lot
from tests.support.booking import book, booking_mails, booking_row, member, open_days, slot
from tests.support.closures import confirm, fingerprint
from tests.support.slots import room_id

T = "genkikan"


@pytest.fixture
def app(any_app: Flask) -> Flask:
    return any_app


def hall(app: Flask, day: object, code: str) -> str:
    return slot(app, T, "genkikan", "multipurpose", day, code)  # type: ignore[arg-type]


def mails_like(app: Flask, pattern: str) -> list[OutboxMessage]:
    with tenant_session(app, T) as session:
        query = sa.select(OutboxMessage).where(OutboxMessage.idempotency_key.like(pattern))
        return list(session.scalars(query))


def pay(app: Flask, booking_id: int, amount: int) -> None:
    with tenant_session(app, T) as session:
        session.execute(
            sa.update(Booking)
            .where(Booking.id == booking_id)
            .values(status="paid", paid_amount=amount)
        )
        session.commit()


def test_bookings_are_cancelled_with_full_refund_and_one_mail_per_group(app: Flask) -> None:
    day, other_day = open_days(app, T, "genkikan", 2)
    a, b = member(app, T), member(app, T)
    am = book(app, T, a.group_id, [hall(app, day, "am")])
    pm = book(app, T, a.group_id, [hall(app, day, "pm")])
    pay(app, pm, 1000)
    theirs = book(app, T, b.group_id, [slot(app, T, "genkikan", "meeting-a", day, "am")])
    outside = book(app, T, b.group_id, [hall(app, other_day, "am")])
    staff = make_staff(app, T, "handler")
    room = room_id(app, T, "genkikan", "multipurpose")

    done = confirm(app, T, room, day, day, whole=True, staff_id=staff.id)

    assert (done.cancelled, done.kept, done.groups_told) == (3, 0, 2)
    for booking_id in (am, pm, theirs):
        row = booking_row(app, T, booking_id)
        assert row["status"] == CANCELLED and row["cancelled_by"] == BY_STAFF
        assert row["cancel_reason"].startswith(ops.FACILITY_CAUSED)
        assert row["refund_percent"] == 100
        assert booking_mails(app, T, booking_id)[-1].kind != "booking_cancelled"
    assert booking_row(app, T, pm)["refund_amount"] == 1000
    assert booking_row(app, T, outside)["status"] in ACTIVE
    closure_id = done.closure.id
    mails = mails_like(app, f"closure:{closure_id}:group:%")
    assert sorted(m.idempotency_key for m in mails) == sorted(
        f"closure:{closure_id}:group:{g}" for g in (a.group_id, b.group_id)
    )
    to_a = next(m for m in mails if m.idempotency_key.endswith(f":{a.group_id}"))
    assert (
        f"{am:06d}" in to_a.body_text
        and f"{pm:06d}" in to_a.body_text
        and "1,000" in to_a.body_text
    )
    with tenant_session(app, T) as session:
        assert (
            session.scalar(sa.select(sa.func.count(SlotHold.id)).where(SlotHold.date == day)) == 0
        )
        decisions = list(session.scalars(sa.select(ClosureDecision)))
        assert {(d.subject_id, d.action) for d in decisions} == {
            (am, "cancelled"),
            (pm, "cancelled"),
            (theirs, "cancelled"),
        }
        assert all(d.staff_id == staff.id for d in decisions)
        logged = session.scalars(
            sa.select(AccessLog).where(AccessLog.record_type == "closure")
        ).all()
        assert [(e.action, e.record_id) for e in logged] == [("create", str(closure_id))]


def test_keeping_a_booking_needs_a_reason_and_is_recorded(app: Flask) -> None:
    (day,) = open_days(app, T, "genkikan", 1)
    a = member(app, T)
    kept = book(app, T, a.group_id, [hall(app, day, "am")])
    gone = book(app, T, a.group_id, [hall(app, day, "pm")])
    room = room_id(app, T, "genkikan", "multipurpose")
    with pytest.raises(ops.KeepReasonMissing):
        confirm(app, T, room, day, day, keep={kept: "  "})
    with tenant_session(app, T) as session:
        assert session.scalar(sa.select(sa.func.count(Closure.id))) == 0
    assert booking_row(app, T, gone)["status"] in ACTIVE

    done = confirm(app, T, room, day, day, keep={kept: "区の行事で使用継続"})
    assert (done.cancelled, done.kept) == (1, 1)
    assert booking_row(app, T, kept)["status"] in ACTIVE
    assert booking_row(app, T, gone)["status"] == CANCELLED
    with tenant_session(app, T) as session:
        row = session.scalar(sa.select(ClosureDecision).where(ClosureDecision.action == KEPT))
        assert row is not None and (row.subject_id, row.reason) == (kept, "区の行事で使用継続")


def test_a_changed_list_is_refused_and_nothing_is_written(app: Flask) -> None:
    (day,) = open_days(app, T, "genkikan", 1)
    a = member(app, T)
    first = book(app, T, a.group_id, [hall(app, day, "am")])
    room = room_id(app, T, "genkikan", "multipurpose")
    seen = fingerprint(app, T, room, day, day)
    book(app, T, a.group_id, [hall(app, day, "pm")])  # booked while staff looked
    with pytest.raises(ops.HitsChanged):
        confirm(app, T, room, day, day, print_=seen)
    assert booking_row(app, T, first)["status"] in ACTIVE
    with tenant_session(app, T) as session:
        assert session.scalar(sa.select(sa.func.count(Closure.id))) == 0
        assert session.scalar(sa.select(sa.func.count(ClosureDecision.id))) == 0


def _room_day(slot_id: str) -> tuple[int, object]:
    ref = parse_slot_id(slot_id)
    return ref.room_id, ref.date


def test_open_round_choices_leave_the_entry_and_the_entrant_is_told(app: Flask) -> None:
    rnd = lot.open_round(app, T)
    hit, spare = lot.lottery_slot_ids(app, T, rnd, 2)
    _, gid = lot.group(app, T)
    lot.enter(app, T, rnd, gid, [[hit], [spare]])
    room, day = _room_day(hit)
    done = confirm(app, T, room, day, day)  # type: ignore[arg-type]
    assert done.choices_removed == 1 and done.groups_told == 1
    with tenant_session(app, T) as session:
        entry = session.scalar(sa.select(LotteryEntry).where(LotteryEntry.group_id == gid))
        assert entry is not None
        assert [(c.rank, c.slot_ids) for c in entry.choices] == [(1, [spare])]
    (mail,) = mails_like(app, f"closure:{done.closure.id}:group:{gid}")
    assert "設備点検" in mail.body_text


def test_closed_round_slots_are_held_and_not_drawn(app: Flask) -> None:
    rnd = lot.open_round(app, T)
    (hit,) = lot.lottery_slot_ids(app, T, rnd, 1)
    _, gid = lot.group(app, T)
    lot.enter(app, T, rnd, gid, [[hit]])
    lot.step(app, T, lot.CLOSE)
    room, day = _room_day(hit)
    done = confirm(app, T, room, day, day)  # type: ignore[arg-type]
    assert done.slots_held > 0
    ref = parse_slot_id(hit)
    with tenant_session(app, T) as session:
        held = session.scalar(
            sa.select(SlotHold.kind).where(
                SlotHold.room_id == ref.room_id,
                SlotHold.date == ref.date,
                SlotHold.slot_code == ref.code,
            )
        )
        assert held == CLOSURE
    lot.step(app, T, lot.DRAW)
    assert lot.round_row(app, T, rnd)["state"] == DRAWN
    with tenant_session(app, T) as session:
        outcome = session.scalar(sa.select(LotteryOutcome).where(LotteryOutcome.group_id == gid))
        assert outcome is not None and outcome.win_state != PENDING
        assert (
            session.scalar(
                sa.select(sa.func.count(SlotHold.id)).where(SlotHold.kind == LOTTERY_WIN)
            )
            == 0
        )


def test_pending_wins_of_a_drawn_round_are_cancelled(app: Flask) -> None:
    rnd = lot.open_round(app, T)
    (hit,) = lot.lottery_slot_ids(app, T, rnd, 1)
    _, gid = lot.group(app, T)
    lot.enter(app, T, rnd, gid, [[hit]])
    lot.step(app, T, lot.CLOSE)
    lot.step(app, T, lot.DRAW)
    room, day = _room_day(hit)
    done = confirm(app, T, room, day, day)  # type: ignore[arg-type]
    assert done.wins_cancelled == 1
    with tenant_session(app, T) as session:
        outcome = session.scalar(sa.select(LotteryOutcome).where(LotteryOutcome.group_id == gid))
        assert outcome is not None and outcome.win_state == WIN_RELEASED
        assert (
            session.scalar(
                sa.select(sa.func.count(SlotHold.id)).where(SlotHold.kind == LOTTERY_WIN)
            )
            == 0
        )
    assert len(mails_like(app, f"closure:{done.closure.id}:group:{gid}")) == 1
