"""Running the two Alembic script directories on a given connection."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from shisetsu.paths import MIGRATIONS_DIR


def _config(kind: str, connection: sa.Connection, schema: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR / kind))
    cfg.attributes["connection"] = connection
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(kind: str, connection: sa.Connection, schema: str | None = None) -> None:
    """Upgrade ``kind`` ("platform" or "tenant") to head on ``connection``."""
    command.upgrade(_config(kind, connection, schema), "head")


def head(kind: str) -> str | None:
    """The newest revision of a script directory."""
    script = ScriptDirectory(str(MIGRATIONS_DIR / kind))
    return script.get_current_head()


def current(connection: sa.Connection, schema: str | None = None) -> str | None:
    """The revision recorded on ``connection`` (in ``schema`` on PostgreSQL)."""
    opts = {"version_table_schema": schema} if schema else {}
    return MigrationContext.configure(connection, opts=opts).get_current_revision()
