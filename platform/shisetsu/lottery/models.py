"""Lottery rounds, entries, choices and per-choice outcomes (tenant schema).

A round is one usage month's lottery. Its seed is stored from the opening but shown only
once the round is drawn; its pseudonym key is never shown (see
:func:`shisetsu.lottery.bundle.group_pseudonym`). An entry is one group's ranked choices;
a choice is one slot or a set of slots (全日) won or lost together. An outcome is what
the draw did to one choice; a won outcome is also the win the group confirms (→ a
booking) or declines, and is released if not confirmed by the deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shisetsu.db import Base, UtcDateTime, utcnow
from shisetsu.groups.models import Group

OPEN, CLOSED, DRAWN, RELEASED = "open", "closed", "drawn", "released"
ROUND_STATES = (OPEN, CLOSED, DRAWN, RELEASED)
IN_LOTTERY = (OPEN, CLOSED, DRAWN)
"""States in which the round's slots show as ``lottery`` (抽) and cannot be booked."""

PENDING, CONFIRMED, DECLINED, WIN_RELEASED = "pending", "confirmed", "declined", "released"
WIN_STATES = (PENDING, CONFIRMED, DECLINED, WIN_RELEASED)


class LotteryRound(Base):
    """One month's lottery round, its frozen policy, commitment and (after the draw) result."""

    __tablename__ = "lottery_rounds"
    __table_args__ = (sa.CheckConstraint(f"state IN {ROUND_STATES!r}", name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(80), unique=True)
    """The engine's ``round_id`` (``<tenant>:<YYYY-MM>``), carried in bundles."""
    usage_month: Mapped[dt.date] = mapped_column(sa.Date, unique=True)
    opens_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    draw_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    confirm_deadline: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    first_come_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    first_come_by_category: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    """Category code → ISO datetime of a later first-come opening (staggered)."""
    rules: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    """Entry rules frozen at opening: entries_per_group, allowed/facility categories."""
    state: Mapped[str] = mapped_column(sa.String(10), default=OPEN, index=True)
    policy: Mapped[str] = mapped_column(sa.String(40))
    policy_params: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    seed_hex: Mapped[str] = mapped_column(sa.String(64))
    """Secret until the draw; shown only when ``state`` is drawn or released."""
    commitment: Mapped[str] = mapped_column(sa.String(64))
    pseudonym_key_hex: Mapped[str] = mapped_column(sa.String(64))
    """Secret, never published: maps groups to their per-round pseudonyms."""
    entries_hash: Mapped[str | None] = mapped_column(sa.String(64))
    result_json: Mapped[str | None] = mapped_column(sa.Text)
    result_hash: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    drawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    wins_released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    """When first come opened (the slots stopped being ``lottery``)."""

    @property
    def drawn(self) -> bool:
        """Whether the draw has happened (so the seed and result are public)."""
        return self.state in (DRAWN, RELEASED)

    @property
    def revealed_seed(self) -> str | None:
        """The seed (hex) once drawn; None before: only the commitment is public."""
        return self.seed_hex if self.drawn else None

    @property
    def entries_per_group(self) -> int:
        """How many ranked choices a group may enter."""
        return int(self.rules.get("entries_per_group", 5))


class LotteryEntry(Base):
    """One group's entry in a round (at most one per group and round)."""

    __tablename__ = "lottery_entries"
    __table_args__ = (sa.UniqueConstraint("round_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lottery_rounds.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    category: Mapped[str] = mapped_column(sa.String(40))
    """The group's category when it entered (frozen into the draw input)."""
    losses: Mapped[int] = mapped_column(default=0)
    """Rounds lost in the policy's lookback, counted at close (history_weighted)."""
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    group: Mapped[Group] = relationship()
    choices: Mapped[list[LotteryChoice]] = relationship(
        order_by="LotteryChoice.rank", cascade="all, delete-orphan", back_populates="entry"
    )


class LotteryChoice(Base):
    """One ranked choice of an entry: one slot, or a set of slots won or lost together."""

    __tablename__ = "lottery_choices"
    __table_args__ = (sa.UniqueConstraint("entry_id", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("lottery_entries.id", ondelete="CASCADE"))
    rank: Mapped[int]
    slot_ids: Mapped[list[str]] = mapped_column(sa.JSON)

    entry: Mapped[LotteryEntry] = relationship(back_populates="choices")


class LotteryOutcome(Base):
    """What the draw did to one choice; a won one is also the group's win to confirm."""

    __tablename__ = "lottery_outcomes"
    __table_args__ = (
        sa.UniqueConstraint("entry_id", "rank"),
        sa.CheckConstraint(f"win_state IS NULL OR win_state IN {WIN_STATES!r}", name="win_state"),
        sa.Index("ix_lottery_outcomes_round_id_win_state", "round_id", "win_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("lottery_rounds.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("lottery_entries.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id"), index=True)
    rank: Mapped[int]
    slot_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20))
    """won / lost / skipped_cap / skipped_taken (the engine's statuses)."""
    entrants: Mapped[int]
    position: Mapped[int]
    of: Mapped[int]
    win_state: Mapped[str | None] = mapped_column(sa.String(10))
    """For won choices: pending → confirmed / declined / released."""
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bookings.id"))

    entry: Mapped[LotteryEntry] = relationship()
    group: Mapped[Group] = relationship()


EARLY_CLOSE, EARLY_DRAW = "close", "draw"
EARLY_ACTIONS = (EARLY_CLOSE, EARLY_DRAW)
REQ_PENDING, REQ_DONE, REQ_DECLINED, REQ_LAPSED = "pending", "done", "declined", "lapsed"
REQUEST_STATES = (REQ_PENDING, REQ_DONE, REQ_DECLINED, REQ_LAPSED)
SYSTEM_ROLE = "system"
"""The role recorded when the system operator acts from the command line."""


class LotteryEarlyRequest(Base):
    """Staff closing or drawing a round before its published time: who asked, why, who
    approved, and when it was done (or declined, or lapsed at the published time)."""

    __tablename__ = "lottery_early_requests"
    __table_args__ = (
        sa.CheckConstraint(f"action IN {EARLY_ACTIONS!r}", name="action"),
        sa.CheckConstraint(f"state IN {REQUEST_STATES!r}", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lottery_rounds.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[str] = mapped_column(sa.String(10))
    pending_round: Mapped[int | None] = mapped_column(unique=True)
    """The round id while pending, else NULL: at most one pending request per round."""
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    requested_role: Mapped[str] = mapped_column(sa.String(20))
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    lapses_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    """The published time of the action: after it the request lapses (the calendar acts)."""
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    decided_role: Mapped[str | None] = mapped_column(sa.String(20))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    acted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
