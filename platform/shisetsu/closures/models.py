"""Decisions taken when a closure was confirmed (tenant schema)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, UtcDateTime, utcnow

BOOKING, CHOICE, WIN, ROUND = "booking", "choice", "win", "round"
SUBJECTS = (BOOKING, CHOICE, WIN, ROUND)
CANCELLED, KEPT, REMOVED, HELD = "cancelled", "kept", "removed", "held"
ACTIONS = (CANCELLED, KEPT, REMOVED, HELD)


class ClosureDecision(Base):
    """What confirming a closure did to one thing it hit, who decided and why.

    ``subject`` names what was hit (a booking, a lottery choice, a pending win, a closed
    round whose slots were held); ``action`` what happened to it. A kept booking carries
    the reason staff gave; the rest carry the closure's reason. The row outlives the
    closure (``closure_id`` becomes NULL if the closure is removed later).
    """

    __tablename__ = "closure_decisions"
    __table_args__ = (
        sa.CheckConstraint(f"subject IN {SUBJECTS!r}", name="subject"),
        sa.CheckConstraint(f"action IN {ACTIONS!r}", name="action"),
        sa.Index("ix_closure_decisions_subject_subject_id", "subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    closure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("closures.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(10))
    subject_id: Mapped[int]
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("groups.id"))
    action: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
