"""The scheduler: each missed tick caught up once, idempotent, one claimer among many."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask

from shisetsu.extensions import db
from shisetsu.jobs.cli import start_embedded_scheduler
from shisetsu.jobs.models import ScheduledRun
from shisetsu.jobs.schedule import PeriodicJob
from shisetsu.jobs.scheduler import LEASE, Scheduler, claim
from shisetsu.lottery import rounds
from shisetsu.lottery.models import OPEN
from shisetsu.tenancy.binding import tenant_session

# PostgreSQL tests share one database: each test module run names its jobs afresh, and
# each test below uses jobs of its own (``scheduled``), so no row is another test's.
RUN = uuid.uuid4().hex[:8]


def job(cron: str, name: str) -> PeriodicJob:
    return PeriodicJob(cron, f"tests.jobs.{name}_{RUN}_{next(_SERIAL)}", name)


_SERIAL = itertools.count()
# 2027-01-05 09:00 in Tokyo
MONDAY = datetime(2027, 1, 5, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def recording(calls: list[str]) -> Callable[[Flask, str], None]:
    def dispatch(app: Flask, path: str) -> None:
        calls.append(path)

    return dispatch


def completed(app: Flask, *jobs: PeriodicJob) -> dict[str, datetime | None]:
    paths = [entry.func_path for entry in jobs]
    with app.app_context():
        rows = db.session.scalars(sa.select(ScheduledRun).where(ScheduledRun.job.in_(paths)))
        return {row.job: row.last_completed_for for row in rows}


@pytest.fixture
def scheduled() -> tuple[PeriodicJob, PeriodicJob]:
    """A nightly job (00:10 in Tokyo) and one every five minutes, named for this test."""
    return job("10 0 * * *", "nightly"), job("*/5 * * * *", "five_minutes")


def test_a_first_start_runs_every_job_once_and_a_second_look_runs_nothing(
    any_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    nightly, five = scheduled
    calls: list[str] = []
    scheduler = Scheduler(any_app, scheduled, clock=Clock(MONDAY), dispatch=recording(calls))
    assert scheduler.run_pending() == [nightly.func_path, five.func_path]
    assert scheduler.run_pending() == []
    assert calls == [nightly.func_path, five.func_path]
    assert completed(any_app, *scheduled) == {
        nightly.func_path: datetime(2027, 1, 4, 15, 10, tzinfo=UTC),  # 00:10 JST
        five.func_path: MONDAY,
    }


def test_after_three_missed_days_each_job_catches_up_once(
    any_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    nightly, five = scheduled
    calls: list[str] = []
    clock = Clock(MONDAY)
    Scheduler(any_app, scheduled, clock=clock, dispatch=recording(calls)).run_pending()
    calls.clear()
    clock.now = MONDAY + timedelta(days=3, minutes=7)  # the process was down meanwhile
    restarted = Scheduler(any_app, scheduled, clock=clock, dispatch=recording(calls))
    assert restarted.run_pending() == [nightly.func_path, five.func_path]
    assert restarted.run_pending() == []
    assert Counter(calls) == {nightly.func_path: 1, five.func_path: 1}
    assert completed(any_app, *scheduled) == {
        nightly.func_path: datetime(2027, 1, 7, 15, 10, tzinfo=UTC),
        five.func_path: MONDAY + timedelta(days=3, minutes=5),
    }


def test_a_job_runs_again_only_at_its_next_tick(
    sqlite_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    _nightly, five = scheduled
    calls: list[str] = []
    clock = Clock(MONDAY)
    scheduler = Scheduler(sqlite_app, scheduled, clock=clock, dispatch=recording(calls))
    scheduler.run_pending()
    clock.now = MONDAY + timedelta(minutes=4, seconds=59)
    assert scheduler.run_pending() == []
    clock.now = MONDAY + timedelta(minutes=5)
    assert scheduler.run_pending() == [five.func_path]


def test_a_failed_run_is_not_recorded_and_is_tried_again(
    sqlite_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    nightly, _five = scheduled
    attempts: list[str] = []

    def failing(app: Flask, path: str) -> None:
        attempts.append(path)
        raise RuntimeError("database away")

    clock = Clock(MONDAY)
    Scheduler(sqlite_app, [nightly], clock=clock, dispatch=failing).run_pending()
    assert completed(sqlite_app, *scheduled) == {nightly.func_path: None}
    calls: list[str] = []
    retried = Scheduler(sqlite_app, [nightly], clock=clock, dispatch=recording(calls))
    assert retried.run_pending() == [nightly.func_path]
    assert attempts == calls == [nightly.func_path]


def test_a_claim_is_respected_until_its_lease_runs_out(
    sqlite_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    nightly, _five = scheduled
    tick = datetime(2027, 1, 4, 15, 10, tzinfo=UTC)
    calls: list[str] = []
    clock = Clock(MONDAY)
    scheduler = Scheduler(sqlite_app, [nightly], clock=clock, dispatch=recording(calls))
    with sqlite_app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.insert(ScheduledRun).values(job=nightly.func_path))
        # another process claimed the tick and died without finishing it
        assert claim(conn, nightly.func_path, tick, now=MONDAY, owner="elsewhere:1")
    assert scheduler.run_pending() == []
    clock.now = MONDAY + LEASE + timedelta(minutes=1)
    assert scheduler.run_pending() == [nightly.func_path]


@pytest.mark.postgres
def test_two_schedulers_starting_at_once_run_each_tick_once(
    pg_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    nightly, five = scheduled
    calls: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def slow(app: Flask, path: str) -> None:
        with lock:
            calls.append(path)
        time.sleep(0.3)  # hold the claim while the other scheduler looks

    def starter(owner: str) -> None:
        start.wait()
        Scheduler(pg_app, scheduled, clock=Clock(MONDAY), dispatch=slow, owner=owner).run_pending()

    threads = [threading.Thread(target=starter, args=(f"machine-{n}:1",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Counter(calls) == {nightly.func_path: 1, five.func_path: 1}
    assert completed(pg_app, *scheduled) == {
        nightly.func_path: datetime(2027, 1, 4, 15, 10, tzinfo=UTC),
        five.func_path: MONDAY,
    }


@pytest.mark.postgres
def test_a_second_claimer_waits_for_the_first_and_then_finds_the_tick_taken(
    pg_app: Flask, scheduled: tuple[PeriodicJob, PeriodicJob]
) -> None:
    _nightly, five = scheduled
    tick = MONDAY
    with pg_app.app_context():
        engine = db.engine
    with engine.begin() as conn:
        conn.execute(sa.insert(ScheduledRun).values(job=five.func_path))
    outcome: list[bool] = []
    first = engine.connect()
    first.begin()
    assert claim(first, five.func_path, tick, now=MONDAY, owner="one:1")

    def second() -> None:
        with engine.begin() as conn:
            outcome.append(claim(conn, five.func_path, tick, now=MONDAY, owner="two:2"))

    waiting = threading.Thread(target=second)
    waiting.start()
    waiting.join(timeout=0.5)
    assert waiting.is_alive() and outcome == []  # blocked on the first claim's row lock
    first.commit()
    first.close()
    waiting.join(timeout=10)
    assert outcome == [False]


def test_the_real_lottery_job_opens_a_round_in_process(sqlite_app: Flask) -> None:
    # 2027-01-01 09:30 in Tokyo: Genkikan's round for March opens at 09:00.
    opening = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    lottery = PeriodicJob("*/5 * * * *", "shisetsu.lottery.jobs.tick", "the lottery calendar")
    with time_machine.travel(opening, tick=False):  # the job reads the clock itself
        assert Scheduler(sqlite_app, [lottery]).run_pending() == [lottery.func_path]
    with tenant_session(sqlite_app, "genkikan") as session:
        rnd = rounds.round_for_month(session, datetime(2027, 3, 1).date())
        assert rnd is not None and rnd.state == OPEN


def test_shisetsu_run_starts_no_scheduler_when_redis_is_configured(sqlite_app: Flask) -> None:
    sqlite_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    before = {thread.name for thread in threading.enumerate()}
    assert start_embedded_scheduler(sqlite_app) is False
    assert "shisetsu-scheduler" not in {t.name for t in threading.enumerate()} - before
