"""The tenant chains' heads are anchored on the platform side: a rewind (a tenant put back
to an older copy without a recorded restore) is reported by both verifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from shisetsu import audit
from shisetsu.audit import anchors
from shisetsu.audit.models import AccessLogHead
from shisetsu.backup.operations import backup_tenant, restore_tenant
from shisetsu.dates import add_months_clamped as add_months
from shisetsu.extensions import db
from shisetsu.jobs.runner import run_in_app
from shisetsu.retention.jobs import PURGE_JOB
from shisetsu.tenancy.binding import tenant_session
from tests.support.groups import today_in_tokyo
from tests.support.retention import synthetic

SLUG = "genkikan"


@pytest.fixture
def app(any_app: Flask) -> Flask:
    any_app.config["BACKUP_KEY"] = Fernet.generate_key().decode()
    return any_app


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def head(app: Flask) -> tuple[int, str | None]:
    with tenant_session(app, SLUG) as session:
        row = session.get(AccessLogHead, 1)
        assert row is not None
        return int(row.last_id), row.last_hash


def test_the_anchor_follows_commits_not_rollbacks(app: Flask) -> None:
    with tenant_session(app, SLUG) as session:
        audit.record(session, audit.VIEW, "group", 1)
        session.commit()
    committed = head(app)
    with app.app_context():
        assert anchors.anchor_of(SLUG, anchors.ACCESS_LOG) == committed
    with tenant_session(app, SLUG) as session:
        audit.record(session, audit.VIEW, "group", 2)
        session.rollback()
    with app.app_context():
        assert anchors.anchor_of(SLUG, anchors.ACCESS_LOG) == committed
        assert anchors.anchor_of("regasu", anchors.ACCESS_LOG) != committed


def test_a_forced_rewind_is_detected_by_both_verifiers(app: Flask, tmp_path: Path) -> None:
    file = tmp_path / "old.backup"
    synthetic(app, SLUG, ended=add_months(today_in_tokyo(), -13))
    backup_tenant(app, SLUG, file)
    assert run_in_app(app, SLUG, PURGE_JOB)["certificate"] is not None
    for command in (("audit", "verify"), ("retention", "verify")):
        code, out = run(app, *command, "--tenant", SLUG)
        assert code == 0, out
    newest = head(app)[0]

    restore_tenant(app, SLUG, file)  # the data put back, nothing recorded: a rewind

    assert head(app)[0] < newest  # the tenant's own chain looks intact on its own
    code, out = run(app, "audit", "verify", "--tenant", SLUG)
    assert code == 1 and "anchor" in out, out
    code, out = run(app, "retention", "verify", "--tenant", SLUG)
    assert code == 1 and "REWOUND" in out, out


def test_a_replaced_chain_of_the_same_length_is_detected(app: Flask) -> None:
    """The anchored link must carry the anchored hash, not just exist."""
    with tenant_session(app, SLUG) as session:
        audit.record(session, audit.VIEW, "group", 1)
        session.commit()
    last_id, _hash = head(app)
    with app.app_context(), db.engine.begin() as conn:
        anchors.reset(conn, SLUG, anchors.ACCESS_LOG, last_id, "0" * 64)
    code, out = run(app, "audit", "verify", "--tenant", SLUG)
    assert code == 1 and "replaced" in out, out
