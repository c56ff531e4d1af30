"""Binding a unit of work to one tenant.

Every request and job binds its tenant before it touches tenant data. On PostgreSQL a bound
session runs on connections logged in as that tenant's own role (``tenancy.engines``), which
is a member of no other role: a forgotten filter or a raw query against another tenant fails
with "permission denied" instead of leaking, and no SQL sent on such a connection can become
another role. The ward's console binds with the tenant's read-only ward role instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from shisetsu.db import TENANT_KEY
from shisetsu.extensions import db
from shisetsu.tenancy.engines import is_postgres, tenant_sqlite_path
from shisetsu.tenancy.models import Tenant
from shisetsu.tenancy.names import (
    BoundTenant,
    InvalidSlug,
    role_prefix,
    validate_slug,
    ward_role_name,
)

REGISTRY_CACHE_KEY = "shisetsu.registry_cache"


class TenantBindingError(RuntimeError):
    """A session was asked to serve a second tenant, or was bound after first use."""


class UnknownTenant(LookupError):
    """No active tenant has this slug."""


def bound_tenant_for(app: Flask, record: Tenant, *, ward: bool = False) -> BoundTenant:
    """Where ``record``'s data lives on this app's database, and as which role to reach it.

    ``ward``: as the tenant's read-only ward role (its reads, plus entries in its access log).
    """
    if is_postgres(app):
        if ward:
            prefix = role_prefix(sa.make_url(app.config["DATABASE_URL"]).database)
            return BoundTenant(
                record.slug, record.schema_name, role=ward_role_name(prefix, record.slug)
            )
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
def tenant_session(app: Flask, slug: str, *, ward: bool = False) -> Iterator[Session]:
    """A fresh session bound to ``slug`` for CLI commands and jobs (commit is the caller's).

    ``ward``: bound with the tenant's read-only ward role (the ward's console reads).
    """
    with app.app_context():
        record = find_tenant(slug)
        if record is None:
            raise UnknownTenant(slug)
        session = db.session()
        bind_tenant(session, bound_tenant_for(app, record, ward=ward))
        g.tenant_slug = record.slug
        g.tenant = record
        try:
            yield session
        finally:
            db.session.remove()
