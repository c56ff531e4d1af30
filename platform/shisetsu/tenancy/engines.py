"""Engines: one for PostgreSQL (isolation by role and schema), one per SQLite tenant file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from shisetsu.extensions import db
from shisetsu.tenancy.names import BoundTenant

ENGINES_KEY = "shisetsu.tenant_engines"


def is_postgres(app: Flask | None = None) -> bool:
    """True when the app's database is PostgreSQL (else the embedded SQLite files)."""
    url = str((app or current_app).config["DATABASE_URL"])
    return url.startswith("postgresql")


def platform_sqlite_path(app: Flask) -> Path:
    """The SQLite file holding the platform schema."""
    database = sa.make_url(app.config["DATABASE_URL"]).database
    assert database, "SQLite platform database must be a file"
    return Path(database)


def tenant_sqlite_path(app: Flask, slug: str) -> Path:
    """The SQLite file holding one tenant's tables."""
    return platform_sqlite_path(app).parent / "tenants" / f"{slug}.db"


def tenant_engine(tenant: BoundTenant) -> sa.Engine:
    """The engine serving ``tenant``: the shared one on PostgreSQL, its own file on SQLite."""
    if tenant.sqlite_path is None:
        return db.engine
    engines: dict[str, sa.Engine] = current_app.extensions.setdefault(ENGINES_KEY, {})
    engine = engines.get(tenant.slug)
    if engine is None:
        engine = sqlite_engine(tenant.sqlite_path, platform_sqlite_path(current_app))
        engines[tenant.slug] = engine
    return engine


def sqlite_engine(path: Path, platform_path: Path | None = None) -> sa.Engine:
    """A SQLite engine for ``path`` with the platform file attached as ``platform``."""
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute("PRAGMA busy_timeout = 5000")
        if platform_path is not None:
            dbapi_conn.execute("ATTACH DATABASE ? AS platform", (str(platform_path),))

    return engine


def dispose_tenant_engines(app: Flask) -> None:
    """Close every cached SQLite tenant engine (tests, restore, app shutdown)."""
    for engine in app.extensions.pop(ENGINES_KEY, {}).values():
        engine.dispose()
