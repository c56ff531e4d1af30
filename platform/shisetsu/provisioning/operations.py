"""Creating, migrating and syncing tenants: the platform operator's work, run from the CLI.

Creating a tenant is all-or-nothing: on PostgreSQL roles, schema, tables, facilities and the
registry row are made in one transaction (PostgreSQL DDL is transactional); on SQLite the
tenant file is removed again if any later step fails.

On PostgreSQL each tenant has two login roles, members of no role and with no members: its
own (DML on its tables) and the ward's (read its tables, append to its access log). Their
passwords derive from ``DATABASE_ROLE_SECRET``; the server stores only SCRAM verifiers.
Every migration re-applies both, which is also how an installation whose app role was a
member of each tenant role is converted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu.audit.grants import restrict_platform_role, restrict_tenant_role
from shisetsu.facilities.operations import SyncSummary, sync_facilities
from shisetsu.plugins.host import PluginConfigError
from shisetsu.provisioning import migrate
from shisetsu.tenancy.binding import clear_registry_cache
from shisetsu.tenancy.config import TenantConfig, TenantConfigError, load_tenant_config
from shisetsu.tenancy.credentials import role_password, scram_verifier
from shisetsu.tenancy.engines import (
    dispose_tenant_engines,
    is_postgres,
    platform_sqlite_path,
    sqlite_engine,
    tenant_sqlite_path,
)
from shisetsu.tenancy.models import Tenant
from shisetsu.tenancy.names import (
    role_name,
    role_prefix,
    schema_name,
    validate_slug,
    ward_role_name,
)
from shisetsu.tenancy.runtime import tenant_plugins

TENANT_DML = "SELECT, INSERT, UPDATE, DELETE"
VERIFIER_RE = re.compile(r"SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+")


class ProvisioningError(RuntimeError):
    """A tenant operation was refused; nothing was changed."""


@dataclass
class CreatedTenant:
    """Result of :func:`create_tenant`."""

    tenant: Tenant
    facilities: SyncSummary


def default_config_path(app: Flask, slug: str) -> Path:
    """``tenants/<slug>/tenant.toml`` under the configured tenants folder."""
    return Path(app.config["TENANTS_DIR"]) / slug / "tenant.toml"


def load_checked_config(path: Path, slug: str | None = None) -> TenantConfig:
    """Load a tenant.toml and build its plugins once, so a broken file fails early."""
    config = load_tenant_config(path)
    if slug is not None and config.slug != slug:
        raise TenantConfigError(str(path), "slug", f"is {config.slug!r}, expected {slug!r}")
    try:
        tenant_plugins(config)
    except PluginConfigError as exc:
        raise TenantConfigError(str(path), exc.key, exc.reason) from exc
    return config


@contextmanager
def admin_connection(app: Flask) -> Iterator[sa.Connection]:
    """One transaction on the owner connection (migrations, DDL, registry writes)."""
    url = app.config["DATABASE_ADMIN_URL"]
    if is_postgres(app):
        engine = sa.create_engine(url)
    else:
        path = platform_sqlite_path(app)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sqlite_engine(path).execution_options(schema_translate_map={"platform": None})
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def migrate_platform(app: Flask) -> None:
    """Create/upgrade the shared platform schema."""
    with admin_connection(app) as conn:
        if is_postgres(app):
            conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS platform")
        migrate.upgrade("platform", conn)
        if is_postgres(app):
            _grant_platform(app, conn)


def list_tenants(app: Flask) -> list[Tenant]:
    """Every registered tenant, oldest first."""
    with admin_connection(app) as conn, Session(conn) as session:
        return list(session.scalars(sa.select(Tenant).order_by(Tenant.id)))


def create_tenant(app: Flask, slug: str, config_path: Path | None = None) -> CreatedTenant:
    """Create schema/role (or file), tables and facilities, then register the tenant."""
    validate_slug(slug)
    clear_registry_cache(app)
    path = config_path or default_config_path(app, slug)
    config = load_checked_config(path, slug)
    if is_postgres(app):
        return _create_postgres(app, slug, config, path)
    return _create_sqlite(app, slug, config, path)


def _registry_row(slug: str, config: TenantConfig, path: Path, role: str | None) -> Tenant:
    return Tenant(
        slug=slug,
        name_ja=config.name.ja,
        name_en=config.name.en,
        schema_name=schema_name(slug),
        db_role=role,
        config_path=str(path.resolve()),
        status="active",
    )


def _refuse_duplicate(session: Session, slug: str) -> None:
    if session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise ProvisioningError(f"tenant {slug!r} already exists")


def _create_postgres(app: Flask, slug: str, config: TenantConfig, path: Path) -> CreatedTenant:
    schema = schema_name(slug)
    with admin_connection(app) as conn:
        role, ward = _role_names(conn, slug)
        session = Session(conn)
        _refuse_duplicate(session, slug)
        quote = conn.dialect.identifier_preparer.quote_identifier
        leftovers = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = :s)"
                " + (SELECT count(*) FROM pg_roles WHERE rolname IN (:r, :w))"
            ),
            {"s": schema, "r": role, "w": ward},
        ).scalar_one()
        if leftovers:
            raise ProvisioningError(
                f"schema {schema!r} or role {role!r} or {ward!r} already exists but is not "
                "registered; remove it or choose another slug"
            )
        conn.exec_driver_sql(f"CREATE SCHEMA {quote(schema)}")
        _migrate_postgres_schema(app, conn, slug, schema, role)
        tenant = _registry_row(slug, config, path, role)
        session.add(tenant)
        summary = sync_facilities(session, config)
        session.flush()
        session.expunge(tenant)
        return CreatedTenant(tenant, summary)


def _role_names(conn: sa.Connection, slug: str) -> tuple[str, str]:
    """The tenant's own login role and its ward role in this database."""
    prefix = role_prefix(conn.engine.url.database)
    return role_name(prefix, slug), ward_role_name(prefix, slug)


