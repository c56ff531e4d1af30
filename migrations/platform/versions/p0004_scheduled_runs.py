"""The periodic jobs' last completed scheduled tick and current claim (catch-up, one runner).

Revision ID: p0004
Revises: p0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "p0004"
down_revision = "p0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_runs",
        sa.Column("job", sa.String(length=200), nullable=False),
        sa.Column("last_completed_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_scheduled_runs")),
        schema="platform",
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs", schema="platform")
