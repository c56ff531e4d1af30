"""The periodic jobs, registered explicitly in one list.

Each entry is ``(cron, func_path, description)``. ``cron`` is a five-field cron string read
in local time, which ``shisetsu cron`` sets to ``CRON_TIMEZONE`` (Asia/Tokyo); ``func_path``
names a tenant job (``func(session)``), run once per active tenant at each tick.
"""

from __future__ import annotations

from typing import NamedTuple


class PeriodicJob(NamedTuple):
    """One line of the schedule."""

    cron: str
    func_path: str
    description: str


SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "* * * * *",
        "shisetsu.notify.jobs.relay_job",
        "Outbox relay sweep: send mail that is due, including retries after an SMTP or "
        "Redis outage",
    ),
    PeriodicJob(
        "5 0 * * *",
        "shisetsu.groups.jobs.expiry_job",
        "Registered groups: expire registrations past their last valid day (booking and "
        "lottery rights end) and mail the advance notice before expiry",
    ),
)
