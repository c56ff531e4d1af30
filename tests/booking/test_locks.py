"""PostgreSQL: every booking lock has its race (see :mod:`tests.support.races`): two
bookings of one group against its cap, and cancel against payment. Without the lock
under test they collide every time."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking import operations as ops
from shisetsu.booking import payments
from shisetsu.booking.models import CANCELLED, PAID, Booking
from shisetsu.booking.payments import BookingStateError
from shisetsu.groups.models import Group
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.fixtures.auth import make_staff
from tests.support.booking import (
    book,
    booking_row,
    make_groups,
    open_day,
    slot,
)
from tests.support.races import meet_after, run_racers

pytestmark = pytest.mark.postgres
TENANT = "genkikan"


@pytest.fixture
def app(pg_app: Flask) -> Flask:
    """The races need PostgreSQL's row locks; each test has the database to itself."""
    return pg_app


def test_two_bookings_of_one_group_cannot_race_past_its_cap(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    (group_id,) = make_groups(app, TENANT, 1)
    day = open_day(app, TENANT, "genkikan", after=27)
    for code in ("am", "pm"):  # two unpaid bookings: the unpaid cap (3) allows one more
        book(app, TENANT, group_id, [slot(app, TENANT, "genkikan", "meeting-b", day, code)])
    barrier = threading.Barrier(2)
    # Meet after the rule check, which runs under the group lock: with the lock the second
    # booking is checked only once the first is stored.
    monkeypatch.setattr(ops, "prepare", meet_after(barrier, ops.prepare))

    def racer(code: str) -> Callable[[], object]:
        target = slot(app, TENANT, "genkikan", "multipurpose", day, code)
        return lambda: book(app, TENANT, group_id, [target])

    results = run_racers(racer("am"), racer("pm"))
    booked = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ops.BookingRefused)]
    assert len(booked) == 1 and len(refused) == 1, results
    assert [v.code for v in refused[0].violations] == ["unpaid_cap"]
    with tenant_session(app, TENANT) as session:
        unpaid = session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.group_id == group_id, Booking.payment_due.is_not(None)
            )
        )
    assert unpaid == 3


def test_cancel_and_payment_racing_leave_one_consistent_state(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    (group_id,) = make_groups(app, TENANT, 1)
    day = open_day(app, TENANT, "genkikan", after=28)
    booking_id = book(app, TENANT, group_id, [slot(app, TENANT, "genkikan", "kitchen", day, "am")])
    assert booking_row(app, TENANT, booking_id)["payment_due"] is not None  # payable
    clerk = make_staff(app, TENANT).id
    barrier = threading.Barrier(2)
    monkeypatch.setattr(payments, "lock_booking", meet_after(barrier, payments.lock_booking))
    now = dt.datetime.now(dt.UTC)

    def change(act: Callable[[Any, Any, Booking], object]) -> Callable[[], object]:
        def racer() -> object:
            with tenant_session(app, TENANT) as session:
                locked = payments.lock_booking(session, booking_id)
                assert locked is not None
                act(session, current_runtime(), locked)
                session.commit()
                return "done"

        return racer

    results = run_racers(
        change(lambda s, r, b: payments.record_payment(s, r, b, staff_id=clerk, now=now)),
        change(lambda s, r, b: payments.cancel_booking(s, r, b, now=now, by="group")),
    )
    assert results[1] == "done", results  # a payable booking before its day can be cancelled
    row = booking_row(app, TENANT, booking_id)
    assert row["status"] == CANCELLED
    if results[0] == "done":  # paid first, then cancelled: the refund follows the payment
        assert row["paid_amount"] == row["fee_total"] and row["receipt_no"]
        assert row["refund_amount"] == row["paid_amount"] * row["refund_percent"] // 100
    else:  # cancelled first: nothing more to pay, nothing paid, nothing refunded
        assert isinstance(results[0], BookingStateError) and results[0].code == "not_payable"
        assert row["paid_amount"] is None and row["receipt_no"] is None
        assert row["refund_amount"] == 0
    assert row["status"] != PAID


def test_the_group_lock_is_a_row_lock(app: Flask) -> None:
    """While one transaction holds a group, another cannot take it (NOWAIT fails)."""
    (group_id,) = make_groups(app, TENANT, 1)
    with tenant_session(app, TENANT) as holder:
        ops.lock_group(holder, group_id)
        with tenant_session(app, TENANT) as other:
            with pytest.raises(sa.exc.OperationalError, match="could not obtain lock"):
                other.execute(
                    sa.select(Group.id).where(Group.id == group_id).with_for_update(nowait=True)
                )
            other.rollback()
        holder.rollback()
