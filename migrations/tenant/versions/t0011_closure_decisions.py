"""Closure decisions: what confirming a closure cancelled, removed, held or kept, and why.

Revision ID: t0011
Revises: t0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0011"
down_revision = "t0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closure_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("closure_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "subject IN ('booking', 'choice', 'win', 'round')",
            name=op.f("ck_closure_decisions_subject"),
        ),
        sa.CheckConstraint(
            "action IN ('cancelled', 'kept', 'removed', 'held')",
            name=op.f("ck_closure_decisions_action"),
        ),
        sa.ForeignKeyConstraint(
            ["closure_id"],
            ["closures.id"],
            name=op.f("fk_closure_decisions_closure_id_closures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_closure_decisions_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_closure_decisions_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_decisions")),
    )
    op.create_index(
        op.f("ix_closure_decisions_closure_id"), "closure_decisions", ["closure_id"], unique=False
    )
    op.create_index(
        "ix_closure_decisions_subject_subject_id",
        "closure_decisions",
        ["subject", "subject_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("closure_decisions")
