"""The periodic jobs' bookkeeping, in the platform schema: one row per job of the schedule."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shisetsu.db import PlatformBase, UtcDateTime


class ScheduledRun(PlatformBase):
    """A periodic job's last completed scheduled tick, and the process running one now.

    ``last_completed_for`` is the scheduled time (not the wall time) of the last run that
    finished, so a scheduler that was down catches up the latest missed tick once. A
    process claims a tick by setting ``claimed_*`` in one conditional UPDATE; a claim older
    than the lease is taken to belong to a process that died.
    """

    __tablename__ = "scheduled_runs"

    job: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    last_completed_for: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_for: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
