"""Lottery: staff closing or drawing a round before its published time (requests,
approvals, reasons).

Revision ID: t0012
Revises: t0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0012"
down_revision = "t0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lottery_early_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("pending_round", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_role", sa.String(length=20), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("lapses_at", TZ, nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_role", sa.String(length=20), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("acted_at", TZ, nullable=True),
        sa.CheckConstraint(
            "action IN ('close', 'draw')", name=op.f("ck_lottery_early_requests_action")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'done', 'declined', 'lapsed')",
            name=op.f("ck_lottery_early_requests_state"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["lottery_rounds.id"],
            name=op.f("fk_lottery_early_requests_round_id_lottery_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["staff.id"],
            name=op.f("fk_lottery_early_requests_requested_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff.id"],
            name=op.f("fk_lottery_early_requests_decided_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_early_requests")),
        sa.UniqueConstraint("pending_round", name=op.f("uq_lottery_early_requests_pending_round")),
    )
    op.create_index(
        op.f("ix_lottery_early_requests_round_id"),
        "lottery_early_requests",
        ["round_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("lottery_early_requests")
