"""PostgreSQL isolation is enforced by the database, not by remembering a filter.

The app logs in as a NOINHERIT role that serves only the platform schema; a tenant-bound
session runs on connections logged in as that tenant's own role, searching its schema, so
another tenant's schema is "permission denied" even for raw SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask

from shisetsu.extensions import db
from shisetsu.facilities.models import Facility, Room
from shisetsu.provisioning import migrate
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.names import InvalidSlug, role_name, role_prefix, ward_role_name
from tests.fixtures.apps import PgDatabase, _dispose, make_app
from tests.support.tenants import ward_toml

pytestmark = pytest.mark.postgres
TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def scalar(conn: psycopg.Connection, sql: str, *params: object) -> object:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def role(pg: PgDatabase, slug: str) -> str:
    """The tenant's role in this test database (roles are cluster-wide: never match others')."""
    return role_name(role_prefix(pg.name), slug)


def ward_role(pg: PgDatabase, slug: str) -> str:
    """The tenant's ward role in this test database."""
    return ward_role_name(role_prefix(pg.name), slug)


def leftovers(pg: PgDatabase, slug: str) -> dict[str, object]:
    """What exists for ``slug``: its schema, its role, its registry row."""
    with pg.connect_admin() as conn:
        return {
            "schema": scalar(
                conn, "SELECT count(*) FROM pg_namespace WHERE nspname = %s", f"tenant_{slug}"
            ),
            "role": scalar(
                conn,
                "SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)",
                role(pg, slug),
                ward_role(pg, slug),
            ),
            "registry": scalar(conn, "SELECT count(*) FROM platform.tenants WHERE slug = %s", slug),
        }


NOTHING = {"schema": 0, "role": 0, "registry": 0}


@pytest.fixture
def extra_tenants(pg_database: PgDatabase) -> Iterator[list[str]]:
    """Slugs a test creates; dropped afterwards by name (schema, role, registry row)."""
    slugs: list[str] = []
    yield slugs
    with pg_database.connect_admin() as conn:
        for slug in slugs:
            conn.execute("DELETE FROM platform.tenants WHERE slug = %s", (slug,))
            conn.execute(f'DROP SCHEMA IF EXISTS "tenant_{slug}" CASCADE')
            conn.execute(f'DROP ROLE IF EXISTS "{role(pg_database, slug)}"')
            conn.execute(f'DROP ROLE IF EXISTS "{ward_role(pg_database, slug)}"')


# --- reading another tenant -----------------------------------------------------------


