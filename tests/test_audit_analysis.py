"""The daily analysis: synthetic log patterns give exactly the expected findings, and a
normal day gives none. Days are far in the future, so nothing else in the log interferes."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.audit.analysis import AnalysisConfig, analyse, day_bounds
from shisetsu.audit.jobs import analysis_job
from shisetsu.audit.labels import describe
from shisetsu.audit.models import Finding
from shisetsu.jobs.runner import run_in_app
from shisetsu.jobs.schedule import SCHEDULE
from shisetsu.people.models import Staff
from shisetsu.tenancy.binding import tenant_session
from tests.test_audit_support import add_entry, entries_after, last_id, utc
from tests.test_staff_support import make_staff

DAY = date(2031, 3, 10)  # 2031-03-10 in Tokyo is 2031-03-09 15:00 UTC .. 03-10 15:00 UTC
CONFIG = AnalysisConfig()


def at(hour: int, minute: int = 0, day: date = DAY) -> object:
    """A UTC instant at ``hour`` Tokyo time on ``day``."""
    start, _ = day_bounds(day, "Asia/Tokyo")
    return (start + timedelta(hours=hour, minutes=minute)).astimezone(UTC)


def run(app: Flask, fill, day: date = DAY) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with tenant_session(app, "regasu") as session:
        fill(session)
        found = analyse(session, day, CONFIG)
        session.commit()
        return sorted((f.rule, f.subject, f.severity) for f in found)


def normal_day(session) -> None:  # type: ignore[no-untyped-def]
    for n in range(12):  # a handler's working day: a dozen groups between 9 and 17
        add_entry(session, audit.VIEW, at=at(9 + n % 8, n), record_id=n)
    add_entry(session, audit.LOGIN_SUCCESS, at=at(8, 55), record_type="staff")
    for n in range(2):  # two typos
        add_entry(session, audit.LOGIN_FAILURE, at=at(8, 50 + n), kind="anonymous", actor_id=None)
    for n in range(30):  # residents looking at their own data late at night are not findings
        add_entry(session, audit.VIEW, at=at(23), kind="resident", actor_id=n + 1, label=None)
    add_entry(session, audit.UPDATE, at=at(23, 30), kind="system", actor_id=None)


def test_a_normal_day_gives_no_findings(app: Flask) -> None:
    assert run(app, normal_day) == []


def test_bulk_viewing(app: Flask) -> None:
    def fill(session) -> None:  # type: ignore[no-untyped-def]
        normal_day(session)
        for n in range(CONFIG.bulk_view_threshold + 1):
            add_entry(session, audit.VIEW, at=at(10), actor_id=7, label="bulk", record_id=n)
        for _ in range(100):  # the same record again and again is not bulk viewing
            add_entry(session, audit.VIEW, at=at(11), actor_id=8, label="same", record_id=1)

    assert run(app, fill) == [("bulk_view", "staff:7", "medium")]


def test_views_outside_opening_hours(app: Flask) -> None:
    def fill(session) -> None:  # type: ignore[no-untyped-def]
        add_entry(session, audit.VIEW, at=at(7, 59), actor_id=3, label="early")
        add_entry(session, audit.VIEW, at=at(22, 0), actor_id=4, label="late", kind="auditor")
        add_entry(session, audit.VIEW, at=at(8, 0), actor_id=5, label="ontime")
        add_entry(session, audit.VIEW, at=at(21, 59), actor_id=5, label="ontime")

    assert run(app, fill) == [
        ("off_hours", "auditor:4", "medium"),
        ("off_hours", "staff:3", "medium"),
    ]


def test_exports(app: Flask) -> None:
    def fill(session) -> None:  # type: ignore[no-untyped-def]
        normal_day(session)
        add_entry(session, audit.EXPORT, at=at(14), actor_id=9, record_type="groups", label="x")

    assert run(app, fill) == [("export", "staff:9", "medium")]


def test_repeated_login_failures_by_login_and_by_ip(app: Flask) -> None:
    def fill(session) -> None:  # type: ignore[no-untyped-def]
        for n in range(5):  # one login, several addresses
            add_entry(
                session,
                audit.LOGIN_FAILURE,
                at=at(12, n),
                kind="anonymous",
                actor_id=None,
                label="target",
                ip=f"198.51.100.{n}",
            )
        for n in range(20):  # one address trying many logins
            add_entry(
                session,
                audit.LOGIN_FAILURE,
                at=at(13, n),
                kind="anonymous",
                actor_id=None,
                label=f"guess{n}",
                ip="203.0.113.7",
            )

    assert run(app, fill) == [
        ("login_failures", "ip:203.0.113.7", "high"),
        ("login_failures", "login:target", "medium"),
    ]


def test_dormant_staff_account_used_again(app: Flask) -> None:
    sleeper = make_staff(app, role="handler")
    regular = make_staff(app, role="handler")

    def fill(session) -> None:  # type: ignore[no-untyped-def]
        for person, days_ago in ((sleeper, 120), (regular, 10)):
            add_entry(
                session,
                audit.LOGIN_SUCCESS,
                at=at(10, day=DAY - timedelta(days=days_ago)),
                actor_id=person.id,
                label=person.login,
            )
            add_entry(session, audit.VIEW, at=at(10), actor_id=person.id, label=person.login)

    assert run(app, fill) == [("dormant", f"staff:{sleeper.id}", "medium")]


def test_activity_after_removal(app: Flask) -> None:
    gone = make_staff(app, role="handler")
    with tenant_session(app, "regasu") as session:
        session.execute(
            sa.update(Staff)
            .where(Staff.id == gone.id)
            .values(active=False, removed_at=at(9, day=DAY))
        )
        session.commit()

    def fill(session) -> None:  # type: ignore[no-untyped-def]
        add_entry(session, audit.VIEW, at=at(8, 30), actor_id=gone.id, label=gone.login)
        add_entry(session, audit.VIEW, at=at(9, 30), actor_id=gone.id, label=gone.login)

    assert run(app, fill) == [("removed", f"staff:{gone.id}", "high")]
    with tenant_session(app, "regasu") as session:
        finding = session.scalar(sa.select(Finding).where(Finding.rule == "removed"))
        assert finding is not None and finding.count == 1
        with app.test_request_context():
            assert gone.login in describe(finding)


def test_analysis_is_idempotent(app: Flask) -> None:
    def fill(session) -> None:  # type: ignore[no-untyped-def]
        add_entry(session, audit.EXPORT, at=at(14), actor_id=9, label="x")

    first = run(app, fill)
    with tenant_session(app, "regasu") as session:
        ids = sorted(f.id for f in analyse(session, DAY, CONFIG))
        again = sorted(f.id for f in analyse(session, DAY, CONFIG))
        session.commit()
        assert ids == again
        assert session.scalar(sa.select(sa.func.count(Finding.id))) == len(first) == 1


def test_the_daily_job_is_scheduled_and_logs_its_runs(any_app: Flask) -> None:
    assert "shisetsu.audit.jobs.analysis_job" in {entry.func_path for entry in SCHEDULE}
    before = last_id(any_app, "regasu")
    result = run_in_app(any_app, "regasu", "shisetsu.audit.jobs.analysis_job")
    assert len(result["findings"]) == 2  # yesterday and the day before, Tokyo time
    runs = entries_after(any_app, "regasu", before, action="analysis")
    assert [r.record_id for r in runs] == list(result["findings"])
    assert {r.actor_kind for r in runs} == {"system"}
    assert analysis_job.__doc__


def test_analyse_cli(app: Flask) -> None:
    with tenant_session(app, "regasu") as session:
        add_entry(session, audit.EXPORT, at=at(14, day=date(2031, 5, 1)), actor_id=9, label="x")
        session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "analyse", "--tenant", "regasu", "--day", "2031-05-01"])
    assert result.exit_code == 0, result.output
    assert "regasu 2031-05-01: 1 finding(s)" in result.output
    default = runner.invoke(args=["audit", "analyse", "--tenant", "regasu"])
    assert default.exit_code == 0 and "0 finding(s)" in default.output
    assert utc(2031, 5, 1) < at(14, day=date(2031, 5, 1))  # type: ignore[operator]
