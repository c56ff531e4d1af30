"""The access log is a hash chain the application can only append to, and tampering with
it directly in the database (as the superuser or file owner) is found by
``shisetsu audit verify``, which names the first broken entry."""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu import audit
from shisetsu.audit.chain import entry_hash, genesis
from shisetsu.audit.operations import unknown_login_label, verify_log
from shisetsu.extensions import db
from shisetsu.tenancy.binding import tenant_session
from tests.fixtures.apps import PgDatabase
from tests.support.audit import add_entry, entries_after, last_id, utc
from tests.support.chains import raw_sqlite


def append_three(app: Flask, slug: str = "regasu") -> list[int]:
    with tenant_session(app, slug) as session:
        ids = [audit.record(session, audit.VIEW, "group", n, detail="test").id for n in (1, 2, 3)]
        session.commit()
    return ids


def verify(app: Flask, *args: str) -> tuple[int, dict[str, Any]]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", *args, "--json"])
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_entries_form_a_linear_chain_and_verify_passes(any_app: Flask) -> None:
    before = last_id(any_app, "regasu")
    ids = append_three(any_app)
    assert ids == [before + 1, before + 2, before + 3]
    rows = entries_after(any_app, "regasu", before)
    assert [r.id for r in rows] == ids
    for previous, entry in itertools.pairwise(rows):
        assert entry.prev_hash == previous.hash
    assert len(rows[0].hash) == 64 and rows[0].actor_kind == "system"
    code, report = verify(any_app, "--tenant", "regasu")
    assert code == 0 and report["ok"] and report["last_id"] == ids[-1]
    code, report = verify(any_app, "--tenant", "genkikan")
    assert code == 0 and report["scope"] == "genkikan"


def test_the_first_entry_starts_from_the_tenant_genesis(sqlite_app: Flask) -> None:
    append_three(sqlite_app, "genkikan")
    first = entries_after(sqlite_app, "genkikan", 0)[0]
    assert first.id == 1 and first.prev_hash == genesis("genkikan")
    values = {k: getattr(first, k) for k in first.__dataclass_fields__}
    assert entry_hash(first.prev_hash, values) == first.hash


def test_verify_cli_plain_output_and_errors(sqlite_app: Flask) -> None:
    append_three(sqlite_app)
    runner = sqlite_app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify", "--tenant", "regasu"])
    assert ok.exit_code == 0 and "regasu: intact, 3 entries" in ok.output
    unknown = runner.invoke(args=["audit", "verify", "--tenant", "nosuch"])
    assert unknown.exit_code == 1 and "unknown tenant" in unknown.output
    neither = runner.invoke(args=["audit", "verify"])
    assert neither.exit_code == 2


def test_platform_log_has_its_own_chain(any_app: Flask) -> None:
    with any_app.app_context():
        entry = audit.record(db.session(), audit.LOGIN_SUCCESS, "auditor", 1)
        db.session.commit()
        assert entry.id >= 1
        assert verify_log(db.session()).ok
        db.session.remove()
    code, report = verify(any_app, "--platform")
    assert code == 0 and report["scope"] == "platform"


def test_unknown_logins_are_stored_as_a_keyed_digest(app: Flask) -> None:
    typed = "hanako@example.jp"
    before = last_id(app, "regasu")
    client = app.test_client()
    client.post("/regasu/account/login", data={"login": typed, "password": "wrong password 1"})
    (entry,) = entries_after(app, "regasu", before)
    assert entry.action == "login_failure" and entry.actor_kind == "anonymous"
    with app.app_context():
        assert entry.actor_label == unknown_login_label(typed)
    assert "hanako" not in json.dumps([str(v) for v in entry.__dict__.values()])


# --- the application cannot rewrite the log --------------------------------------------


