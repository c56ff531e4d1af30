"""Declarative bases and the session that knows which tenant it serves.

Tenant tables are unqualified: on PostgreSQL the transaction's ``search_path`` points at the
tenant schema, on SQLite each tenant has its own file. Platform tables carry the schema
``platform`` (on SQLite the platform file is attached under that name).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
TENANT_KEY = "shisetsu.tenant"
ENGINE_KEY = "shisetsu.tenant_engine"


def utcnow() -> datetime:
    """Timezone-aware now; storage is UTC, people see Asia/Tokyo."""
    return datetime.now(UTC)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """``timestamptz`` that always reads back timezone-aware (SQLite returns naive UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of tenant-scoped models (one copy of each table per tenant)."""

    metadata = sa.MetaData(naming_convention=NAMING)


class PlatformBase(DeclarativeBase):
    """Base of models in the shared ``platform`` schema."""

    metadata = sa.MetaData(schema="platform", naming_convention=NAMING)


class TenantSession(FlaskSession):
    """Routes a tenant-bound session to its tenant's engine; unbound means the platform.

    The engine is looked up once per session and kept: a transaction never moves to another
    connection, even if the process closes that tenant's pool meanwhile.
    """

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if bind is not None:
            return bind
        tenant = self.info.get(TENANT_KEY)
        if tenant is None:
            return self._db.engine
        engine = self.info.get(ENGINE_KEY)
        if engine is None:
            # The bound tenant (tenancy.names.BoundTenant) knows its engine: the tenancy
            # layer builds on this module, so it is asked rather than imported.
            engine = self.info[ENGINE_KEY] = tenant.engine()
        return engine
