"""Engines: a small pool per tenant login role on PostgreSQL, one per SQLite tenant file.

The app's own engine (``db.engine``) serves only the platform schema. A tenant-bound
session gets the engine of its binding's login role, which can reach that tenant's schema
and nothing else. Those engines are created on first use, each with a small pool
(``TENANT_POOL_SIZE`` kept open, ``TENANT_POOL_OVERFLOW`` more under load), and at most
``TENANT_POOLS_MAX`` stay open per process: the least recently used one is disposed first.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from shisetsu.tenancy.credentials import role_password
from shisetsu.tenancy.names import BoundTenant

ENGINES_KEY = "shisetsu.tenant_engines"
_POOLS_LOCK = threading.Lock()  # guards every app's engine cache (lookups are microseconds)


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


class NoTenantRole(RuntimeError):
    """A PostgreSQL tenant without a login role in the registry (not yet converted)."""


def tenant_engine(tenant: BoundTenant) -> sa.Engine:
    """The engine serving ``tenant``: its login role's pool, or its own SQLite file."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    path, role = tenant.sqlite_path, tenant.role
    if path is not None:
        return cached_engine(
            app, f"sqlite:{path}", lambda: sqlite_engine(path, platform_sqlite_path(app))
        )
    if role is None:
        raise NoTenantRole(
            f"tenant {tenant.slug!r} has no database role: run `shisetsu tenants migrate`"
        )
    return cached_engine(app, f"role:{role}", lambda: role_engine(app, role, tenant.schema))


def cached_engine(app: Flask, key: str, build: Callable[[], sa.Engine]) -> sa.Engine:
    """The engine cached under ``key``, built on first use; evicts the least recently used."""
    evicted: list[sa.Engine] = []
    with _POOLS_LOCK:
        engines: OrderedDict[str, sa.Engine] = app.extensions.setdefault(ENGINES_KEY, OrderedDict())
        engine = engines.get(key)
        if engine is not None:
            engines.move_to_end(key)
            return engine
        engine = engines[key] = build()
        limit = max(1, int(app.config["TENANT_POOLS_MAX"]))
        while len(engines) > limit:
            evicted.append(engines.popitem(last=False)[1])
    for old in evicted:
        retire(old)
    return engine


def retire(engine: sa.Engine) -> None:
    """Close ``engine``'s idle connections now, and each one still in use when it returns."""
    sa.event.listen(engine.pool, "checkin", _close_on_checkin)
    engine.dispose()


def _close_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.close()


def open_engine_keys(app: Flask) -> list[str]:
    """The cached engines' keys, least recently used first (``role:<name>``, ``sqlite:…``)."""
    with _POOLS_LOCK:
        return list(app.extensions.get(ENGINES_KEY, {}))


def role_engine(app: Flask, role: str, schema: str) -> sa.Engine:
    """An engine logging in as ``role`` (password derived), its search path on ``schema``."""
    cfg = app.config
    url = sa.make_url(cfg["DATABASE_URL"]).set(
        username=role, password=role_password(str(cfg["DATABASE_ROLE_SECRET"]), role)
    )
    return sa.create_engine(
        url,
        pool_size=int(cfg["TENANT_POOL_SIZE"]),
        max_overflow=int(cfg["TENANT_POOL_OVERFLOW"]),
        pool_pre_ping=True,
        # The schema name is a validated slug with a prefix: no quoting needed.
        connect_args={"options": f"-c search_path={schema}"},
    )


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
    """Close every cached tenant engine (tests, restore, migration, app shutdown)."""
    with _POOLS_LOCK:
        engines = app.extensions.pop(ENGINES_KEY, {})
    for engine in engines.values():
        engine.dispose()
