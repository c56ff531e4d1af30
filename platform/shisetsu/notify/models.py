"""The outbox table (tenant schema): mail written with the change it reports, shipped later."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import Base, UtcDateTime, utcnow
from shisetsu.observability.personal import PERSONAL


class OutboxMessage(Base):
    """One mail to send. ``next_attempt_at`` is NULL once nothing more will be tried.

    States: *pending* (``sent_at`` NULL, ``next_attempt_at`` set), *sent* (``sent_at`` set),
    *failed* (both NULL: gave up after too many attempts or a permanent refusal; the row
    stays, with ``last_error``, for staff to see).
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique per tenant; also the Message-ID's local part, so a retried handoff is recognisable.
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(50))
    to_address: Mapped[str] = mapped_column(sa.String(254), info=PERSONAL)
    # "ja", "en", or NULL when unknown (the body then carries both languages).
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # "smtp", or "local" when no SMTP_URL is set (the dev mail viewer shows those).
    delivered_via: Mapped[str | None] = mapped_column(sa.String(20))

    @property
    def state(self) -> str:
        """``sent``, ``pending`` or ``failed``."""
        if self.sent_at is not None:
            return "sent"
        return "pending" if self.next_attempt_at is not None else "failed"
