"""Migrations and models never drift: autogenerate finds nothing left to do after migrating.

A model change without a migration (or a migration the models don't match) fails here,
for the tenant tables and the shared platform tables, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from shisetsu.db import Base, PlatformBase
from shisetsu.models import import_all_models
from shisetsu.provisioning import migrate
from shisetsu.tenancy.engines import platform_sqlite_path, tenant_sqlite_path
from tests.fixtures.apps import PgDatabase

import_all_models()


def not_alembic(name: str | None, type_: str, parent_names: Any) -> bool:
    return not (type_ == "table" and name == "alembic_version")


def platform_only(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "schema":
        return name == "platform"
    return not_alembic(name, type_, parent_names)


def differences(conn: sa.Connection, metadata: sa.MetaData, **opts: Any) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True, **opts})
    return compare_metadata(context, metadata)


def test_models_know_both_schemas() -> None:
    assert {"facilities", "rooms"} <= set(Base.metadata.tables)
    assert "platform.tenants" in PlatformBase.metadata.tables
    assert not set(Base.metadata.tables) & set(PlatformBase.metadata.tables)


def test_sqlite_tenant_file_matches_the_models(sqlite_app: Flask) -> None:
    for slug in ("regasu", "genkikan"):
        engine = sa.create_engine(f"sqlite:///{tenant_sqlite_path(sqlite_app, slug)}")
        with engine.connect() as conn:
            assert migrate.current(conn) == migrate.head("tenant")
            assert differences(conn, Base.metadata, include_name=not_alembic) == []
        engine.dispose()


def test_sqlite_platform_file_matches_the_models(sqlite_app: Flask) -> None:
    engine = sa.create_engine("sqlite://")
    platform_file = platform_sqlite_path(sqlite_app)

    @sa.event.listens_for(engine, "connect")
    def attach(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("ATTACH DATABASE ? AS platform", (str(platform_file),))

    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT version_num FROM platform.alembic_version")) == (
            migrate.head("platform")
        )
        found = differences(
            conn, PlatformBase.metadata, include_schemas=True, include_name=platform_only
        )
        assert found == []
    engine.dispose()


@pytest.mark.postgres
def test_postgres_schemas_match_the_models(pg_database: PgDatabase) -> None:
    engine = sa.create_engine(pg_database.admin_url)
    try:
        with engine.connect() as conn:
            found = differences(
                conn, PlatformBase.metadata, include_schemas=True, include_name=platform_only
            )
            assert found == []
            for schema in ("tenant_regasu", "tenant_genkikan"):
                conn.execute(sa.text("SELECT set_config('search_path', :s, false)"), {"s": schema})
                assert migrate.current(conn, schema) == migrate.head("tenant")
                assert differences(conn, Base.metadata, include_name=not_alembic) == []
            conn.rollback()
    finally:
        engine.dispose()
