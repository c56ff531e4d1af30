"""Slot holds (one row per held slot: the unique key forbids double booking) and closures.

Revision ID: t0005
Revises: t0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "t0005"
down_revision = "t0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slot_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("slot_code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_slot_holds_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_slot_holds_created_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_holds")),
        sa.UniqueConstraint(
            "room_id", "date", "slot_code", name=op.f("uq_slot_holds_room_id_date_slot_code")
        ),
    )
    op.create_index("ix_slot_holds_kind_ref_id", "slot_holds", ["kind", "ref_id"], unique=False)
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason_ja", sa.String(length=300), nullable=False),
        sa.Column("reason_en", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_closures_date_order")),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_closures_facility_id_facilities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_closures_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_closures_created_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    op.create_index(
        "ix_closures_facility_id_start_date",
        "closures",
        ["facility_id", "start_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_closures_facility_id_start_date", table_name="closures")
    op.drop_table("closures")
    op.drop_index("ix_slot_holds_kind_ref_id", table_name="slot_holds")
    op.drop_table("slot_holds")