def test_sqlite_triggers_refuse_update_and_delete(sqlite_app: Flask) -> None:
    append_three(sqlite_app)
    with tenant_session(sqlite_app, "regasu") as session:
        for statement in (
            "UPDATE access_log SET detail = 'x' WHERE id = 2",
            "DELETE FROM access_log WHERE id = 3",
            "UPDATE access_log_head SET last_id = 1",
            "DELETE FROM access_log_head",
        ):
            with pytest.raises(sa.exc.IntegrityError, match=r"append-only|forward|cannot"):
                session.execute(sa.text(statement))
            session.rollback()
    with sqlite_app.app_context():
        audit.record(db.session(), audit.LOGIN_SUCCESS, "auditor", 1)
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError, match="append-only"):
            db.session.execute(sa.text("DELETE FROM access_log"))
        db.session.remove()


@pytest.mark.postgres
def test_postgres_refuses_the_app_role_to_rewrite_the_log(pg_app: Flask) -> None:
    append_three(pg_app)
    with tenant_session(pg_app, "regasu") as session:
        for statement in (
            "UPDATE access_log SET detail = 'x'",
            "DELETE FROM access_log",
            "TRUNCATE access_log",
            "DELETE FROM access_log_head",
            "INSERT INTO access_log_head (id, last_id) VALUES (2, 0)",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                session.execute(sa.text(statement))
            session.rollback()
        assert session.scalar(sa.text("SELECT count(*) FROM access_log")) == 3
    with pg_app.app_context():
        for statement in (
            "UPDATE platform.access_log SET detail = 'x'",
            "DELETE FROM platform.access_log",
            "UPDATE platform.finding_reviews SET comment = 'x'",
            "DELETE FROM platform.finding_reviews",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        db.session.remove()


@pytest.mark.postgres
def test_a_tenant_cannot_read_another_tenants_log(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        with pytest.raises(sa.exc.ProgrammingError) as info:
            session.execute(sa.text("SELECT * FROM tenant_genkikan.access_log"))
        assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)


# --- tampering as the superuser is detected ------------------------------------------------


def test_sqlite_altered_entry_is_named(sqlite_app: Flask) -> None:
    append_three(sqlite_app)
    with raw_sqlite(sqlite_app, "regasu") as conn:
        conn.execute("UPDATE access_log SET actor_label = 'someone-else' WHERE id = 2")
    code, report = verify(sqlite_app, "--tenant", "regasu")
    assert code == 1 and report["broken_id"] == 2
    assert "hash mismatch at entry 2" in report["problem"]
    plain = sqlite_app.test_cli_runner().invoke(args=["audit", "verify", "--tenant", "regasu"])
    assert plain.exit_code == 1 and "BROKEN at entry 2" in plain.output


def test_sqlite_rehashed_entry_breaks_the_next_link(sqlite_app: Flask) -> None:
    append_three(sqlite_app)
    entry = entries_after(sqlite_app, "regasu", 1)[0]
    fields = dataclasses.asdict(entry) | {"detail": "forged"}
    forged = entry_hash(entry.prev_hash, fields)  # a consistent hash for the altered entry
    with raw_sqlite(sqlite_app, "regasu") as conn:
        conn.execute("UPDATE access_log SET detail = 'forged', hash = ? WHERE id = 2", (forged,))
    code, report = verify(sqlite_app, "--tenant", "regasu")
    assert code == 1 and report["broken_id"] == 3
    assert "prev_hash of entry 3" in report["problem"]


def test_sqlite_removed_entries_are_named(sqlite_app: Flask) -> None:
    append_three(sqlite_app)
    append_three(sqlite_app)
    with raw_sqlite(sqlite_app, "regasu") as conn:
        conn.execute("DELETE FROM access_log WHERE id = 3")
    code, report = verify(sqlite_app, "--tenant", "regasu")
    assert code == 1 and report["broken_id"] == 3
    assert "entry 3 is missing" in report["problem"]
    append_three(sqlite_app, "genkikan")
    with raw_sqlite(sqlite_app, "genkikan") as conn:
        conn.execute("DELETE FROM access_log WHERE id = 3")  # the newest entry
    code, report = verify(sqlite_app, "--tenant", "genkikan")
    assert code == 1 and report["broken_id"] == 3 and "head" in report["problem"]


@pytest.mark.postgres
def test_postgres_superuser_tampering_is_named(pg_app: Flask, pg_database: PgDatabase) -> None:
    ids = append_three(pg_app)
    target = ids[1]
    with pg_database.connect_admin() as conn:
        original = conn.execute(
            "SELECT detail FROM tenant_regasu.access_log WHERE id = %s", (target,)
        ).fetchone()
        conn.execute(
            "UPDATE tenant_regasu.access_log SET detail = 'edited' WHERE id = %s", (target,)
        )
        conn.commit()
        try:
            code, report = verify(pg_app, "--tenant", "regasu")
            assert code == 1 and report["broken_id"] == target
            assert f"hash mismatch at entry {target}" in report["problem"]
        finally:
            conn.execute(
                "UPDATE tenant_regasu.access_log SET detail = %s WHERE id = %s",
                (original[0], target),
            )
            conn.commit()
        assert verify(pg_app, "--tenant", "regasu")[0] == 0

        saved = conn.execute(
            "SELECT * FROM tenant_regasu.access_log WHERE id = %s", (target,)
        ).fetchone()
        conn.execute("DELETE FROM tenant_regasu.access_log WHERE id = %s", (target,))
        conn.commit()
        try:
            code, report = verify(pg_app, "--tenant", "regasu")
            assert code == 1 and report["broken_id"] == target
            assert f"entry {target} is missing" in report["problem"]
        finally:
            marks = ", ".join(["%s"] * len(saved))
            conn.execute(f"INSERT INTO tenant_regasu.access_log VALUES ({marks})", saved)
            conn.commit()
    assert verify(pg_app, "--tenant", "regasu")[0] == 0


def test_synthetic_entries_keep_the_chain(app: Flask) -> None:
    with tenant_session(app, "regasu") as session:
        add_entry(session, audit.VIEW, at=utc(2031, 1, 1, 3))
        add_entry(session, audit.VIEW, at=utc(2030, 1, 1, 3))  # time need not be monotonic
        session.commit()
        assert verify_log(session).ok


def test_record_for_tenant_logs_in_that_tenants_log(any_app: Flask) -> None:
    ward = audit.Actor("auditor", 7, "ward-person", "auditor", "192.0.2.7")
    before = {slug: last_id(any_app, slug) for slug in ("regasu", "genkikan")}
    with any_app.app_context():  # unbound, as an auditor's request is
        audit.record_for_tenant(any_app, "regasu", audit.VIEW, "group", 5, actor=ward)
    with tenant_session(any_app, "genkikan") as session:  # bound to another tenant
        audit.record_for_tenant(any_app, "regasu", audit.VIEW, "group", 6, actor=ward)
        audit.record_for_tenant(any_app, "genkikan", audit.VIEW, "group", 7, actor=ward)
        assert session.info  # still bound to genkikan
    rows = entries_after(any_app, "regasu", before["regasu"])
    assert [(r.record_id, r.actor_kind, r.actor_label) for r in rows] == [
        ("5", "auditor", "ward-person"),
        ("6", "auditor", "ward-person"),
    ]
    assert [r.record_id for r in entries_after(any_app, "genkikan", before["genkikan"])] == ["7"]


@pytest.mark.postgres
def test_concurrent_appends_stay_one_chain(pg_app: Flask) -> None:
    def append_many(n: int) -> None:
        for i in range(10):
            with tenant_session(pg_app, "regasu") as session:
                audit.record(session, audit.VIEW, "group", n * 100 + i)
                time.sleep(0.001)
                session.commit()

    before = last_id(pg_app, "regasu")
    threads = [threading.Thread(target=append_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "an appender is still running (deadlock?)"
    rows = entries_after(pg_app, "regasu", before)
    assert [r.id for r in rows] == list(range(before + 1, before + 41))
    assert verify(pg_app, "--tenant", "regasu")[0] == 0
