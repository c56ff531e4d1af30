"""``shisetsu cron``: rq's cron scheduler with the jobs of :mod:`shisetsu.jobs.schedule`.

rq 3 reads cron strings in the process's local time, so the scheduler first switches the
process to ``CRON_TIMEZONE`` (Asia/Tokyo) whatever ``TZ`` it was started with.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

from croniter import croniter
from redis import Redis
from rq.cron import CronScheduler

from shisetsu.jobs.fanout import fan_out
from shisetsu.jobs.schedule import SCHEDULE, PeriodicJob


def use_timezone(name: str) -> None:
    """Make ``name`` (e.g. "Asia/Tokyo") this process's local time."""
    os.environ["TZ"] = name
    time.tzset()


def check_schedule(schedule: Iterable[PeriodicJob] = SCHEDULE) -> None:
    """Raise ValueError for a malformed cron string or a duplicate entry."""
    seen = set()
    for entry in schedule:
        if not croniter.is_valid(entry.cron) or len(entry.cron.split()) != 5:
            raise ValueError(f"{entry.func_path}: invalid cron string {entry.cron!r}")
        if entry in seen:
            raise ValueError(f"{entry.func_path}: listed twice")
        seen.add(entry)


def build_cron_scheduler(
    connection: Redis, queue_name: str, schedule: Iterable[PeriodicJob] = SCHEDULE
) -> CronScheduler:
    """A scheduler that, at each entry's tick, queues the fan-out of that entry's job."""
    entries = list(schedule)
    check_schedule(entries)
    scheduler = CronScheduler(connection=connection)
    for entry in entries:
        scheduler.register(
            fan_out, queue_name, args=(entry.func_path,), cron=entry.cron, name=entry.func_path
        )
    return scheduler
