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
    PeriodicJob(
        "10 0 * * *",
        "shisetsu.booking.jobs.deadline_job",
        "Bookings: cancel unpaid bookings past their payment deadline (slots released, "
        "group mailed) and send the one reminder before the deadline",
    ),
    PeriodicJob(
        "*/5 * * * *",
        "shisetsu.lottery.jobs.tick",
        "Lottery: open, close and draw rounds, release unconfirmed wins and open first "
        "come, each when the tenant's lottery calendar says (idempotent)",
    ),
    PeriodicJob(
        "30 1 * * *",
        "shisetsu.audit.jobs.analysis_job",
        "Access log: analyse the last complete days and record findings for the operator "
        "and the ward",
    ),
    PeriodicJob(
        "40 1 * * *",
        "shisetsu.audit.jobs.network_job",
        "Access log: drop the client address and browser of entries older than the "
        "tenant's access_log_network_days (the network prefix and a chained digest stay); "
        "each reduction is logged",
    ),
    PeriodicJob(
        "45 2 * * *",
        "shisetsu.retention.jobs.purge_job",
        "Retention: erase personal data of groups and accounts past the tenant's retention "
        "period (bookings kept anonymised) and issue a deletion certificate",
    ),
    PeriodicJob(
        "15 3 * * *",
        "shisetsu.backup.jobs.expire_job",
        "Backups: delete the tenant's backup files older than its backup_days (the ledger "
        "keeps their row, marked expired)",
    ),
    PeriodicJob(
        "*/10 * * * *",
        "shisetsu.retention.jobs.request_job",
        "Retention: carry out residents' own deletion requests once the confirmation mail "
        "has left, one deletion certificate each",
    ),
    PeriodicJob(
        "20 * * * *",
        "shisetsu.auth.jobs.purge_job",
        "Sign-in bookkeeping: forget signed-out devices no cookie could still use and "
        "stale failure counts of unknown logins",
    ),
)
