"""The daily analysis job (registered in :mod:`shisetsu.jobs.schedule`).

``shisetsu cron`` runs :func:`analysis_job` once per tenant each morning. It analyses the
last ``AUDIT_ANALYSIS_DAYS`` (2) complete local days, so a day missed while the scheduler
was down is caught up the next morning; re-analysing a day changes nothing (findings are
unique per day, rule and subject). Each run is itself logged, which is the evidence that
the log is analysed periodically.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from shisetsu.audit.analysis import AnalysisConfig, analyse
from shisetsu.audit.operations import ANALYSIS, record
from shisetsu.dates import local_today
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
