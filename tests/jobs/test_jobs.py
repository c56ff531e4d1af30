"""Jobs: in-process without Redis, through rq with it; mail survives a Redis outage."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from shisetsu.db import TENANT_KEY
from shisetsu.facilities.models import Facility
from shisetsu.jobs import enqueue, enqueue_after_commit
from shisetsu.jobs.fanout import fan_out
from shisetsu.jobs.functions import resolve
from shisetsu.jobs.runner import NoJobApp, use_app
from shisetsu.jobs.schedule import SCHEDULE, PeriodicJob
from shisetsu.jobs.scheduler import Scheduler, check_schedule, latest_tick
from shisetsu.notify import queue_mail
from shisetsu.notify.models import OutboxMessage
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.mail import SmtpSink
from tests.fixtures.services import need, redis_available

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"  # the suite's scratch database
REDIS_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1
RELAY_JOB = "shisetsu.notify.jobs.relay_job"

CALLS: list[tuple[str | None, object, int]] = []


def record(session: sa.orm.Session, value: object = None) -> None:
    """A job: note which tenant it ran for and that the tenant's tables answer."""
    tenant = session.info.get(TENANT_KEY)
    facilities = session.scalar(sa.select(sa.func.count()).select_from(Facility)) or 0
    CALLS.append((tenant.slug if tenant else None, value, facilities))


def explode(session: sa.orm.Session) -> None:
    raise RuntimeError("job failed on purpose")


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()
    use_app(None)


@pytest.fixture
def redis_app(sqlite_app: Flask) -> Iterator[Flask]:
    """An app on real Redis (db 15) with a queue of its own, removed afterwards."""
    need("Redis", redis_available(), "no server at 127.0.0.1:6379")
    queue_name = f"shisetsu-test-{uuid.uuid4().hex[:8]}"
    sqlite_app.config.update(REDIS_URL=REDIS_TEST_URL, JOBS_QUEUE=queue_name)
    use_app(sqlite_app)
    yield sqlite_app
    connection = Redis.from_url(REDIS_TEST_URL)
    Queue(queue_name, connection=connection).delete(delete_jobs=True)
    for key in connection.scan_iter(match=f"*{queue_name}*"):
        connection.delete(key)
    connection.close()


def work(app: Flask) -> None:
    """Run what is queued, in this process, like ``shisetsu worker`` would."""
    with Redis.from_url(app.config["REDIS_URL"]) as connection:
        worker = SimpleWorker([app.config["JOBS_QUEUE"]], connection=connection)
        worker.work(burst=True)


# --- in-process (no REDIS_URL) ------------------------------------------------------------