def _migrate_postgres_schema(
    app: Flask, conn: sa.Connection, slug: str, schema: str, role: str
) -> None:
    """Upgrade one tenant schema and (re)set its two roles; leaves search_path on the schema."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    conn.execute(sa.text("SELECT set_config('search_path', :p, true)"), {"p": quote(schema)})
    migrate.upgrade("tenant", conn, schema)
    ward = _role_names(conn, slug)[1]
    for login in (role, ward):
        ensure_login_role(app, conn, login)
    qs, qr, qw = quote(schema), quote(role), quote(ward)
    conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {qs} FROM PUBLIC")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {qs} TO {qr}, {qw}")
    conn.exec_driver_sql(f"GRANT {TENANT_DML} ON ALL TABLES IN SCHEMA {qs} TO {qr}")
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {qs} TO {qr}")
    # The tenant role never needs to rewrite migration history.
    conn.exec_driver_sql(f"REVOKE {TENANT_DML} ON {qs}.alembic_version FROM {qr}")
    restrict_tenant_role(conn, schema, role)  # the access log is append-only
    # The ward reads everything and writes only its views into the access log (the head
    # row is locked and moved forward with each entry); set exactly, every time.
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {qs} FROM {qw}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {qs} FROM {qw}")
    conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {qs} TO {qw}")
    conn.exec_driver_sql(f"REVOKE ALL ON {qs}.alembic_version FROM {qw}")
    conn.exec_driver_sql(f"GRANT INSERT ON {qs}.access_log TO {qw}")
    conn.exec_driver_sql(f"GRANT UPDATE ON {qs}.access_log_head TO {qw}")


def ensure_login_role(app: Flask, conn: sa.Connection, role: str) -> None:
    """Make ``role`` a LOGIN role with its derived password, a member of nothing, with no
    members (creating it, or converting a role the app used to switch into)."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    verifier = scram_verifier(role_password(str(app.config["DATABASE_ROLE_SECRET"]), role))
    if not VERIFIER_RE.fullmatch(verifier):  # nothing but the verifier reaches the statement
        raise ProvisioningError(f"unexpected password verifier for {role!r}")
    exists = conn.execute(
        sa.text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).scalar_one()
    verb = "ALTER" if exists else "CREATE"
    conn.exec_driver_sql(f"{verb} ROLE {quote(role)} LOGIN NOINHERIT PASSWORD '{verifier}'")
    memberships = conn.execute(
        sa.text(
            "SELECT g.rolname, m.rolname FROM pg_auth_members a"
            " JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member"
            " WHERE g.rolname = :r OR m.rolname = :r"
        ),
        {"r": role},
    ).all()
    for granted, member in memberships:
        conn.exec_driver_sql(f"REVOKE {quote(granted)} FROM {quote(member)}")


