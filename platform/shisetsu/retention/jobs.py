"""The periodic entry points (registered in :mod:`shisetsu.jobs.schedule`).

``purge_job`` runs daily: everything past the tenant's retention period, one certificate
per run that erased something (a re-run the same day finds nothing and issues none).
``request_job`` runs every ten minutes: residents' own deletion requests whose
confirmation mail has left, one certificate each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shisetsu.dates import local_today
from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.retention import operations as ops
from shisetsu.retention.requests import process_requests
from shisetsu.tenancy.runtime import current_runtime

PURGE_JOB = "shisetsu.retention.jobs.purge_job"
REQUEST_JOB = "shisetsu.retention.jobs.request_job"


def _scope(session: Session) -> str:
    return str(session.info[TENANT_KEY].slug)


def purge_job(session: Session) -> dict[str, Any]:
    """Purge what is past the retention period today (the runner commits)."""
    config = current_runtime().config
    months = config.retention.personal_data_months_after_expiry
    due, certificate = ops.purge_due(
        session,
        local_today(config),
        months,
        scope=_scope(session),
        timezone=config.timezone,
        executed_by=PURGE_JOB,
        pending_months=config.retention.pending_application_months,
    )
    return {
        "groups": due.groups,
        "accounts": due.accounts,
        "certificate": certificate.number if certificate is not None else None,
    }


def request_job(session: Session) -> dict[str, Any]:
    """Carry out residents' deletion requests whose mail has left (the runner commits)."""
    issued = process_requests(session, scope=_scope(session), now=utcnow(), executed_by=REQUEST_JOB)
    return {"certificates": [c.number for c in issued]}
