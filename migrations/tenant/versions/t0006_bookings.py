"""Bookings (fee frozen at booking, payment, cancellation) and group calendar feeds.

Revision ID: t0006
Revises: t0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "t0006"
down_revision = "t0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("slot_codes", sa.JSON(), nullable=False),
        sa.Column("set_code", sa.String(length=40), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fee_total", sa.Integer(), nullable=False),
        sa.Column("fee_items", sa.JSON(), nullable=False),
        sa.Column("fee_sample", sa.Boolean(), nullable=False),
        sa.Column("reduction_code", sa.String(length=40), nullable=True),
        sa.Column("payment_due", sa.Date(), nullable=True),
        sa.Column("remind_from", sa.Date(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("paid_amount", sa.Integer(), nullable=True),
        sa.Column("receipt_no", sa.String(length=40), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.Column("cancelled_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("refund_percent", sa.Integer(), nullable=True),
        sa.Column("refund_amount", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('confirmed', 'paid', 'cancelled')", name=op.f("ck_bookings_status")
        ),
        sa.CheckConstraint(
            "cancelled_by IS NULL OR cancelled_by IN ('group', 'staff', 'auto')",
            name=op.f("ck_bookings_cancelled_by"),
        ),
        sa.CheckConstraint("attendees >= 1", name=op.f("ck_bookings_attendees")),
        sa.CheckConstraint("fee_total >= 0", name=op.f("ck_bookings_fee_total")),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_bookings_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_bookings_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_bookings_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_bookings_room_id_rooms")),
        sa.ForeignKeyConstraint(
            ["paid_by_staff_id"], ["staff.id"], name=op.f("fk_bookings_paid_by_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_bookings_cancelled_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_bookings_receipt_no")),
    )
    op.create_index("ix_bookings_date_room_id", "bookings", ["date", "room_id"], unique=False)
    op.create_index(
        "ix_bookings_status_payment_due", "bookings", ["status", "payment_due"], unique=False
    )
    op.create_index("ix_bookings_group_id_date", "bookings", ["group_id", "date"], unique=False)
    op.create_table(
        "group_feeds",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_feeds_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_feeds")),
        sa.UniqueConstraint("token", name=op.f("uq_group_feeds_token")),
    )


def downgrade() -> None:
    op.drop_table("group_feeds")
    op.drop_index("ix_bookings_group_id_date", table_name="bookings")
    op.drop_index("ix_bookings_status_payment_due", table_name="bookings")
    op.drop_index("ix_bookings_date_room_id", table_name="bookings")
    op.drop_table("bookings")
