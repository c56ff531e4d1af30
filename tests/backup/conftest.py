"""An app on each database with a backup key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask import Flask


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def keyed_app(request: pytest.FixtureRequest) -> Flask:
    """``any_app`` with a fresh Fernet backup key."""
    name = "sqlite_app" if request.param == "sqlite" else "pg_app"
    app: Flask = request.getfixturevalue(name)
    app.config["BACKUP_KEY"] = Fernet.generate_key().decode()
    return app


@pytest.fixture
def pg(request: pytest.FixtureRequest, keyed_app: Flask):  # type: ignore[no-untyped-def]
    """The PostgreSQL database when ``keyed_app`` runs on it (for the admin-side scan)."""
    if keyed_app.config["DATABASE_URL"]:
        return request.getfixturevalue("pg_database")
    return None
