"""Backups expire on the tenant's schedule: the file goes, the ledger row stays, marked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from shisetsu.backup.models import BackupRecord
from shisetsu.backup.operations import backup_tenant
from shisetsu.extensions import db
from shisetsu.jobs.runner import run_in_app
from shisetsu.jobs.schedule import SCHEDULE

EXPIRE_JOB = "shisetsu.backup.jobs.expire_job"


def ledger(app: Flask) -> list[BackupRecord]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(BackupRecord).order_by(BackupRecord.id)))
        db.session.expunge_all()
    return rows


def age(app: Flask, record_id: int, days: int) -> None:
    with app.app_context():
        row = db.session.get(BackupRecord, record_id)
        assert row is not None
        row.taken_at -= timedelta(days=days)
        db.session.commit()


def test_the_job_is_scheduled() -> None:
    assert EXPIRE_JOB in {job.func_path for job in SCHEDULE}


def test_backups_older_than_backup_days_are_deleted(keyed_app: Flask, tmp_path: Path) -> None:
    app = keyed_app
    old, recent, other = tmp_path / "old", tmp_path / "recent", tmp_path / "other"
    backup_tenant(app, "regasu", old)
    backup_tenant(app, "regasu", recent)
    backup_tenant(app, "genkikan", other)
    first, second, third = ledger(app)
    assert first.tenant_slug == "regasu" and len(first.sha256) == 64
    age(app, first.id, 36)  # the shipped tenants keep backups 35 days
    age(app, second.id, 34)
    age(app, third.id, 40)  # another tenant's: not this tenant's job

    result = run_in_app(app, "regasu", EXPIRE_JOB)

    assert result == {"expired": [first.sha256]}
    assert not old.exists() and recent.exists() and other.exists()
    rows = {row.id: row for row in ledger(app)}
    assert rows[first.id].expired_at is not None
    assert rows[second.id].expired_at is None and rows[third.id].expired_at is None
    assert run_in_app(app, "regasu", EXPIRE_JOB) == {"expired": []}
