"""Slot holds and ad-hoc closures (tenant schema)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, UtcDateTime, utcnow

BOOKING, OFFICIAL, LOTTERY_WIN = "booking", "official", "lottery_win"
CLOSURE = "closure"
"""Slots of a closed (not yet drawn) lottery round on a closure's days: never drawn."""
HOLD_KINDS = (BOOKING, OFFICIAL, LOTTERY_WIN, CLOSURE)
"""Known kinds; ``official`` shows as ``hold`` (公用予約), every other kind as ``taken``."""


class SlotHold(Base):
    """One slot someone holds. At most one row per (room, date, slot code), ever.

    A booking, an official hold (公用予約) or a lottery win inserts one row per slot; a
    full-day set is several rows inserted together. Cancelling deletes the rows (the
    history lives with the booking), so the slot is free again.
    """

    __tablename__ = "slot_holds"
    __table_args__ = (
        sa.UniqueConstraint("room_id", "date", "slot_code"),
        sa.Index("ix_slot_holds_kind_ref_id", "kind", "ref_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    date: Mapped[dt.date] = mapped_column(sa.Date)
    slot_code: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(20))
    ref_id: Mapped[int | None]
    """What holds it: a booking id, a lottery entry id …; NULL for official holds."""
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))


class Closure(Base):
    """An ad-hoc closed period (inspection, works …) of a whole facility or of one room.

    Recurring closed days (4th Monday, New Year) are configuration in tenant.toml; these
    are data that staff add and remove. ``end_date`` is inclusive.
    """

    __tablename__ = "closures"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="date_order"),
        sa.Index("ix_closures_facility_id_start_date", "facility_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="CASCADE"))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"))
    """NULL: the whole facility is closed."""
    start_date: Mapped[dt.date] = mapped_column(sa.Date)
    end_date: Mapped[dt.date] = mapped_column(sa.Date)
    reason_ja: Mapped[str] = mapped_column(sa.String(300))
    reason_en: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    def reason(self, locale: str) -> str:
        """The reason in ``locale`` (Japanese when no English was given)."""
        return self.reason_en if locale == "en" and self.reason_en else self.reason_ja

    def covers(self, day: dt.date) -> bool:
        """True when ``day`` lies in this closure."""
        return self.start_date <= day <= self.end_date
