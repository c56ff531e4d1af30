"""Registered groups (tenant schema).

The personal items the ward approved (the representative's name, address and phones; the
contact person's name, address, phones and e-mail) and the two answers eligibility needs
(residency, 18+), which need the council's amendment (docs/privacy.md). Members are
counted, never named; the representative's age is a declaration, never a birth date.

Each registration period is one row. A renewal is a new row pointing at the group it
renews (``renews_group_id``), reviewed like a first application; its validity starts the
day after the renewed period ends, so the group's history, and who checked what when,
stays readable period by period.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shisetsu.db import Base, UtcDateTime, utcnow
from shisetsu.observability.personal import PERSONAL
from shisetsu.people.models import Account, Staff

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
EXPIRED, WITHDRAWN = "expired", "withdrawn"
STATUSES = (PENDING, APPROVED, REJECTED, EXPIRED, WITHDRAWN)
# Statuses in which a group counts against "one group per category" (Regasu).
ACTIVE_STATUSES = (PENDING, APPROVED)


class Group(Base):
    """One registration period of a group, from application to its end."""

    __tablename__ = "groups"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.CheckConstraint("member_count >= 1 AND resident_count >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), info=PERSONAL)
    category: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20), default=PENDING, index=True)
    # The applicant: the representative's account, and the group's account for booking.
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    renews_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("groups.id"), index=True)

    representative_name: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    representative_address: Mapped[str] = mapped_column(sa.String(300), info=PERSONAL)
    representative_phone_home: Mapped[str | None] = mapped_column(sa.String(30), info=PERSONAL)
    representative_phone_mobile: Mapped[str | None] = mapped_column(sa.String(30), info=PERSONAL)
    contact_name: Mapped[str] = mapped_column(sa.String(100), info=PERSONAL)
    contact_address: Mapped[str] = mapped_column(sa.String(300), info=PERSONAL)
    contact_phone_home: Mapped[str | None] = mapped_column(sa.String(30), info=PERSONAL)
    contact_phone_mobile: Mapped[str | None] = mapped_column(sa.String(30), info=PERSONAL)
    contact_email: Mapped[str] = mapped_column(sa.String(254), info=PERSONAL)

    # Declared by the applicant; checked against the roster and ID at the counter.
    member_count: Mapped[int]
    resident_count: Mapped[int]
    # Facts about the representative that the eligibility rules ask (see docs/privacy.md).
    representative_is_resident: Mapped[bool] = mapped_column(info=PERSONAL)
    representative_is_adult: Mapped[bool | None] = mapped_column(info=PERSONAL)
    privacy_accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # Staff review (本登録): the documents were checked by whom, when, with what counts.
    verified_member_count: Mapped[int | None]
    verified_resident_count: Mapped[int | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # Inclusive dates in the tenant's time zone; NULL until approved.
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_until: Mapped[date | None] = mapped_column(sa.Date, index=True)
    expiry_notice_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    renews: Mapped[Group | None] = relationship(remote_side=[id])
    verified_by: Mapped[Staff | None] = relationship(foreign_keys=[verified_by_id])
    decided_by: Mapped[Staff | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_verified(self) -> bool:
        """Whether staff have recorded the document check."""
        return self.verified_at is not None

    @property
    def is_renewal(self) -> bool:
        """Whether this row renews an earlier registration."""
        return self.renews_group_id is not None


MESSAGE_MAX = 1000
"""Longest message staff may write to a group (characters)."""


class GroupMessage(Base):
    """A message the facility's staff wrote to one group, shown on the group's My page."""

    __tablename__ = "group_messages"
    __table_args__ = (sa.Index("ix_group_messages_group_id_created_at", "group_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text, info=PERSONAL)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    group: Mapped[Group] = relationship()
    staff: Mapped[Staff | None] = relationship()
