"""PostgreSQL: a tenant-bound connection cannot become anyone else, even through injected SQL.

Each tenant has its own login role (``<db>_t_<slug>``) and the ward a read-only one per
tenant (``<db>_w_<slug>``); none is a member of any role and none has members, so ``SET
ROLE`` and ``SET SESSION AUTHORIZATION`` lead nowhere. Their pools open on first use, are
capped per process and the least recently used one is closed first. ``shisetsu tenants
migrate`` converts an installation whose app role was a member of every tenant role.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.audit.models import AccessLog
from shisetsu.audit.operations import Actor
from shisetsu.booking import operations as booking_ops
from shisetsu.booking.models import Booking
from shisetsu.extensions import db
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.credentials import role_password, scram_verifier, verifier_matches
from shisetsu.tenancy.engines import open_engine_keys, tenant_engine
from shisetsu.tenancy.names import BoundTenant, role_name, role_prefix, ward_role_name
from shisetsu.ward.console import read_tenant
from tests.fixtures.apps import PgDatabase, _dispose, make_app
from tests.fixtures.auth import sign_in_as
from tests.fixtures.services import POSTGRES_URL as SERVER
from tests.support.booking import member, open_day, slot
from tests.support.tenants import ward_toml

pytestmark = pytest.mark.postgres
AUDITOR = Actor("auditor", 1, "監査 太郎", "auditor")
DENIED = psycopg.errors.InsufficientPrivilege


def tenant_role(pg: PgDatabase, slug: str) -> str:
    return role_name(role_prefix(pg.name), slug)


def ward_role(pg: PgDatabase, slug: str) -> str:
    return ward_role_name(role_prefix(pg.name), slug)


def refused(session: Session, sql: str) -> BaseException:
    """Run ``sql`` on the session's connection; it must fail. The transaction is rolled back."""
    with pytest.raises(sa.exc.DBAPIError) as info:
        session.connection().exec_driver_sql(sql)
    session.rollback()
    return info.value.orig


def whoami(session: Session) -> tuple[str, str]:
    row = session.execute(sa.text("SELECT current_user, session_user")).one()
    return row[0], row[1]


# --- no way out of a tenant connection --------------------------------------------------


def test_a_tenant_connection_cannot_set_role_to_anyone_else(
    pg_app: Flask, pg_database: PgDatabase
) -> None:
    others = [
        tenant_role(pg_database, "genkikan"),
        ward_role(pg_database, "regasu"),  # not even its own tenant's ward role
        pg_database.app_role,
        "postgres",
    ]
    with tenant_session(pg_app, "regasu") as session:
        me = tenant_role(pg_database, "regasu")
        assert whoami(session) == (me, me)
        for other in others:
            error = refused(session, f'SET ROLE "{other}"')
            assert isinstance(error, DENIED), other
            assert "permission denied to set role" in str(error)
            error = refused(session, f'SET SESSION AUTHORIZATION "{other}"')
            assert isinstance(error, DENIED), other
        session.connection().exec_driver_sql("RESET ROLE; SET ROLE NONE")
        assert whoami(session) == (me, me)  # resetting leads back to itself


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM tenant_genkikan.bookings",
        "INSERT INTO tenant_genkikan.access_log (id) VALUES (1)",
        "UPDATE tenant_genkikan.bookings SET purpose = 'x'",
        "DELETE FROM tenant_genkikan.group_feeds",
        "SELECT * FROM platform.tenants",
        "SELECT * FROM platform.auditors",
    ],
)
def test_other_schemas_are_refused(pg_app: Flask, sql: str) -> None:
    with tenant_session(pg_app, "regasu") as session:
        assert isinstance(refused(session, sql), DENIED)


def test_no_role_of_the_tenants_has_a_membership(pg_app: Flask, pg_database: PgDatabase) -> None:
    with pg_database.connect_admin() as conn:
        roles = pg_database.tenant_roles(conn)
        everyone = [*roles, pg_database.app_role]
        rows = conn.execute(
            "SELECT g.rolname, m.rolname FROM pg_auth_members a"
            " JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member"
            " WHERE g.rolname = ANY(%s) OR m.rolname = ANY(%s)",
            (everyone, everyone),
        ).fetchall()
        flags = conn.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls"
            " FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname",
            (roles,),
        ).fetchall()
    assert sorted(roles) == sorted(
        [tenant_role(pg_database, s) for s in ("regasu", "genkikan")]
        + [ward_role(pg_database, s) for s in ("regasu", "genkikan")]
    )
    assert rows == []
    assert all(f[1:] == (True, False, False, False, False) for f in flags), flags