def test_without_redis_the_job_runs_at_once_for_its_tenant(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        assert enqueue(record, "by function", tenant="regasu") is None
        assert enqueue("tests.jobs.test_jobs.record", "by path", tenant="genkikan") is None
    [(slug1, value1, rooms1), (slug2, value2, rooms2)] = CALLS
    assert (slug1, value1, slug2, value2) == ("regasu", "by function", "genkikan", "by path")
    assert rooms1 > 0 and rooms2 > 0


def test_a_failing_in_process_job_is_logged_not_raised(
    sqlite_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with sqlite_app.app_context(), caplog.at_level(logging.ERROR, logger="shisetsu.jobs"):
        assert enqueue(explode, tenant="regasu") is None
    [entry] = [r for r in caplog.records if r.name == "shisetsu.jobs"]
    assert entry.message == "in-process job failed"
    assert entry.exc_info and "job failed on purpose" in str(entry.exc_info[1])


@pytest.mark.parametrize(
    ("func", "tenant"),
    [
        ("tests.jobs.test_jobs.missing", "regasu"),
        ("no_such_module.job", "regasu"),
        (lambda session: None, "regasu"),
        (record, "Not A Slug"),
    ],
)
def test_bad_jobs_are_refused_where_they_are_enqueued(
    sqlite_app: Flask, func: object, tenant: str
) -> None:
    with sqlite_app.app_context(), pytest.raises(ValueError):
        enqueue(func, tenant=tenant)  # type: ignore[arg-type]


def test_enqueueing_outside_an_app_context_without_a_job_app_is_an_error() -> None:
    """No lower layer builds the app: a process must hand its app over (the worker does)."""
    with pytest.raises(NoJobApp):
        enqueue("tests.jobs.test_jobs.record", tenant="regasu")
    assert CALLS == []


def test_outside_an_app_context_jobs_run_in_the_app_handed_over(sqlite_app: Flask) -> None:
    use_app(sqlite_app)
    enqueue("tests.jobs.test_jobs.record", "handed", tenant="regasu")
    assert [(tenant, value) for tenant, value, _facilities in CALLS] == [("regasu", "handed")]


def test_after_commit_jobs_wait_for_the_commit_and_die_with_a_rollback(
    sqlite_app: Flask,
) -> None:
    with tenant_session(sqlite_app, "regasu") as session:
        session.scalar(sa.select(sa.func.count()).select_from(Facility))
        enqueue_after_commit(session, record, "a", tenant="regasu")
        enqueue_after_commit(session, record, "a", tenant="regasu")  # the same call: once
        with session.begin_nested():
            enqueue_after_commit(session, record, "b", tenant="regasu")
        assert CALLS == []  # a released savepoint is not the commit
        session.commit()
        assert [value for _, value, _ in CALLS] == ["a", "b"]

        enqueue_after_commit(session, record, "rolled back", tenant="regasu")
        session.rollback()
        session.commit()
    assert [value for _, value, _ in CALLS] == ["a", "b"]


def test_fan_out_runs_a_job_for_every_active_tenant(sqlite_app: Flask) -> None:
    use_app(sqlite_app)
    assert fan_out("tests.jobs.test_jobs.record") == ["regasu", "genkikan"]
    assert [slug for slug, _, _ in CALLS] == ["regasu", "genkikan"]


# --- rq on a real Redis -----------------------------------------------------------------


@pytest.mark.redis
def test_with_redis_the_worker_runs_the_job_with_its_tenant_bound(redis_app: Flask) -> None:
    with redis_app.app_context():
        job_id = enqueue(record, "queued", tenant="genkikan")
    assert job_id is not None
    assert CALLS == []  # queued, not run
    with Redis.from_url(REDIS_TEST_URL) as connection:
        job = Job.fetch(job_id, connection=connection)
        assert job.get_status() == JobStatus.QUEUED
        assert job.args[:2] == ("genkikan", "tests.jobs.test_jobs.record")  # the slug travels
        work(redis_app)
        assert job.get_status(refresh=True) == JobStatus.FINISHED
    [(slug, value, rooms)] = CALLS
    assert (slug, value) == ("genkikan", "queued") and rooms > 0


@pytest.mark.redis
def test_mail_survives_a_redis_outage_and_is_sent_once(
    redis_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with SmtpSink() as smtp:
        redis_app.config.update(SMTP_URL=smtp.url, REDIS_URL=REDIS_DOWN)
        with (
            caplog.at_level(logging.ERROR, logger="shisetsu.jobs"),
            tenant_session(redis_app, "regasu") as session,
        ):
            queue_mail(
                session,
                key="booking:9:confirmed",
                to="taro@example.jp",
                subject="予約確定のお知らせ",
                body="ご予約が確定しました。\n",
                kind="booking_confirmed",
                locale="ja",
            )
            session.commit()  # the business transaction succeeds regardless
        assert any(r.message.startswith("could not queue job") for r in caplog.records)
        assert smtp.received == []
        [row] = outbox_rows(redis_app)
        assert (row.state, row.attempts) == ("pending", 0)

        redis_app.config["REDIS_URL"] = REDIS_TEST_URL  # Redis is back
        for _ in range(2):  # two ticks of the every-minute sweep
            assert fan_out(RELAY_JOB) == ["regasu", "genkikan"]
            work(redis_app)
        assert len(smtp.received) == 1
        assert smtp.message_ids() == ["<regasu.booking=3A9=3Aconfirmed@shisetsu.invalid>"]
    [row] = outbox_rows(redis_app)
    assert (row.state, row.attempts, row.delivered_via) == ("sent", 1, "smtp")


def test_without_redis_the_manual_sweep_delivers_stuck_mail_once(sqlite_app: Flask) -> None:
    with SmtpSink() as smtp:
        sqlite_app.config.update(SMTP_URL=smtp.url, REDIS_URL=REDIS_DOWN)
        with tenant_session(sqlite_app, "regasu") as session:
            queue_mail(
                session,
                key="booking:10:confirmed",
                to="hanako@example.jp",
                subject="予約確定",
                body="本文\n",
                kind="booking_confirmed",
                locale="ja",
            )
            session.commit()
        assert smtp.received == []
        runner = sqlite_app.test_cli_runner()
        first = runner.invoke(args=["mail", "relay"])
        second = runner.invoke(args=["mail", "relay", "--tenant", "regasu"])
        assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
        assert "regasu: 1 sent" in first.output and "regasu: 0 sent" in second.output
        assert len(smtp.received) == 1


def outbox_rows(app: Flask) -> list[OutboxMessage]:
    with tenant_session(app, "regasu") as session:
        return list(session.scalars(sa.select(OutboxMessage)))


# --- the periodic schedule --------------------------------------------------------------


def test_the_schedule_lists_the_outbox_sweep_every_minute() -> None:
    check_schedule(SCHEDULE)
    [sweep] = [entry for entry in SCHEDULE if entry.func_path == RELAY_JOB]
    assert sweep.cron == "* * * * *"
    assert sweep.description
    for entry in SCHEDULE:
        assert callable(resolve(entry.func_path))


def test_the_scheduler_fans_each_entry_out(sqlite_app: Flask) -> None:
    dispatched: list[str] = []
    scheduler = Scheduler(
        sqlite_app,
        clock=lambda: datetime(2027, 1, 5, 0, 0, tzinfo=UTC),
        dispatch=lambda app, path: dispatched.append(path),
    )
    assert scheduler.run_pending() == [entry.func_path for entry in SCHEDULE]
    assert dispatched == [entry.func_path for entry in SCHEDULE]


def test_cron_strings_are_read_in_tokyo_time() -> None:
    at_nine_in_tokyo = datetime(2027, 1, 5, 0, 0, tzinfo=UTC)
    # 03:00 JST is 18:00 UTC the day before
    assert latest_tick("0 3 * * *", at_nine_in_tokyo, "Asia/Tokyo") == datetime(
        2027, 1, 4, 18, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("cron", ["61 * * * *", "* * * *", "every minute"])
def test_a_malformed_cron_string_is_refused(cron: str) -> None:
    with pytest.raises(ValueError, match="cron"):
        check_schedule([PeriodicJob(cron, RELAY_JOB, "bad")])


def test_cli_lists_the_schedule_and_refuses_a_worker_without_redis(sqlite_app: Flask) -> None:
    runner = sqlite_app.test_cli_runner()
    listed = runner.invoke(args=["cron", "--list"])
    assert listed.exit_code == 0 and RELAY_JOB in listed.output
    sqlite_app.config["REDIS_URL"] = ""
    refused = runner.invoke(args=["worker"])
    assert refused.exit_code != 0 and "SHISETSU_REDIS_URL" in refused.output
