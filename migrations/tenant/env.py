"""Alembic environment applied to one tenant schema (PostgreSQL) or file (SQLite).

``shisetsu tenants migrate`` passes the connection, with ``search_path`` already set to
the tenant schema, and the schema name in ``config.attributes["schema"]``.
"""

from alembic import context

from shisetsu.db import Base
from shisetsu.models import import_all_models

import_all_models()
connection = context.config.attributes["connection"]
schema = context.config.attributes.get("schema")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table="alembic_version",
    version_table_schema=schema,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
