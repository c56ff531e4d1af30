"""The one scheduler of the periodic jobs: ``shisetsu cron``, or a thread of ``shisetsu run``.

Every look at the schedule finds, for each entry, its latest scheduled tick at or before
now (cron strings in ``CRON_TIMEZONE``). If the platform table ``scheduled_runs`` records
an older completed tick (or none), the job is due: the process claims it with one
conditional UPDATE, fans it out to every active tenant and records the tick as completed.
So a scheduler that was down for three days runs each missed job once at its next start,
not three times, and two schedulers starting at once (two machines running ``shisetsu
cron``) never both run the same tick. A claim older than :data:`LEASE` is taken over: its
process died mid-run (every job is idempotent, so a rare second run is harmless).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from croniter import croniter
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.jobs.fanout import fan_out
from shisetsu.jobs.models import ScheduledRun
from shisetsu.jobs.schedule import SCHEDULE, PeriodicJob

log = logging.getLogger("shisetsu.jobs")

LEASE = timedelta(minutes=15)

Dispatch = Callable[[Flask, str], object]


def check_schedule(schedule: Iterable[PeriodicJob] = SCHEDULE) -> None:
    """Raise ValueError for a malformed cron string or a duplicate entry."""
    seen = set()
    for entry in schedule:
        if not croniter.is_valid(entry.cron) or len(entry.cron.split()) != 5:
            raise ValueError(f"{entry.func_path}: invalid cron string {entry.cron!r}")
        if entry in seen:
            raise ValueError(f"{entry.func_path}: listed twice")
        seen.add(entry)


def latest_tick(cron: str, now: datetime, timezone: str) -> datetime:
    """The latest time at or before ``now`` that ``cron`` (read in ``timezone``) names, in UTC."""
    minute = now.astimezone(zoneinfo.ZoneInfo(timezone)).replace(second=0, microsecond=0)
    if croniter.match(cron, minute):
        return minute.astimezone(now.tzinfo)
    previous: datetime = croniter(cron, minute).get_prev(datetime)
    return previous.astimezone(now.tzinfo)


def process_name() -> str:
    """Who holds a claim: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _ensure_rows(conn: sa.Connection, jobs: list[str]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ScheduledRun).values([{"job": job} for job in jobs])
    conn.execute(insert.on_conflict_do_nothing(index_elements=["job"]))


def claim(conn: sa.Connection, job: str, tick: datetime, *, now: datetime, owner: str) -> bool:
    """Claim ``job``'s ``tick`` for ``owner`` unless it is done or held (True: run it).

    One UPDATE with the conditions in its WHERE: a second claimer waits for the first's
    row lock (PostgreSQL) or the database lock (SQLite), then finds the row claimed.
    """
    row = ScheduledRun.__table__.c
    claimed = conn.execute(
        sa.update(ScheduledRun)
        .where(
            row.job == job,
            sa.or_(row.last_completed_for.is_(None), row.last_completed_for < tick),
            sa.or_(row.claimed_at.is_(None), row.claimed_at < now - LEASE),
        )
        .values(claimed_for=tick, claimed_by=owner, claimed_at=now)
    )
    return claimed.rowcount == 1


def finish(
    conn: sa.Connection, job: str, tick: datetime, *, now: datetime, owner: str, done: bool
) -> None:
    """Drop ``owner``'s claim; when ``done``, record ``tick`` as the last completed one."""
    row = ScheduledRun.__table__.c
    values: dict[str, object] = {"claimed_for": None, "claimed_by": None, "claimed_at": None}
    if done:
        values.update(last_completed_for=tick, last_completed_at=now)
    conn.execute(
        sa.update(ScheduledRun).where(row.job == job, row.claimed_by == owner).values(values)
    )


class Scheduler:
    """Runs the due entries of ``schedule`` in ``app``, each tick once across all processes."""

    def __init__(
        self,
        app: Flask,
        schedule: Iterable[PeriodicJob] = SCHEDULE,
        *,
        clock: Callable[[], datetime] = utcnow,
        dispatch: Dispatch | None = None,
        owner: str | None = None,
    ) -> None:
        self.app = app
        self.schedule = list(schedule)
        check_schedule(self.schedule)
        self.clock = clock
        self.dispatch: Dispatch = dispatch or (lambda app, path: fan_out(path, app))
        self.owner = owner or process_name()
        self.timezone = str(app.config["CRON_TIMEZONE"])

    def _engine(self) -> sa.Engine:
        with self.app.app_context():
            return db.engine

    def run_pending(self) -> list[str]:
        """Run every entry whose latest tick is not completed yet; the paths run, in order."""
        engine = self._engine()
        with engine.begin() as conn:
            _ensure_rows(conn, [entry.func_path for entry in self.schedule])
        ran = []
        for entry in self.schedule:
            now = self.clock()
            tick = latest_tick(entry.cron, now, self.timezone)
            with engine.begin() as conn:
                if not claim(conn, entry.func_path, tick, now=now, owner=self.owner):
                    continue
            done = False
            try:
                self.dispatch(self.app, entry.func_path)
                done = True
                ran.append(entry.func_path)
            except Exception:
                log.error("periodic job failed", exc_info=True, extra={"job": entry.func_path})
            finally:
                with engine.begin() as conn:
                    finish(
                        conn, entry.func_path, tick, now=self.clock(), owner=self.owner, done=done
                    )
        return ran

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Look at the schedule every ``SCHEDULER_POLL_SECONDS`` until ``stop`` is set."""
        stop = stop or threading.Event()
        poll = float(self.app.config["SCHEDULER_POLL_SECONDS"])
        while not stop.is_set():
            try:
                self.run_pending()
            except Exception:  # e.g. the database is briefly unreachable: look again later
                log.error("scheduler pass failed", exc_info=True)
            stop.wait(poll)


def start_in_thread(app: Flask) -> threading.Thread:
    """Run the scheduler in a daemon thread of this process (``shisetsu run`` without Redis)."""
    scheduler = Scheduler(app)
    thread = threading.Thread(target=scheduler.run_forever, name="shisetsu-scheduler", daemon=True)
    thread.start()
    return thread
