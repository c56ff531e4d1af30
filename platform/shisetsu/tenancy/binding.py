"""Binding a unit of work to one tenant.

Every request and job binds its tenant before it touches tenant data. On PostgreSQL each
transaction of a bound session starts with ``SET LOCAL ROLE`` and a local ``search_path``,
so a forgotten filter or a raw query against another tenant fails with "permission denied"
instead of leaking. Both settings end with the transaction: a pooled connection carries no
tenant role once it is returned.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import Session, SessionTransaction

from shisetsu.db import TENANT_KEY, TenantSession
from shisetsu.extensions import db
from shisetsu.tenancy.engines import is_postgres, tenant_sqlite_path
from shisetsu.tenancy.models import Tenant
from shisetsu.tenancy.names import BoundTenant, InvalidSlug, validate_slug

REGISTRY_CACHE_KEY = "shisetsu.registry_cache"


class TenantBindingError(RuntimeError):
    """A session was asked to serve a second tenant, or was bound after first use."""


class UnknownTenant(LookupError):
    """No active tenant has this slug."""


def bound_tenant_for(app: Flask, record: Tenant) -> BoundTenant:
    """Where ``record``'s data lives on this app's database."""
    if is_postgres(app):
        return BoundTenant(record.slug, record.schema_name, role=record.db_role)
    return BoundTenant(
        record.slug, record.schema_name, sqlite_path=tenant_sqlite_path(app, record.slug)
    )


def find_tenant(slug: str) -> Tenant | None:
    """The active registry row for ``slug``, read outside the request's session.

    Rows are cached for ``TENANT_CACHE_SECONDS`` (the lookup costs more than the binding);
    provisioning clears the cache, so a tenant created or synced here is seen at once.
    """
    try:
        validate_slug(slug)
    except InvalidSlug:
        return None
    ttl = float(current_app.config.get("TENANT_CACHE_SECONDS", 0))
    cache: dict[str, tuple[float, Tenant | None]] = current_app.extensions.setdefault(
        REGISTRY_CACHE_KEY, {}
    )
    hit = cache.get(slug)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    with Session(db.engine, expire_on_commit=False) as session:
        record = session.scalar(
            sa.select(Tenant).where(Tenant.slug == slug, Tenant.status == "active")
        )
    if ttl > 0:
        cache[slug] = (now + ttl, record)
    return record


def clear_registry_cache(app: Flask) -> None:
    """Forget cached registry rows (after creating, syncing or retiring a tenant)."""
    app.extensions.pop(REGISTRY_CACHE_KEY, None)


def bind_tenant(session: Any, tenant: BoundTenant) -> None:
    """Bind ``session`` (or the scoped session) to ``tenant``; one tenant per session."""
    current = session.info.get(TENANT_KEY)
    if current is not None:
        if current == tenant:
            return
        raise TenantBindingError(
            f"session already serves tenant {current.slug!r}; refusing {tenant.slug!r}"
        )
    if session.in_transaction():
        raise TenantBindingError("bind the tenant before the session is first used")
    session.info[TENANT_KEY] = tenant


def current_tenant() -> BoundTenant | None:
    """The tenant the request's session is bound to, if any."""
    tenant: BoundTenant | None = db.session().info.get(TENANT_KEY)
    return tenant


def bind_request_tenant(slug: str) -> Tenant:
    """Resolve ``slug`` for this request and bind the request's session to it."""
    record = find_tenant(slug)
    if record is None:
        raise UnknownTenant(slug)
    bind_tenant(db.session(), bound_tenant_for(current_app, record))
    g.tenant_slug = record.slug
    g.tenant = record
    return record


@contextmanager
def tenant_session(app: Flask, slug: str) -> Iterator[Session]:
    """A fresh session bound to ``slug`` for CLI commands and jobs (commit is the caller's)."""
    with app.app_context():
        record = find_tenant(slug)
        if record is None:
            raise UnknownTenant(slug)
        session = db.session()
        bind_tenant(session, bound_tenant_for(app, record))
        g.tenant_slug = record.slug
        g.tenant = record
        try:
            yield session
        finally:
            db.session.remove()


def _begin_tenant_transaction(
    session: Session, _transaction: SessionTransaction, connection: sa.Connection
) -> None:
    tenant: BoundTenant | None = session.info.get(TENANT_KEY)
    if tenant is None or tenant.role is None or connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote_identifier
    connection.exec_driver_sql(f"SET LOCAL ROLE {quote(tenant.role)}")
    connection.execute(
        sa.text("SELECT set_config('search_path', :path, true)"), {"path": quote(tenant.schema)}
    )


def install_session_hooks() -> None:
    """Register the after-begin hook once per process (idempotent)."""
    if not sa.event.contains(TenantSession, "after_begin", _begin_tenant_transaction):
        sa.event.listen(TenantSession, "after_begin", _begin_tenant_transaction)
