"""Registered groups (登録団体).

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None

STATUSES = "('pending', 'approved', 'rejected', 'expired', 'withdrawn')"


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("renews_group_id", sa.Integer(), nullable=True),
        sa.Column("representative_name", sa.String(length=100), nullable=False),
        sa.Column("representative_address", sa.String(length=300), nullable=False),
        sa.Column("representative_phone_home", sa.String(length=30), nullable=True),
        sa.Column("representative_phone_mobile", sa.String(length=30), nullable=True),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_address", sa.String(length=300), nullable=False),
        sa.Column("contact_phone_home", sa.String(length=30), nullable=True),
        sa.Column("contact_phone_mobile", sa.String(length=30), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("resident_count", sa.Integer(), nullable=False),
        sa.Column("representative_is_resident", sa.Boolean(), nullable=False),
        sa.Column("representative_is_adult", sa.Boolean(), nullable=True),
        sa.Column("privacy_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_member_count", sa.Integer(), nullable=True),
        sa.Column("verified_resident_count", sa.Integer(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("expiry_notice_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES}", name=op.f("ck_groups_status")),
        sa.CheckConstraint(
            "member_count >= 1 AND resident_count >= 0", name=op.f("ck_groups_counts")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_groups_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["renews_group_id"], ["groups.id"], name=op.f("fk_groups_renews_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["staff.id"], name=op.f("fk_groups_verified_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_groups_decided_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    op.create_index(op.f("ix_groups_account_id"), "groups", ["account_id"], unique=False)
    op.create_index(op.f("ix_groups_status"), "groups", ["status"], unique=False)
    op.create_index(op.f("ix_groups_valid_until"), "groups", ["valid_until"], unique=False)
    op.create_index(
        op.f("ix_groups_renews_group_id"), "groups", ["renews_group_id"], unique=False
    )


def downgrade() -> None:
    for index in ("renews_group_id", "valid_until", "status", "account_id"):
        op.drop_index(op.f(f"ix_groups_{index}"), table_name="groups")
    op.drop_table("groups")
