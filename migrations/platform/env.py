"""Alembic environment for the shared ``platform`` schema.

Run through ``shisetsu tenants migrate``, which passes an open connection in
``config.attributes["connection"]``.
"""

from alembic import context

from shisetsu.db import PlatformBase
from shisetsu.models import import_all_models

import_all_models()
connection = context.config.attributes["connection"]
is_pg = connection.dialect.name == "postgresql"
context.configure(
    connection=connection,
    target_metadata=PlatformBase.metadata,
    version_table="alembic_version",
    version_table_schema="platform" if is_pg else None,
    include_schemas=is_pg,
    render_as_batch=not is_pg,
)
with context.begin_transaction():
    context.run_migrations()
