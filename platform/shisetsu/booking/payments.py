"""After booking: counter payments, cancellation with refunds, and the daily deadline work.

- :func:`record_payment` — staff take the fee at the counter; a receipt number is issued.
- :func:`refund_quote` / :func:`cancel_booking` — the refund the tenant's schedule gives,
  shown before the group confirms; cancelling releases the slots in the same transaction.
- :func:`auto_cancel_unpaid` / :func:`send_reminders` — the daily job: unpaid bookings
  past their deadline are cancelled and the group told; a reminder goes out once before.

Each state change locks the booking row first, so a payment and a cancellation racing on
one booking cannot both win.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from shisetsu.booking import mail, policy
from shisetsu.booking.models import (
    ACTIVE,
    BY_AUTO,
    BY_GROUP,
    BY_STAFF,
    CANCELLED,
    CONFIRMED,
    PAID,
    Booking,
)
from shisetsu.dates import local_today
from shisetsu.plugins.booking import RefundRule
from shisetsu.refusals import Refusal
from shisetsu.slots import deadlines
from shisetsu.slots.holds import release_slots
from shisetsu.slots.models import BOOKING
from shisetsu.tenancy.runtime import TenantRuntime

MAX_REASON = 1000


class BookingStateError(Refusal):
    """The booking is not in a state that allows this; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)


@dataclass(frozen=True)
class RefundQuote:
    """What cancelling now would give back: the rule, what was paid, the refund."""

    rule: RefundRule
    paid: int
    amount: int


def lock_booking(session: Session, booking_id: int) -> Booking | None:
    """The booking, row-locked for a state change (None if it is not this tenant's)."""
    query = sa.select(Booking).where(Booking.id == booking_id).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).first()


def receipt_number(booking: Booking, paid_on: dt.date) -> str:
    """``20260125-000123``: the payment date and the booking number (unique per tenant)."""
    return f"{paid_on:%Y%m%d}-{booking.number}"


def record_payment(
    session: Session, runtime: TenantRuntime, booking: Booking, *, staff_id: int, now: dt.datetime
) -> Booking:
    """Record that the group paid the full fee at the counter; issues the receipt number."""
    if booking.status != CONFIRMED or booking.payment_due is None:
        raise BookingStateError("not_payable")
    booking.status = PAID
    booking.paid_at = now
    booking.paid_by_staff_id = staff_id
    booking.paid_amount = booking.fee_total
    booking.receipt_no = receipt_number(booking, local_today(runtime.config, now))
    session.flush()
    return booking


def refund_quote(
    runtime: TenantRuntime, booking: Booking, now: dt.datetime, *, full_refund: bool = False
) -> RefundQuote:
    """The refund for cancelling ``booking`` at ``now`` (nothing back if nothing was paid)."""
    rule = (
        policy.FULL_REFUND
        if full_refund
        else policy.refund_rule(
            runtime.plugins, runtime.config, booking, now, booking.room.facility.code
        )
    )
    paid = (booking.paid_amount or 0) if booking.status == PAID else 0
    return RefundQuote(rule, paid, rule.amount(paid))


def cancel_booking(
    session: Session,
    runtime: TenantRuntime,
    booking: Booking,
    *,
    now: dt.datetime,
    by: str,
    staff_id: int | None = None,
    reason: str | None = None,
    full_refund: bool = False,
    tell: bool = True,
) -> Booking:
    """Cancel ``booking``, free its slots, record the refund and tell the group.

    A group may cancel only before the use starts; staff may cancel any active booking
    but must give a reason. ``full_refund`` (staff only) refunds everything, for
    cancellations the facility causes. ``tell=False``: the caller sends one mail itself.
    """
    if booking.status not in ACTIVE:
        raise BookingStateError("not_active")
    if by == BY_GROUP and booking.starts_at <= now:
        raise BookingStateError("started")
    reason = (reason or "").strip()[:MAX_REASON] or None
    if by == BY_STAFF and reason is None:
        raise BookingStateError("reason_required")
    quote = refund_quote(runtime, booking, now, full_refund=full_refund and by == BY_STAFF)
    booking.status = CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = by
    booking.cancelled_by_staff_id = staff_id if by == BY_STAFF else None
    booking.cancel_reason = reason
    booking.refund_percent = quote.rule.percent
    booking.refund_amount = quote.amount
    release_slots(session, BOOKING, booking.id)
    session.flush()
    if tell:
        mail.queue_cancellation(session, runtime.config, booking)
    return booking


@dataclass
class DeadlineResult:
    """Ids of the bookings a daily run cancelled and reminded."""

    cancelled: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)


def auto_cancel_unpaid(
    session: Session, runtime: TenantRuntime, *, today: dt.date, now: dt.datetime
) -> list[int]:
    """Cancel unpaid bookings whose deadline's last moment has passed and whose use date has
    not (however often the job runs, never before that moment).

    Past use dates are left to staff (the group may have used the room and will pay): the
    daily processing list shows them as overdue.
    """
    due = (
        sa.select(Booking)
        .where(
            Booking.status == CONFIRMED,
            Booking.payment_due.is_not(None),
            Booking.payment_due <= today,
            Booking.date >= today,
        )
        .order_by(Booking.id)
        .with_for_update()
    )
    cancelled = []
    for booking in session.scalars(due).all():
        last = deadlines.payment_deadline(runtime.config, booking.payment_due)
        if last is None or not deadlines.passed(last, now):
            continue
        cancel_booking(session, runtime, booking, now=now, by=BY_AUTO)
        cancelled.append(booking.id)
    return cancelled


def send_reminders(
    session: Session, runtime: TenantRuntime, *, today: dt.date, now: dt.datetime
) -> list[int]:
    """Remind each unpaid booking once, from its reminder date until its deadline passes.

    A booking made today is not reminded today: its confirmation already names the date.
    """
    window = (
        sa.select(Booking)
        .where(
            Booking.status == CONFIRMED,
            Booking.payment_due.is_not(None),
            Booking.payment_due >= today,
            Booking.remind_from <= today,
            Booking.reminder_sent_at.is_(None),
        )
        .order_by(Booking.id)
        .with_for_update()
    )
    zone = zoneinfo.ZoneInfo(runtime.config.timezone)
    reminded = []
    for booking in session.scalars(window).all():
        if booking.created_at.astimezone(zone).date() >= today:
            continue
        mail.queue_reminder(session, runtime.config, booking)
        booking.reminder_sent_at = now
        reminded.append(booking.id)
    session.flush()
    return reminded
