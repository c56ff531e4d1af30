"""Auditors' signed-out devices and failed sign-ins of unknown auditor logins.

Revision ID: p0006
Revises: p0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "p0006"
down_revision = "p0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_auditor_sessions",
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", name=op.f("pk_ended_auditor_sessions")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_ended_auditor_sessions_expires_at"),
        "ended_auditor_sessions",
        ["expires_at"],
        unique=False,
        schema="platform",
    )
    op.create_table(
        "unknown_auditor_logins",
        sa.Column("login_digest", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login_digest", name=op.f("pk_unknown_auditor_logins")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_unknown_auditor_logins_updated_at"),
        "unknown_auditor_logins",
        ["updated_at"],
        unique=False,
        schema="platform",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_platform_unknown_auditor_logins_updated_at"),
        table_name="unknown_auditor_logins",
        schema="platform",
    )
    op.drop_table("unknown_auditor_logins", schema="platform")
    op.drop_index(
        op.f("ix_platform_ended_auditor_sessions_expires_at"),
        table_name="ended_auditor_sessions",
        schema="platform",
    )
    op.drop_table("ended_auditor_sessions", schema="platform")
