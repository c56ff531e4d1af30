"""The daily access-log jobs (registered in :mod:`shisetsu.jobs.schedule`).

:func:`network_job` reduces the network data (client address, browser) of entries older
than the tenant's ``[retention] access_log_network_days``; each run that reduced something
is recorded in the log (see :func:`shisetsu.audit.operations.reduce_network_data`).

``shisetsu cron`` runs :func:`analysis_job` once per tenant each morning. It analyses the
last ``AUDIT_ANALYSIS_DAYS`` (2) complete local days, so a day missed while the scheduler
was down is caught up the next morning; re-analysing a day changes nothing (findings are
unique per day, rule and subject). Each run is itself logged, which is the evidence that
the log is analysed periodically.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from shisetsu.audit.analysis import AnalysisConfig, analyse
from shisetsu.audit.operations import ANALYSIS, record, reduce_network_data
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.tenancy.runtime import current_runtime


def analyse_days(session: Session, days: list[date], config: AnalysisConfig) -> dict[str, int]:
    """Analyse each day and log the run; {day: number of findings}."""
    counts = {day.isoformat(): len(analyse(session, day, config)) for day in days}
    # Logged last: appending locks the log's head until the transaction ends.
    for day, count in counts.items():
        record(session, ANALYSIS, "access_log", day, detail=f"{count} findings")
    return counts


def analysis_job(session: Session) -> dict[str, Any]:
    """The periodic entry point: the last complete local days (the runner commits)."""
    tenant_config = current_runtime().config
    config = AnalysisConfig.from_app(current_app, tenant_config.timezone)
    today = local_today(tenant_config)
    back = max(1, int(current_app.config.get("AUDIT_ANALYSIS_DAYS", 2)))
    days = [today - timedelta(days=n) for n in range(back, 0, -1)]
    return {"findings": analyse_days(session, days, config)}


def network_cutoff(now: datetime, days: int) -> datetime:
    """Entries logged before this instant lose their network data."""
    return now - timedelta(days=days)


def network_job(session: Session) -> dict[str, Any]:
    """Reduce the network data past the tenant's retention period (the runner commits)."""
    days = current_runtime().config.retention.access_log_network_days
    done = reduce_network_data(session, before=network_cutoff(utcnow(), days))
    return {"reduced": done.reduced, "entries": list(done.recorded_by), "refused": done.refused}
