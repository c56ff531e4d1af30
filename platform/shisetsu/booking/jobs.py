"""The daily payment-deadline job: auto-cancel unpaid bookings, remind the others once.

Registered in :mod:`shisetsu.jobs.schedule`; ``shisetsu cron`` runs :func:`deadline_job`
once per tenant every morning (the runner binds the tenant and commits). Running it twice
the same day changes nothing more: cancelled bookings are no longer confirmed, reminders
are marked (``reminder_sent_at``) and keyed in the outbox.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from shisetsu.booking.payments import DeadlineResult, auto_cancel_unpaid, send_reminders
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.tenancy.runtime import current_runtime


def deadline_job(session: Session) -> dict[str, Any]:
    """The periodic entry point: today in the tenant's time zone."""
    runtime = current_runtime()
    now = utcnow()
    today = local_today(runtime.config, now)
    result = DeadlineResult(
        cancelled=auto_cancel_unpaid(session, runtime, today=today, now=now),
        reminded=send_reminders(session, runtime, today=today, now=now),
    )
    return asdict(result)
