"""A restore after a purge: the person stays erased, the certificate chain is whole again,
and the restore is on the record (tenant log and platform log) with the backup's digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from shisetsu.audit.models import AccessLog, PlatformAccessLog
from shisetsu.dates import add_months_clamped as add_months
from shisetsu.extensions import db
from shisetsu.groups.models import Group
from shisetsu.jobs.runner import run_in_app
from shisetsu.retention.jobs import PURGE_JOB
from shisetsu.retention.models import PurgedRecord
from shisetsu.retention.operations import ERASED
from shisetsu.tenancy.binding import tenant_session
from tests.support.groups import today_in_tokyo
from tests.support.retention import certificates, synthetic, traces

SLUG = "genkikan"


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_restore_after_a_purge_leaves_the_person_erased(
    keyed_app: Flask,
    pg,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    app, file = keyed_app, tmp_path / "genkikan.backup"
    person = synthetic(app, SLUG, ended=add_months(today_in_tokyo(), -13))
    assert run(app, "backup", "--tenant", SLUG, str(file))[0] == 0
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    purged = run_in_app(app, SLUG, PURGE_JOB)
    assert person.group_id in purged["groups"]
    issued = certificates(app, SLUG)

    code, out = run(app, "restore", "--tenant", SLUG, str(file), "--yes")
    assert code == 0, out
    assert purged["certificate"] in out

    assert traces(app, SLUG, person.needles, pg) == []
    assert certificates(app, SLUG) == issued  # the same certificates, re-inserted unchanged
    with tenant_session(app, SLUG) as session:
        group = session.get(Group, person.group_id)
        assert group is not None and group.representative_name == ERASED
        tomb = sa.select(PurgedRecord).where(PurgedRecord.record_id == person.group_id)
        assert session.scalar(tomb) is not None
        last = session.scalar(sa.select(AccessLog).order_by(AccessLog.id.desc()).limit(1))
        assert last is not None and last.action == "restore"
        assert last.record_id == digest[:16] and "1 certificate(s) re-applied" in (
            last.detail or ""
        )
    with app.app_context():
        entry = db.session.scalar(
            sa.select(PlatformAccessLog).where(PlatformAccessLog.action == "restore")
        )
        assert entry is not None and entry.record_id == SLUG
        assert digest[:16] in (entry.detail or "")

    for command in (("retention", "verify"), ("audit", "verify")):
        code, out = run(app, *command, "--tenant", SLUG)
        assert code == 0, out
    assert run(app, "audit", "verify", "--platform")[0] == 0


def test_restore_with_nothing_erased_since_is_still_recorded(
    keyed_app: Flask, tmp_path: Path
) -> None:
    app, file = keyed_app, tmp_path / "regasu.backup"
    assert run(app, "backup", "--tenant", "regasu", str(file))[0] == 0
    code, out = run(app, "restore", "--tenant", "regasu", str(file), "--yes")
    assert code == 0, out
    assert "re-applied: none" in out
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PlatformAccessLog)
            .where(PlatformAccessLog.action == "restore")
        )
    assert count == 1
    assert run(app, "audit", "verify", "--tenant", "regasu")[0] == 0
