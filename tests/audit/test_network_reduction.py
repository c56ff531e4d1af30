"""Reducing the access log's network data after ``[retention] access_log_network_days``.

The daily job drops the client address, browser and salt of older entries, keeps the
network prefix and the digest the chain covers, and records each batch in the log; verify
still passes, and tampering with a reduced entry, or reducing one behind the log's back, is
named. Entries written before hash version 2 (simulated here by appending with the
version-1 hash) are reduced the same way. Both databases (``any_app``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.audit import chain
from shisetsu.audit.models import AccessLog
from shisetsu.jobs.runner import run_in_app
from shisetsu.jobs.schedule import SCHEDULE
from shisetsu.tenancy.binding import tenant_session
from tests.support.audit import Entry, entries_after, last_id
from tests.support.chains import RawTable, owner_of

JOB = "shisetsu.audit.jobs.network_job"
TENANT = "regasu"
DAYS = 90  # tenants/regasu/tenant.toml [retention] access_log_network_days [sample]
BROWSER = "Mozilla/5.0 (test)"


def actor(ip: str) -> audit.Actor:
    return audit.Actor("resident", 41, "#41", None, ip, BROWSER)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def append(app: Flask, days_ago: list[int], *, ip: str = "198.51.100.23") -> list[int]:
    """One entry per ``days_ago``, logged that many days before now; their ids."""
    with tenant_session(app, TENANT) as session:
        ids = [
            audit.record(
                session, audit.VIEW, "booking", n, actor=actor(ip), at=now() - dt.timedelta(days=n)
            ).id
            for n in days_ago
        ]
        session.commit()
    return ids


def append_v1(app: Flask, monkeypatch: pytest.MonkeyPatch, days_ago: int) -> int:
    """An entry as written before hash version 2: raw address and browser hashed."""
    with monkeypatch.context() as m:
        m.setattr(chain, "with_network_fields", lambda fields: {**fields, "hash_version": 1})
        m.setattr(chain, "entry_hash", chain.v1_entry_hash)
        (entry_id,) = append(app, [days_ago], ip="203.0.113.7")
    return entry_id


def reduce_now(app: Flask) -> dict[str, Any]:
    result: dict[str, Any] = run_in_app(app, TENANT, JOB)
    return result


def verify(app: Flask) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--tenant", TENANT, "--json"])
    report: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    assert result.exit_code == (0 if report["ok"] else 1)
    return report


def by_id(app: Flask, after: int) -> dict[int, Entry]:
    return {row.id: row for row in entries_after(app, TENANT, after)}


def unreduced_older_than_cutoff(app: Flask) -> int:
    cutoff = now() - dt.timedelta(days=DAYS)
    with tenant_session(app, TENANT) as session:
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AccessLog)
                .where(
                    AccessLog.at < cutoff,
                    sa.or_(AccessLog.ip.is_not(None), AccessLog.network_salt.is_not(None)),
                )
            )
            or 0
        )


def test_the_job_is_scheduled_daily() -> None:
    (job,) = [entry for entry in SCHEDULE if entry.func_path == JOB]
    assert job.cron == "40 1 * * *"


def test_old_network_data_is_reduced_and_the_chain_still_verifies(
    any_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = last_id(any_app, TENANT)
    v1 = append_v1(any_app, monkeypatch, 200)
    old, edge, recent = append(any_app, [DAYS + 1, DAYS - 1, 3])
    assert verify(any_app)["ok"]

    result = reduce_now(any_app)
    assert result["refused"] is None
    (recorder,) = result["entries"]
    rows = by_id(any_app, before)
    assert unreduced_older_than_cutoff(any_app) == 0
    for entry_id in (v1, old):
        row = rows[entry_id]
        assert (row.ip, row.user_agent, row.network_salt) == (None, None, None)
        assert row.network_reduced_by == recorder
    assert rows[old].ip_prefix == "198.51.100.0/24" and rows[old].network_digest
    assert rows[v1].hash_version == 1 and rows[old].hash_version == 2
    for entry_id in (edge, recent):  # younger than the retention period: kept
        row = rows[entry_id]
        assert (row.ip, row.user_agent, row.network_reduced_by) == ("198.51.100.23", BROWSER, None)
    record = rows[recorder]
    assert (record.action, record.actor_kind, record.record_type) == (
        "network_reduced",
        "system",
        "access_log",
    )
    assert record.detail is not None
    assert record.detail.startswith(f"{result['reduced']} entries through #{old}; sha256 ")
    report = verify(any_app)
    assert report["ok"] and report["last_id"] == recorder

    # A second run the same day finds nothing and records nothing.
    assert reduce_now(any_app) == {"reduced": 0, "entries": [], "refused": None}
    assert last_id(any_app, TENANT) == recorder


def reduced_fixture(any_app: Flask, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int, int]:
    """(v1 entry, v2 entry, recorder, untouched recent entry), reduced and verified."""
    v1 = append_v1(any_app, monkeypatch, 200)
    old, recent = append(any_app, [DAYS + 5, 1])
    (recorder,) = reduce_now(any_app)["entries"]
    assert verify(any_app)["ok"]
    return v1, old, recorder, recent


@pytest.mark.parametrize("which", ["v1", "v2"])
def test_altering_a_reduced_entry_is_named(
    request: pytest.FixtureRequest, any_app: Flask, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    v1, old, recorder, _ = reduced_fixture(any_app, monkeypatch)
    target = v1 if which == "v1" else old
    table = RawTable(any_app, owner_of(request, any_app), TENANT, "access_log")
    with table.altered(target, "record_id"):
        report = verify(any_app)
        assert not report["ok"]
        if which == "v1":  # its content is covered by the reduction's batch digest
            assert report["broken_id"] == recorder
            assert report["problem"].startswith(f"the entries reduced by entry {recorder}")
        else:
            assert report["broken_id"] == target
            assert report["problem"] == f"hash mismatch at entry {target} (entry altered)"
    assert verify(any_app)["ok"]


def test_a_reduction_behind_the_logs_back_is_named(
    request: pytest.FixtureRequest, any_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, recorder, recent = reduced_fixture(any_app, monkeypatch)
    table = RawTable(any_app, owner_of(request, any_app), TENANT, "access_log")
    for column in ("ip", "user_agent", "network_salt"):
        table.set(recent, column, None)
    table.set(recent, "network_reduced_by", recorder)
    report = verify(any_app)
    assert (report["ok"], report["broken_id"]) == (False, recorder)
    assert report["problem"].startswith(f"the entries reduced by entry {recorder}")

    table.set(recent, "network_reduced_by", None)  # dropped without naming any reduction
    report = verify(any_app)
    assert (report["broken_id"], report["problem"]) == (
        recent,
        f"network data of entry {recent} does not match its digest (altered)",
    )


def test_a_tampered_entry_is_not_reduced(request: pytest.FixtureRequest, any_app: Flask) -> None:
    (old,) = append(any_app, [DAYS + 10])
    table = RawTable(any_app, owner_of(request, any_app), TENANT, "access_log")
    table.set(old, "ip", "192.0.2.99")
    before = last_id(any_app, TENANT)
    result = reduce_now(any_app)
    assert result == {"reduced": 0, "entries": [], "refused": f"entry {old} is altered"}
    assert last_id(any_app, TENANT) == before
    assert table.get(old, "ip") == "192.0.2.99"  # left as found, for verify to name


def test_the_application_may_only_clear_network_data(any_app: Flask) -> None:
    """Hashed columns are refused to the app (SQLite triggers, PostgreSQL column grants);
    on SQLite a network column may only be cleared. PostgreSQL's column grant lets the app
    write an address, which verify then names (the digest no longer matches)."""
    (entry_id,) = append(any_app, [1])
    forbidden: list[dict[str, Any]] = [{"detail": "rewritten"}, {"ip_prefix": None}]
    if not str(any_app.config["DATABASE_URL"]).startswith("postgresql"):
        forbidden.append({"ip": "192.0.2.1"})
    for values in forbidden:
        with tenant_session(any_app, TENANT) as session:
            with pytest.raises(sa.exc.DBAPIError):
                session.execute(
                    sa.update(AccessLog).where(AccessLog.id == entry_id).values(**values)
                )
                session.flush()
            session.rollback()
    row = by_id(any_app, entry_id - 1)[entry_id]
    assert (row.detail, row.ip, row.ip_prefix) == (None, "198.51.100.23", "198.51.100.0/24")
