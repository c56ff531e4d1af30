"""Signed-out devices and failed sign-ins of unknown logins.

Revision ID: t0013
Revises: t0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0013"
down_revision = "t0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_sessions",
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", name=op.f("pk_ended_sessions")),
    )
    op.create_index(
        op.f("ix_ended_sessions_expires_at"), "ended_sessions", ["expires_at"], unique=False
    )
    op.create_table(
        "unknown_logins",
        sa.Column("login_digest", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login_digest", name=op.f("pk_unknown_logins")),
    )
    op.create_index(
        op.f("ix_unknown_logins_updated_at"), "unknown_logins", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_unknown_logins_updated_at"), table_name="unknown_logins")
    op.drop_table("unknown_logins")
    op.drop_index(op.f("ix_ended_sessions_expires_at"), table_name="ended_sessions")
    op.drop_table("ended_sessions")
