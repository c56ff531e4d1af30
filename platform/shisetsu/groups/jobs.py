"""The daily expiry of registrations, and the advance notice before it.

Registered in :mod:`shisetsu.jobs.schedule`; ``shisetsu cron`` runs :func:`expiry_job` once
per tenant every morning. Running it twice the same day changes nothing more: expired rows
are no longer approved, and a notice is sent once (``expiry_notice_sent_at``, plus the
outbox's idempotency key).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.groups import mail
from shisetsu.groups.models import APPROVED, EXPIRED, Group
from shisetsu.groups.operations import successor_of
from shisetsu.tenancy.config import TenantConfig
from shisetsu.tenancy.runtime import current_runtime

DEFAULT_NOTICE_DAYS = 30


@dataclass
class ExpiryResult:
    """Ids of the groups the run expired and of those it sent an advance notice."""

    expired: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)


def notice_days() -> int:
    """Days before the end of a registration the notice goes out (``GROUP_EXPIRY_NOTICE_DAYS``)."""
    return int(current_app.config.get("GROUP_EXPIRY_NOTICE_DAYS", DEFAULT_NOTICE_DAYS))


def expire_groups(
    session: Session,
    today: date,
    *,
    config: TenantConfig | None = None,
    days_before: int | None = None,
) -> ExpiryResult:
    """Expire approved groups past their last valid day; warn those ending within the window.

    Expired groups lose booking and lottery rights (``can_book`` also checks the dates, so
    the rights end at midnight whenever this runs). A group whose renewal is already
    pending or approved gets no notice; it gets one later if that renewal falls through.
    """
    config = config if config is not None else current_runtime().config
    days_before = days_before if days_before is not None else notice_days()
    result = ExpiryResult()
    past = sa.select(Group).where(Group.status == APPROVED, Group.valid_until < today)
    for group in session.scalars(past.order_by(Group.id).with_for_update()).all():
        group.status = EXPIRED
        result.expired.append(group.id)
    ending = sa.select(Group).where(
        Group.status == APPROVED,
        Group.expiry_notice_sent_at.is_(None),
        Group.valid_until >= today,
        Group.valid_until <= today + timedelta(days=days_before),
    )
    for group in session.scalars(ending.order_by(Group.id).with_for_update()).all():
        if successor_of(session, group) is not None:
            continue
        mail.queue_expiry_notice(session, config, group)
        group.expiry_notice_sent_at = utcnow()
        result.notified.append(group.id)
    session.flush()
    return result


def expiry_job(session: Session) -> dict[str, Any]:
    """The periodic entry point: today in the tenant's time zone (the runner commits)."""
    config = current_runtime().config
    return asdict(expire_groups(session, local_today(config), config=config))
