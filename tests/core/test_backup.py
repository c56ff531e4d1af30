"""Encrypted per-tenant backups; restoring one tenant leaves the others alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask

from shisetsu.facilities.models import Room
from shisetsu.tenancy.binding import tenant_session

A, B = "genkikan", "regasu"


def _first_room(session: sa.orm.Session) -> Room:
    room = session.scalar(sa.select(Room).order_by(Room.id).limit(1))
    assert room is not None
    return room


def capacity(app: Flask, slug: str) -> int:
    with tenant_session(app, slug) as session:
        return _first_room(session).capacity


def set_capacity(app: Flask, slug: str, value: int) -> None:
    with tenant_session(app, slug) as session:
        _first_room(session).capacity = value
        session.commit()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backup_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app on each database with a backup key; PostgreSQL room values are put back after."""
    name = "sqlite_app" if request.param == "sqlite" else "pg_app"
    app: Flask = request.getfixturevalue(name)
    app.config["BACKUP_KEY"] = Fernet.generate_key().decode()
    before = {slug: capacity(app, slug) for slug in (A, B)}
    yield app
    for slug, value in before.items():  # the PostgreSQL database is shared by the session
        set_capacity(app, slug, value)


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_restore_one_tenant_leaves_the_other(backup_app: Flask, tmp_path: Path) -> None:
    app, file = backup_app, tmp_path / "genkikan.backup"
    a0, b0 = capacity(app, A), capacity(app, B)
    code, out = run(app, "backup", "--tenant", A, str(file))
    assert code == 0, out
    data = file.read_bytes()
    assert "多目的室".encode() not in data and b"multipurpose" not in data
    assert b"CREATE TABLE" not in data and b"SQLite format" not in data

    set_capacity(app, A, a0 + 11)
    set_capacity(app, B, b0 + 22)
    code, out = run(app, "restore", "--tenant", A, str(file), "--yes")
    assert code == 0, out
    assert capacity(app, A) == a0
    assert capacity(app, B) == b0 + 22
    # The restored tenant still works for the app afterwards (grants, cached engines).
    set_capacity(app, A, a0 + 1)
    assert capacity(app, A) == a0 + 1


def test_wrong_key_fails_cleanly(backup_app: Flask, tmp_path: Path) -> None:
    app, file = backup_app, tmp_path / "a.backup"
    assert run(app, "backup", "--tenant", A, str(file))[0] == 0
    app.config["BACKUP_KEY"] = Fernet.generate_key().decode()
    set_capacity(app, A, 7)
    code, out = run(app, "restore", "--tenant", A, str(file), "--yes")
    assert code != 0
    assert "cannot decrypt: wrong BACKUP_KEY or not a Shisetsu backup" in out
    assert "Traceback" not in out
    assert capacity(app, A) == 7


def test_refusals(sqlite_app: Flask, tmp_path: Path) -> None:
    app, file = sqlite_app, tmp_path / "a.backup"
    code, out = run(app, "backup", "--tenant", A, str(file))
    assert code != 0 and "Fernet.generate_key()" in out and not file.exists()

    app.config["BACKUP_KEY"] = Fernet.generate_key().decode()
    assert run(app, "backup", "--tenant", A, str(file))[0] == 0
    code, out = run(app, "restore", "--tenant", B, str(file), "--yes")
    assert code != 0 and "backup is of tenant 'genkikan'" in out
    code, out = run(app, "restore", "--tenant", A, str(file))  # no stdin: not confirmed
    assert code != 0 and "cancelled" in out
    code, out = run(app, "backup", "--tenant", "nosuch", str(file))
    assert code != 0 and "no tenant" in out
    (tmp_path / "junk").write_bytes(b"not a backup")
    code, out = run(app, "restore", "--tenant", A, str(tmp_path / "junk"), "--yes")
    assert code != 0 and "cannot decrypt" in out
