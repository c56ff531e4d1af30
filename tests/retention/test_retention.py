"""Retention purge: the daily job erases groups and accounts past the period,
leaves no trace of the person in any text column of the tenant schema, keeps bookings
anonymised, issues one hash-chained certificate whose counts match, and does nothing more
when run again. On both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.booking.models import Booking
from shisetsu.dates import add_months_clamped as add_months
from shisetsu.groups.models import Group
from shisetsu.jobs.runner import run_in_app
from shisetsu.jobs.schedule import SCHEDULE
from shisetsu.retention import chain
from shisetsu.retention.jobs import PURGE_JOB, REQUEST_JOB
from shisetsu.retention.models import DeletionCertificate
from shisetsu.retention.operations import ERASED, cutoff_for, plan
from shisetsu.tenancy.binding import tenant_session
from tests.support.groups import today_in_tokyo, update_group
from tests.support.retention import certificates, synthetic, traces

pytestmark = pytest.mark.dates


@pytest.fixture
def pg(request: pytest.FixtureRequest, any_app: Flask):  # type: ignore[no-untyped-def]
    """The PostgreSQL database when ``any_app`` runs on it (for the admin-side scan)."""
    if any_app.config["DATABASE_URL"]:
        return request.getfixturevalue("pg_database")
    return None


def test_both_jobs_are_scheduled() -> None:
    paths = {job.func_path for job in SCHEDULE}
    assert {PURGE_JOB, REQUEST_JOB} <= paths


def test_purge_job_leaves_no_trace_and_counts_match(any_app: Flask, pg) -> None:  # type: ignore[no-untyped-def]
    today = today_in_tokyo()
    gone = synthetic(any_app, "genkikan", ended=add_months(today, -13))
    kept = synthetic(any_app, "genkikan", ended=add_months(today, -11))
    before = len(certificates(any_app, "genkikan"))
    assert traces(any_app, "genkikan", gone.needles, pg)  # the scan finds them before

    result = run_in_app(any_app, "genkikan", PURGE_JOB)

    assert gone.group_id in result["groups"] and gone.account.id in result["accounts"]
    assert kept.group_id not in result["groups"] and kept.account.id not in result["accounts"]
    assert traces(any_app, "genkikan", gone.needles, pg) == []
    # Not yet past the period: everything is still there.
    left = {needle for _, _, needle in traces(any_app, "genkikan", kept.needles, pg)}
    assert left == set(kept.needles)

    certs = certificates(any_app, "genkikan")
    assert len(certs) == before + 1
    cert = certs[-1]
    assert cert["number"] == result["certificate"]
    assert cert["trigger"] == "retention" and cert["executed_by"] == PURGE_JOB
    assert cert["retention_months"] == 12
    assert cert["cutoff"] == cutoff_for(today, 12)
    with tenant_session(any_app, "genkikan") as session:
        groups = cert["subjects"]["groups"]
        accounts = cert["subjects"]["accounts"]
        assert cert["counts"]["groups"] == len(groups)
        assert cert["counts"]["accounts"] == len(accounts)
        bookings = session.scalars(sa.select(Booking).where(Booking.group_id.in_(groups))).all()
        assert cert["counts"]["bookings"] == len(bookings)
        assert cert["counts"]["mails"] >= 2 and cert["counts"]["slot_notes"] >= 1
        assert cert["counts"]["calendar_feeds"] >= 1
        assert cert["counts"]["lottery_entries"] >= 1
        # The booking stays, anonymised, with what statistics need.
        booking = session.get(Booking, gone.booking_id)
        assert booking is not None
        assert booking.purpose == ERASED and booking.account_id is None
        assert booking.override_reason is None
        assert booking.fee_total == 1200 and booking.room_id and booking.slot_codes
        group = session.get(Group, gone.group_id)
        assert group is not None and group.category and group.status == "expired"
        # The hash verifies, alone and as a chain.
        row = session.get(DeletionCertificate, cert["id"])
        assert row is not None and chain.verifies(row)
        assert chain.verify(session, "genkikan").ok


def test_a_second_run_issues_no_certificate(any_app: Flask) -> None:
    today = today_in_tokyo()
    synthetic(any_app, "regasu", ended=add_months(today, -14))
    first = run_in_app(any_app, "regasu", PURGE_JOB)
    assert first["certificate"] is not None
    count = len(certificates(any_app, "regasu"))
    again = run_in_app(any_app, "regasu", PURGE_JOB)
    assert again == {"groups": [], "accounts": [], "certificate": None}
    assert len(certificates(any_app, "regasu")) == count


def test_withdrawn_groups_count_from_the_withdrawal(any_app: Flask) -> None:
    today = today_in_tokyo()
    old = synthetic(any_app, "regasu", ended=add_months(today, -13), status="withdrawn")
    recent = synthetic(any_app, "regasu", ended=today - timedelta(days=20), status="withdrawn")
    with tenant_session(any_app, "regasu") as session:
        due = plan(session, today, 12)
    assert old.group_id in due.groups and recent.group_id not in due.groups
    # The account of the recent one signed in lately and keeps an unpurged group.
    assert recent.account.id not in due.accounts


def test_rejected_applications_count_from_the_decision(any_app: Flask) -> None:
    today = today_in_tokyo()
    old = synthetic(any_app, "genkikan", ended=add_months(today, -13), status="rejected")
    recent = synthetic(any_app, "genkikan", ended=add_months(today, -2), status="rejected")
    for person, months in ((old, -13), (recent, -2)):
        decided = add_months(today, months)
        update_group(
            any_app,
            "genkikan",
            person.group_id,
            decided_at=datetime(decided.year, decided.month, decided.day, 3, tzinfo=UTC),
            rejection_reason=f"{person.name}の書類不備",
        )
    with tenant_session(any_app, "genkikan") as session:
        due = plan(session, today, 12)
    assert old.group_id in due.groups and recent.group_id not in due.groups


def test_an_active_account_is_kept_when_its_old_group_goes(any_app: Flask) -> None:
    today = today_in_tokyo()
    person = synthetic(any_app, "regasu", ended=add_months(today, -13), seen=datetime.now(UTC))
    result = run_in_app(any_app, "regasu", PURGE_JOB)
    assert person.group_id in result["groups"]
    assert person.account.id not in result["accounts"]  # signed in lately


def test_certificates_are_append_only(any_app: Flask) -> None:
    today = today_in_tokyo()
    synthetic(any_app, "regasu", ended=add_months(today, -15))
    run_in_app(any_app, "regasu", PURGE_JOB)
    cert_id = certificates(any_app, "regasu")[-1]["id"]
    for statement in (
        "UPDATE deletion_certificates SET executed_by = 'someone' WHERE id = :id",
        "DELETE FROM deletion_certificates WHERE id = :id",
    ):
        with tenant_session(any_app, "regasu") as session:
            with pytest.raises(sa.exc.DatabaseError):
                session.execute(sa.text(statement), {"id": cert_id})
            session.rollback()


def test_a_tampered_certificate_no_longer_verifies(any_app: Flask) -> None:
    today = today_in_tokyo()
    synthetic(any_app, "genkikan", ended=add_months(today, -16))
    run_in_app(any_app, "genkikan", PURGE_JOB)
    with tenant_session(any_app, "genkikan") as session:
        cert = session.scalars(
            sa.select(DeletionCertificate).order_by(DeletionCertificate.id.desc())
        ).first()
        assert cert is not None and chain.verifies(cert)
        cert.counts = {**cert.counts, "groups": cert.counts["groups"] + 1}  # in memory only
        assert not chain.verifies(cert)
        session.rollback()


@pytest.mark.postgres
def test_tenant_role_cannot_read_another_tenants_certificates(pg_app: Flask) -> None:
    for table in ("deletion_certificates", "retention_purged", "deletion_requests"):
        with tenant_session(pg_app, "regasu") as session:
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                session.execute(sa.text(f"SELECT * FROM tenant_genkikan.{table}"))
            session.rollback()


def test_cli_dry_run_lists_and_changes_nothing_then_purges(sqlite_app: Flask) -> None:
    person = synthetic(sqlite_app, "regasu", ended=add_months(today_in_tokyo(), -13))
    runner = sqlite_app.test_cli_runner()
    dry = runner.invoke(args=["retention", "purge", "--tenant", "regasu", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would purge: groups {person.group_id}; accounts {person.account.id}" in dry.output
    assert certificates(sqlite_app, "regasu") == []
    assert traces(sqlite_app, "regasu", [person.name]) != []

    done = runner.invoke(args=["retention", "purge", "--tenant", "regasu"])
    assert done.exit_code == 0, done.output
    cert = certificates(sqlite_app, "regasu")[-1]
    assert f"certificate {cert['number']}: groups=1, accounts=1" in done.output
    assert cert["hash"] in done.output and cert["executed_by"].startswith("cli:")
    assert traces(sqlite_app, "regasu", person.needles) == []
    again = runner.invoke(args=["retention", "purge", "--tenant", "regasu"])
    assert "nothing to purge" in again.output
    verify = runner.invoke(args=["retention", "verify", "--tenant", "regasu"])
    assert verify.exit_code == 0 and "intact, 1 certificates" in verify.output
    unknown = runner.invoke(args=["retention", "purge", "--tenant", "nosuch"])
    assert unknown.exit_code != 0 and "unknown tenant" in unknown.output
