"""Messages from the facility's staff to one group (shown on the resident's My page).

Revision ID: t0017
Revises: t0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0017"
down_revision = "t0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_messages_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_group_messages_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_messages")),
    )
    op.create_index(
        "ix_group_messages_group_id_created_at",
        "group_messages",
        ["group_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_group_messages_group_id_created_at", table_name="group_messages")
    op.drop_table("group_messages")
