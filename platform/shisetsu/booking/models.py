"""Bookings and group calendar feeds (tenant schema).

A booking is one or more slots of one room on one date, made by a member of an approved
group online or by staff at the counter. Its slots are held in ``slot_holds`` (kind
``booking``, ``ref_id`` = booking id) in the same transaction, so the unique key there
decides every race. The fee is frozen at booking time: a later change of the fee table
does not change what a group was told it owes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shisetsu.db import Base, UtcDateTime, utcnow
from shisetsu.facilities.models import Room
from shisetsu.groups.models import Group
from shisetsu.people.models import Staff
from shisetsu.plugins.booking import FeeItem

CONFIRMED, PAID, CANCELLED = "confirmed", "paid", "cancelled"
STATUSES = (CONFIRMED, PAID, CANCELLED)
ACTIVE = (CONFIRMED, PAID)
BY_GROUP, BY_STAFF, BY_AUTO = "group", "staff", "auto"
CANCELLERS = (BY_GROUP, BY_STAFF, BY_AUTO)


class Booking(Base):
    """One booking: who, which room, which date and slots, the fee, payment, cancellation."""

    __tablename__ = "bookings"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.CheckConstraint(
            f"cancelled_by IS NULL OR cancelled_by IN {CANCELLERS!r}", name="cancelled_by"
        ),
        sa.CheckConstraint("attendees >= 1", name="attendees"),
        sa.CheckConstraint("fee_total >= 0", name="fee_total"),
        sa.Index("ix_bookings_date_room_id", "date", "room_id"),
        sa.Index("ix_bookings_status_payment_due", "status", "payment_due"),
        sa.Index("ix_bookings_group_id_date", "group_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    """The member who booked online (NULL for a counter booking)."""
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    """The staff member who booked at the counter (窓口), if one did."""
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    date: Mapped[dt.date] = mapped_column(sa.Date)
    slot_codes: Mapped[list[str]] = mapped_column(sa.JSON)
    set_code: Mapped[str | None] = mapped_column(sa.String(40))
    """The full-day set (全日) the slots form, if they form one."""
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    attendees: Mapped[int]
    purpose: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default=CONFIRMED)

    fee_total: Mapped[int] = mapped_column(default=0)
    fee_items: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    fee_sample: Mapped[bool] = mapped_column(default=False)
    reduction_code: Mapped[str | None] = mapped_column(sa.String(40))
    payment_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    """NULL when nothing is to be paid (a zero fee)."""
    remind_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    paid_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    paid_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    paid_amount: Mapped[int | None]
    receipt_no: Mapped[str | None] = mapped_column(sa.String(40), unique=True)

    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(sa.String(10))
    cancelled_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    refund_percent: Mapped[int | None]
    refund_amount: Mapped[int | None]

    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why counter staff booked despite a rule; ``overridden`` lists the rules' codes."""
    overridden: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    room: Mapped[Room] = relationship()
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    paid_by: Mapped[Staff | None] = relationship(foreign_keys=[paid_by_staff_id])
    cancelled_by_staff: Mapped[Staff | None] = relationship(foreign_keys=[cancelled_by_staff_id])

    @property
    def items(self) -> list[FeeItem]:
        """The frozen fee lines."""
        return [FeeItem.from_dict(item) for item in self.fee_items or []]

    @property
    def is_active(self) -> bool:
        """Confirmed or paid (not cancelled)."""
        return self.status in ACTIVE

    @property
    def awaiting_payment(self) -> bool:
        """Confirmed with a fee still to pay."""
        return self.status == CONFIRMED and self.payment_due is not None

    @property
    def number(self) -> str:
        """The booking number shown to people (受付番号), e.g. ``000123``."""
        return f"{self.id:06d}"


class GroupFeed(Base):
    """A group's calendar feed: a secret token in an unguessable URL, rotatable.

    The token is a capability for reading the group's bookings (room, date, time, purpose:
    no personal items), so it is stored as is and shown to the group again; rotating it
    makes the old URL a 404.
    """

    __tablename__ = "group_feeds"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    group: Mapped[Group] = relationship()
