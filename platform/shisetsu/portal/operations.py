"""Queries behind the portal pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from shisetsu.extensions import db
from shisetsu.tenancy.models import Tenant


def active_tenants() -> list[Tenant]:
    """Active tenants in registration order."""
    stmt = sa.select(Tenant).where(Tenant.status == "active").order_by(Tenant.id)
    return list(db.session.scalars(stmt))


def health() -> dict[str, bool]:
    """Whether each backing service answers."""
    checks = {"database": _database_ok()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_ok(current_app.config["REDIS_URL"])
    return checks


def _database_ok() -> bool:
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True


def _redis_ok(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False