def test_raw_sql_into_another_tenant_is_permission_denied(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        with pytest.raises(sa.exc.ProgrammingError) as info:
            session.execute(sa.text("SELECT * FROM tenant_genkikan.rooms"))
        assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
        assert "permission denied" in str(info.value.orig)


def test_bound_session_reads_its_own_tables(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        codes = set(session.scalars(sa.text("SELECT code FROM rooms")))
        schema = session.scalar(sa.text("SELECT current_schema()"))
    assert schema == "tenant_regasu"
    assert "main-arena" in codes
    assert not codes & {"kitchen", "meeting-a"}  # Genkikan's rooms


def test_orm_queries_see_only_their_own_tenant(pg_app: Flask) -> None:
    found = {}
    for slug in ("regasu", "genkikan"):
        with tenant_session(pg_app, slug) as session:
            found[slug] = set(session.scalars(sa.select(Facility.code)))
            assert (
                session.scalar(sa.select(sa.func.count(Room.id)))
                == {"regasu": 19, "genkikan": 5}[slug]
            )
    assert found["genkikan"] == {"genkikan"}
    assert "genkikan" not in found["regasu"]
    assert "history-museum" in found["regasu"]


def test_unbound_app_role_cannot_read_any_tenant(pg_app: Flask) -> None:
    # The app's login role has no privilege on any tenant schema, and no membership.
    for schema in ("tenant_regasu", "tenant_genkikan"):
        with pg_app.app_context():
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                db.session.execute(sa.text(f"SELECT * FROM {schema}.rooms"))
            db.session.remove()


def test_tenant_role_cannot_change_the_schema(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.text("CREATE TABLE notes (id int)"))
        session.rollback()
        with pytest.raises(sa.exc.ProgrammingError, match="must be owner"):
            session.execute(sa.text("ALTER TABLE rooms ADD COLUMN x int"))


def test_tenant_role_cannot_touch_migration_history(pg_app: Flask) -> None:
    with tenant_session(pg_app, "regasu") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM facilities")) > 0
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.text("DELETE FROM alembic_version"))


# --- a tenant's connections are its own ------------------------------------------------


@pytest.fixture
def one_connection_app(pg_database: PgDatabase, tmp_path: Path) -> Iterator[Flask]:
    """An app whose pools (its own and each tenant's) hold exactly one connection each."""
    app = make_app(
        tmp_path,
        **pg_database.overrides(),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
        TENANT_POOL_SIZE=1,
        TENANT_POOL_OVERFLOW=0,
    )
    yield app
    _dispose(app)


STATE = "SELECT pg_backend_pid(), current_user, current_setting('search_path')"


def connection_state(app: Flask) -> tuple[int, str, str]:
    with app.app_context(), db.engine.connect() as conn:
        row = conn.execute(sa.text(STATE)).one()
    return row[0], row[1], row[2]


@pytest.mark.parametrize("end", ["commit", "rollback", "error"])
def test_tenant_connections_are_the_tenants_role_never_the_apps(
    one_connection_app: Flask, pg_database: PgDatabase, end: str
) -> None:
    pid_app, user_app, path_app = connection_state(one_connection_app)
    assert user_app == pg_database.app_role
    assert "tenant" not in path_app
    pids = set()
    for _ in range(2):
        with tenant_session(one_connection_app, "regasu") as session:
            pid, user, path = session.execute(sa.text(STATE)).one()
            assert (user, path) == (role(pg_database, "regasu"), "tenant_regasu")
            pids.add(pid)
            if end == "error":
                with pytest.raises(sa.exc.ProgrammingError):
                    session.execute(sa.text("SELECT * FROM tenant_genkikan.rooms"))
            if end == "commit":
                session.commit()
            else:
                session.rollback()
    assert len(pids) == 1  # the tenant's one pooled connection, reused
    assert pid_app not in pids
    assert connection_state(one_connection_app) == (pid_app, user_app, path_app)


def test_each_tenant_has_its_own_connections(one_connection_app: Flask) -> None:
    seen = {}
    for slug in ("genkikan", "regasu", "genkikan"):
        with tenant_session(one_connection_app, slug) as session:
            pid, user, _path = session.execute(sa.text(STATE)).one()
            assert user.endswith(f"_t_{slug}")
            assert seen.setdefault(slug, pid) == pid
    assert seen["genkikan"] != seen["regasu"]


# --- creating and migrating tenants ---------------------------------------------------


def alembic_version(pg: PgDatabase, slug: str) -> tuple[str | None, int | None]:
    """The tenant's recorded revision and the row's xmin (changes whenever it is written)."""
    with pg.connect_admin() as conn:
        row = conn.execute(
            f'SELECT version_num, xmin::text::bigint FROM "tenant_{slug}".alembic_version'
        ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def test_two_tenants_created_and_migrated_independently(
    pg_app: Flask, pg_database: PgDatabase, tmp_path: Path, extra_tenants: list[str]
) -> None:
    head = migrate.head("tenant")
    for slug in ("kumin_a", "kumin_b"):
        extra_tenants.append(slug)
        created = provisioning.create_tenant(pg_app, slug, ward_toml(tmp_path, slug))
        assert created.tenant.schema_name == f"tenant_{slug}"
        assert alembic_version(pg_database, slug)[0] == head
    untouched = alembic_version(pg_database, "kumin_b")

    # Take kumin_a back to an empty schema; kumin_b must not notice.
    with provisioning.admin_connection(pg_app) as conn:
        conn.execute(sa.text("SELECT set_config('search_path', 'tenant_kumin_a', true)"))
        command.downgrade(migrate._config("tenant", conn, "tenant_kumin_a"), "base")
    assert alembic_version(pg_database, "kumin_a") == (None, None)
    assert alembic_version(pg_database, "kumin_b") == untouched

    tenant_a = next(t for t in provisioning.list_tenants(pg_app) if t.slug == "kumin_a")
    provisioning.migrate_tenant(pg_app, tenant_a)
    assert alembic_version(pg_database, "kumin_a")[0] == head
    assert alembic_version(pg_database, "kumin_b") == untouched

    # The new tenant is isolated like the shipped ones.
    with tenant_session(pg_app, "kumin_a") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM facilities")) == 0  # emptied
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.text("SELECT * FROM tenant_kumin_b.rooms"))
    with tenant_session(pg_app, "kumin_b") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == 5


def test_create_refuses_a_duplicate_slug(pg_app: Flask) -> None:
    with pytest.raises(provisioning.ProvisioningError, match="already exists"):
        provisioning.create_tenant(pg_app, "genkikan")
    with tenant_session(pg_app, "genkikan") as session:
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == 5


def test_create_failing_midway_leaves_nothing(
    pg_app: Flask,
    pg_database: PgDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra_tenants: list[str],
) -> None:
    extra_tenants.append("kumin_c")  # cleaned up even if the rollback did not happen
    path = ward_toml(tmp_path, "kumin_c")

    def broken_sync(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "sync_facilities", broken_sync)
    with pytest.raises(RuntimeError, match="disk full"):
        provisioning.create_tenant(pg_app, "kumin_c", path)
    assert leftovers(pg_database, "kumin_c") == NOTHING

    monkeypatch.undo()
    provisioning.create_tenant(pg_app, "kumin_c", path)  # the slug is still free
    assert leftovers(pg_database, "kumin_c") == {"schema": 1, "role": 2, "registry": 1}


@pytest.mark.parametrize("slug", ["Bad-Slug", "x", "api", "1abc", 'a"; DROP SCHEMA platform; --'])
def test_invalid_slug_refused_before_the_database(
    pg_app: Flask, monkeypatch: pytest.MonkeyPatch, slug: str
) -> None:
    def no_database(app: Flask) -> None:
        raise AssertionError("touched the database")

    monkeypatch.setattr(provisioning, "admin_connection", no_database)
    with pytest.raises(InvalidSlug):
        provisioning.create_tenant(pg_app, slug, TENANTS / "genkikan" / "tenant.toml")