def test_roles_store_a_scram_verifier_of_the_derived_password(
    pg_app: Flask, pg_database: PgDatabase
) -> None:
    secret = pg_app.config["DATABASE_ROLE_SECRET"]
    with pg_database.connect_admin() as conn:
        stored = dict(
            conn.execute(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY(%s)",
                (pg_database.tenant_roles(conn),),
            ).fetchall()
        )
    assert len(stored) == 4
    for role, verifier in stored.items():
        password = role_password(secret, role)
        assert verifier.startswith("SCRAM-SHA-256$4096:")
        assert password not in verifier
        assert verifier_matches(verifier, password)
        assert not verifier_matches(verifier, role_password(secret + "x", role))
        assert not verifier_matches(verifier, role_password(secret, role + "x"))


def test_our_verifier_is_the_one_libpq_computes(pg_app: Flask) -> None:
    """Same salt and iterations as libpq's own PQencryptPasswordConn: the same verifier."""
    with psycopg.connect(SERVER) as conn:
        theirs = conn.pgconn.encrypt_password(b"0123abcd" * 8, b"someone", b"scram-sha-256")
    verifier = theirs.decode()
    salt = verifier.split("$")[1].split(":")[1]
    assert scram_verifier("0123abcd" * 8, base64.b64decode(salt), 4096) == verifier


# --- the ward's role -------------------------------------------------------------------


def test_the_ward_reads_and_logs_but_cannot_write(pg_app: Flask, pg_database: PgDatabase) -> None:
    def attempts(session: Session) -> dict[str, object]:
        found: dict[str, object] = {"me": whoami(session)[0]}
        found["rooms"] = session.scalar(sa.text("SELECT count(*) FROM rooms"))
        for name, sql in {
            "update": "UPDATE bookings SET purpose = 'x'",
            "insert": "INSERT INTO outbox (id) VALUES (1)",
            "delete": "DELETE FROM group_feeds",
            "log update": "UPDATE access_log SET detail = 'x'",
            "log delete": "DELETE FROM access_log",
            "other tenant": "SELECT * FROM tenant_genkikan.rooms",
            "set role": f'SET ROLE "{tenant_role(pg_database, "regasu")}"',
        }.items():
            try:
                with session.begin_nested():  # a failed statement rolls back to here
                    session.connection().exec_driver_sql(sql)
                found[name] = "allowed"
            except sa.exc.DBAPIError as exc:
                found[name] = type(exc.orig)
        return found

    with tenant_session(pg_app, "regasu") as session:
        before = session.scalar(sa.select(sa.func.count(AccessLog.id)))
    found = read_tenant(pg_app, "regasu", AUDITOR, attempts, record_type="rooms")
    assert found.pop("me") == ward_role(pg_database, "regasu")
    assert found.pop("rooms") == 19
    assert found == dict.fromkeys(found, DENIED)
    with tenant_session(pg_app, "regasu") as session:
        last = session.scalars(sa.select(AccessLog).order_by(AccessLog.id.desc())).first()
        count = session.scalar(sa.select(sa.func.count(AccessLog.id)))
    assert count == before + 1  # the view was logged by the ward role itself
    assert last is not None and (last.actor_kind, last.record_type) == ("auditor", "rooms")


# --- pools: lazy, capped, least recently used closed first -----------------------------


@pytest.fixture
def pools_app(pg_database: PgDatabase, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Apps on the test database with the pool settings a test gives."""
    apps: list[Flask] = []

    def build(**options: object) -> Flask:
        app = make_app(tmp_path / f"instance{len(apps)}", **pg_database.overrides(), **options)
        apps.append(app)
        return app

    yield build
    for app in apps:
        _dispose(app)


def backends(pg: PgDatabase, role: str) -> int:
    with psycopg.connect(SERVER) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND usename = %s",
            (pg.name, role),
        ).fetchone()
    return int(row[0]) if row else 0


def settle(pg: PgDatabase, role: str, expected: int) -> int:
    """The role's backends once they reach ``expected`` (closing is asynchronous), or 5 s."""
    deadline = time.monotonic() + 5
    count = backends(pg, role)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        count = backends(pg, role)
    return count


def test_pools_open_on_first_use_with_the_configured_sizes(
    pools_app: Callable[..., Flask], pg_database: PgDatabase
) -> None:
    app = pools_app()
    regasu = tenant_role(pg_database, "regasu")
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # the platform: no tenant pool
        db.session.remove()
    assert open_engine_keys(app) == []
    assert settle(pg_database, regasu, 0) == 0
    with tenant_session(app, "regasu") as session:
        session.execute(sa.text("SELECT 1"))
        engine = tenant_engine(BoundTenant("regasu", "tenant_regasu", role=regasu))
    assert open_engine_keys(app) == [f"role:{regasu}"]
    assert (engine.pool.size(), engine.pool._max_overflow) == (2, 8)
    assert settle(pg_database, regasu, 1) == 1
    read_tenant(app, "genkikan", AUDITOR, lambda s: None, record_type="x")
    assert open_engine_keys(app) == [f"role:{regasu}", f"role:{ward_role(pg_database, 'genkikan')}"]


def test_a_pool_never_opens_more_than_its_size_and_overflow(
    pools_app: Callable[..., Flask], pg_database: PgDatabase
) -> None:
    app = pools_app(TENANT_POOL_SIZE=1, TENANT_POOL_OVERFLOW=1)
    threads_n = 6
    barrier = threading.Barrier(threads_n)
    pids: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=10)
            with tenant_session(app, "genkikan") as session:
                pid = session.scalar(sa.text("SELECT pg_backend_pid() FROM pg_sleep(0.2)"))
                session.commit()
            with lock:
                pids.append(int(pid or 0))
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert errors == []
    assert len(pids) == threads_n
    assert len(set(pids)) <= 2  # the others waited for one of the two connections
    assert settle(pg_database, tenant_role(pg_database, "genkikan"), 1) == 1  # size kept


