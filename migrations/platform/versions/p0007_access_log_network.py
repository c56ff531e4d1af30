"""The platform access log gets the hash-version-2 columns too (one entry format).

Entries already written are version 1 and keep their hash. The platform log (auditor
sign-ins) is not reduced, so its update trigger stays as it is.

Revision ID: p0007
Revises: p0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "p0007"
down_revision = "p0006"
branch_labels = None
depends_on = None

COLUMNS = ("ip_prefix", "network_salt", "network_digest", "network_reduced_by", "hash_version")


def _schema() -> str | None:
    # SQLite keeps the platform tables in their own file, unqualified.
    return None if op.get_bind().dialect.name == "sqlite" else "platform"


def upgrade() -> None:
    def add(column: sa.Column) -> None:
        op.add_column("access_log", column, schema=_schema())

    add(sa.Column("ip_prefix", sa.String(length=49), nullable=True))
    add(sa.Column("network_salt", sa.String(length=64), nullable=True))
    add(sa.Column("network_digest", sa.String(length=64), nullable=True))
    add(sa.Column("network_reduced_by", sa.BigInteger(), nullable=True))
    add(sa.Column("hash_version", sa.SmallInteger(), server_default="1", nullable=False))


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column("access_log", column, schema=_schema())