def _grant_platform(app: Flask, conn: sa.Connection) -> None:
    """Let a separate app login role use the platform schema (not the tenants')."""
    app_user = sa.make_url(app.config["DATABASE_URL"]).username
    if not app_user or app_user == conn.engine.url.username:
        return
    who = conn.dialect.identifier_preparer.quote_identifier(app_user)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA platform TO {who}")
    conn.exec_driver_sql(f"GRANT {TENANT_DML} ON ALL TABLES IN SCHEMA platform TO {who}")
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA platform TO {who}")
    conn.exec_driver_sql(f"REVOKE {TENANT_DML} ON platform.alembic_version FROM {who}")
    restrict_platform_role(conn, app_user)  # the access log is append-only


def _create_sqlite(app: Flask, slug: str, config: TenantConfig, path: Path) -> CreatedTenant:
    file = tenant_sqlite_path(app, slug)
    with admin_connection(app) as conn:
        _refuse_duplicate(Session(conn), slug)
    if file.exists():
        raise ProvisioningError(f"{file} already exists but is not registered; remove it")
    file.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlite_engine(file)
    try:
        with engine.begin() as tconn:
            migrate.upgrade("tenant", tconn)
            summary = sync_facilities(Session(tconn), config)
        with admin_connection(app) as conn:
            session = Session(conn)
            _refuse_duplicate(session, slug)
            tenant = _registry_row(slug, config, path, None)
            session.add(tenant)
            session.flush()
            session.expunge(tenant)
    except BaseException:
        engine.dispose()
        file.unlink(missing_ok=True)
        raise
    engine.dispose()
    return CreatedTenant(tenant, summary)


def migrate_tenant(app: Flask, tenant: Tenant) -> None:
    """Upgrade one registered tenant's tables to head."""
    if is_postgres(app):
        with admin_connection(app) as conn:
            role = tenant.db_role or _role_names(conn, tenant.slug)[0]
            _migrate_postgres_schema(app, conn, tenant.slug, tenant.schema_name, role)
            if tenant.db_role is None:
                conn.execute(sa.update(Tenant).where(Tenant.id == tenant.id).values(db_role=role))
        dispose_tenant_engines(app)  # pools opened before the migration start afresh
        clear_registry_cache(app)
        return
    engine = sqlite_engine(tenant_sqlite_path(app, tenant.slug))
    try:
        with engine.begin() as conn:
            migrate.upgrade("tenant", conn)
    finally:
        engine.dispose()
        dispose_tenant_engines(app)


def sync_tenant(app: Flask, tenant: Tenant) -> SyncSummary:
    """Re-read a tenant's tenant.toml and bring names and facilities up to date."""
    clear_registry_cache(app)
    config = load_checked_config(Path(tenant.config_path), tenant.slug)
    with admin_connection(app) as conn:
        session = Session(conn)
        row = session.get(Tenant, tenant.id)
        assert row is not None
        row.name_ja, row.name_en = config.name.ja, config.name.en
        session.flush()
    if is_postgres(app):
        with admin_connection(app) as conn:
            quote = conn.dialect.identifier_preparer.quote_identifier
            conn.execute(
                sa.text("SELECT set_config('search_path', :p, true)"),
                {"p": quote(tenant.schema_name)},
            )
            return sync_facilities(Session(conn), config)
    engine = sqlite_engine(tenant_sqlite_path(app, tenant.slug))
    try:
        with engine.begin() as conn:
            return sync_facilities(Session(conn), config)
    finally:
        engine.dispose()
