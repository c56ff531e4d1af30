"""Auditors: the initial password printed by the CLI is single-use.

Revision ID: p0008
Revises: p0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "p0008"
down_revision = "p0007"
branch_labels = None
depends_on = None


def _schema() -> str | None:
    """``platform`` on PostgreSQL; on SQLite the platform file is the main database."""
    return "platform" if op.get_context().dialect.name == "postgresql" else None


def upgrade() -> None:
    op.add_column(
        "auditors",
        sa.Column(
            "password_must_change", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        schema=_schema(),
    )


def downgrade() -> None:
    op.drop_column("auditors", "password_must_change", schema=_schema())