def test_the_least_recently_used_pool_is_closed_beyond_the_cap(
    pools_app: Callable[..., Flask], pg_database: PgDatabase
) -> None:
    app = pools_app(TENANT_POOLS_MAX=2)
    regasu, genkikan = tenant_role(pg_database, "regasu"), tenant_role(pg_database, "genkikan")
    ward = ward_role(pg_database, "regasu")
    for slug in ("regasu", "genkikan", "regasu"):  # regasu is now the most recently used
        with tenant_session(app, slug) as session:
            session.execute(sa.text("SELECT 1"))
    assert open_engine_keys(app) == [f"role:{genkikan}", f"role:{regasu}"]
    assert settle(pg_database, genkikan, 1) == 1
    read_tenant(app, "regasu", AUDITOR, lambda s: None, record_type="x")
    assert open_engine_keys(app) == [f"role:{regasu}", f"role:{ward}"]
    assert settle(pg_database, genkikan, 0) == 0  # its pooled connection was closed
    with tenant_session(app, "genkikan") as session:  # and opens again when needed
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == 5
    assert open_engine_keys(app) == [f"role:{ward}", f"role:{genkikan}"]


def test_a_connection_in_use_survives_its_pool_being_evicted(
    pools_app: Callable[..., Flask], pg_database: PgDatabase
) -> None:
    app = pools_app(TENANT_POOLS_MAX=1)
    with tenant_session(app, "regasu") as session:
        pid = session.scalar(sa.text("SELECT pg_backend_pid()"))
        with tenant_session(app, "genkikan") as other:  # evicts regasu's pool
            assert other.scalar(sa.text("SELECT count(*) FROM rooms")) == 5
        assert open_engine_keys(app) == [f"role:{tenant_role(pg_database, 'genkikan')}"]
        # The transaction goes on on its connection, then that connection is closed.
        assert session.scalar(sa.text("SELECT pg_backend_pid()")) == pid
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == 19
        session.commit()
    assert settle(pg_database, tenant_role(pg_database, "regasu"), 0) == 0


# --- converting an installation of member roles ----------------------------------------


@pytest.fixture
def old_style_tenant(pg_app: Flask, pg_database: PgDatabase, tmp_path: Path) -> Iterator[str]:
    """A tenant provisioned as before: a NOLOGIN role the app role is a member of, no ward
    role. Dropped afterwards by name."""
    slug = "kumin_old"
    provisioning.create_tenant(pg_app, slug, ward_toml(tmp_path, slug))
    role, ward = tenant_role(pg_database, slug), ward_role(pg_database, slug)
    with pg_database.connect_admin() as conn:
        conn.execute(f'DROP OWNED BY "{ward}"')
        conn.execute(f'DROP ROLE "{ward}"')
        conn.execute(f'ALTER ROLE "{role}" NOLOGIN PASSWORD NULL')
        conn.execute(f'GRANT "{role}" TO "{pg_database.app_role}"')
        conn.commit()
    yield slug
    with pg_database.connect_admin() as conn:
        conn.execute("DELETE FROM platform.tenants WHERE slug = %s", (slug,))
        conn.execute(f'DROP SCHEMA IF EXISTS "tenant_{slug}" CASCADE')
        for name in (role, ward):
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')
        conn.commit()


def role_facts(pg: PgDatabase, role: str) -> tuple[bool, bool, list[str]] | None:
    """(can log in, has a SCRAM verifier, the roles it is a member of) or None if missing."""
    with pg.connect_admin() as conn:
        row = conn.execute(
            "SELECT rolcanlogin, coalesce(rolpassword LIKE 'SCRAM-SHA-256$%%', false)"
            " FROM pg_authid WHERE rolname = %s",
            (role,),
        ).fetchone()
        members = conn.execute(
            "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid"
            " JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = %s",
            (role,),
        ).fetchall()
    return None if row is None else (row[0], row[1], [m for (m,) in members])


def test_migrate_converts_member_roles_into_login_roles(
    pg_app: Flask, pg_database: PgDatabase, old_style_tenant: str
) -> None:
    slug = old_style_tenant
    role, ward = tenant_role(pg_database, slug), ward_role(pg_database, slug)
    assert role_facts(pg_database, role) == (False, False, [pg_database.app_role])
    assert role_facts(pg_database, ward) is None

    result = pg_app.test_cli_runner().invoke(args=["tenants", "migrate", "--tenant", slug])
    assert result.exit_code == 0, result.output

    assert role_facts(pg_database, role) == (True, True, [])
    assert role_facts(pg_database, ward) == (True, True, [])
    with tenant_session(pg_app, slug) as session:
        assert whoami(session)[0] == role
        assert session.scalar(sa.text("SELECT count(*) FROM rooms")) == 5
        assert isinstance(refused(session, f'SET ROLE "{pg_database.app_role}"'), DENIED)
    rooms = read_tenant(
        pg_app,
        slug,
        AUDITOR,
        lambda s: s.scalar(sa.text("SELECT count(*) FROM rooms")),
        record_type="rooms",
    )
    assert rooms == 5
    # Migrating again changes nothing that matters (a fresh verifier of the same password).
    again = pg_app.test_cli_runner().invoke(args=["tenants", "migrate", "--tenant", slug])
    assert again.exit_code == 0, again.output
    assert role_facts(pg_database, role) == (True, True, [])


# --- injected SQL in a booking's purpose ------------------------------------------------

# Purposes that break out of a string literal and run statements of their own; {regasu},
# {app} and {ward} are filled in with this database's role names.
INJECTIONS = [
    "'; SET ROLE \"{regasu}\"; SELECT '",
    "'; SET ROLE \"{app}\"; SELECT '",
    "'; SET ROLE \"{ward}\"; SELECT '",
    "'; SET SESSION AUTHORIZATION \"{regasu}\"; SELECT '",
    "'; RESET SESSION AUTHORIZATION; SET ROLE postgres; SELECT '",
    "'; SELECT purpose FROM tenant_regasu.bookings; SELECT '",
    "'; UPDATE tenant_regasu.bookings SET purpose = 'pwned'; SELECT '",
    "'; INSERT INTO tenant_regasu.group_feeds DEFAULT VALUES; SELECT '",
    "'; SELECT * FROM platform.tenants; SELECT '",
]


@pytest.mark.parametrize("template", INJECTIONS)
def test_sql_injected_through_a_booking_purpose_stays_in_its_tenant(
    pg_app: Flask, pg_database: PgDatabase, monkeypatch: pytest.MonkeyPatch, template: str
) -> None:
    """A careless statement in the booking path pastes the purpose into SQL: the database
    refuses the payload, and the booking itself goes through with the text kept verbatim."""
    payload = template.format(
        regasu=tenant_role(pg_database, "regasu"),
        app=pg_database.app_role,
        ward=ward_role(pg_database, "genkikan"),
    )
    refusals: list[BaseException] = []
    real_book = booking_ops.book

    def careless_book(session, runtime, group, data, **kw):
        try:
            with session.begin_nested():
                session.connection().exec_driver_sql(f"SELECT '{data.purpose}'")
        except sa.exc.DBAPIError as exc:
            refusals.append(exc.orig)  # the savepoint is rolled back; the booking goes on
        return real_book(session, runtime, group, data, **kw)

    monkeypatch.setattr(booking_ops, "book", careless_book)
    with tenant_session(pg_app, "regasu") as session:
        regasu_purposes = sorted(session.scalars(sa.select(Booking.purpose)))
    someone = member(pg_app, "genkikan")
    client = pg_app.test_client()
    sign_in_as(client, pg_app, someone.resident)
    day = open_day(pg_app, "genkikan", "genkikan", after=40)
    target = slot(pg_app, "genkikan", "genkikan", "multipurpose", day, "am")
    response = client.post(
        "/genkikan/book",
        data={"slots": target, "group": someone.group_id, "attendees": "5", "purpose": payload},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    booking_id = int(response.headers["Location"].rsplit("/", 1)[1])

    assert len(refusals) == 1 and isinstance(refusals[0], DENIED), refusals
    with tenant_session(pg_app, "genkikan") as session:
        booking = session.get(Booking, booking_id)
        assert booking is not None and booking.purpose == payload  # text, verbatim
        assert whoami(session)[0] == tenant_role(pg_database, "genkikan")
    with tenant_session(pg_app, "regasu") as session:
        assert sorted(session.scalars(sa.select(Booking.purpose))) == regasu_purposes
