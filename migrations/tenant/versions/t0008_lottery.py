"""Lottery rounds, entries, choices and outcomes.

Revision ID: t0008
Revises: t0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "t0008"
down_revision = "t0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lottery_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=80), nullable=False),
        sa.Column("usage_month", sa.Date(), nullable=False),
        sa.Column("opens_at", TZ, nullable=False),
        sa.Column("closes_at", TZ, nullable=False),
        sa.Column("draw_at", TZ, nullable=False),
        sa.Column("confirm_deadline", TZ, nullable=False),
        sa.Column("first_come_at", TZ, nullable=False),
        sa.Column("first_come_by_category", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("policy_params", sa.JSON(), nullable=False),
        sa.Column("seed_hex", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("pseudonym_key_hex", sa.String(length=64), nullable=False),
        sa.Column("entries_hash", sa.String(length=64), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("result_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("drawn_at", TZ, nullable=True),
        sa.Column("wins_released_at", TZ, nullable=True),
        sa.Column("released_at", TZ, nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'closed', 'drawn', 'released')", name=op.f("ck_lottery_rounds_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_rounds")),
        sa.UniqueConstraint("public_id", name=op.f("uq_lottery_rounds_public_id")),
        sa.UniqueConstraint("usage_month", name=op.f("uq_lottery_rounds_usage_month")),
    )
    op.create_index("ix_lottery_rounds_state", "lottery_rounds", ["state"], unique=False)
    op.create_table(
        "lottery_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("losses", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("withdrawn_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["lottery_rounds.id"],
            name=op.f("fk_lottery_entries_round_id_lottery_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_lottery_entries_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_lottery_entries_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_entries")),
        sa.UniqueConstraint(
            "round_id", "group_id", name=op.f("uq_lottery_entries_round_id_group_id")
        ),
    )
    op.create_index("ix_lottery_entries_round_id", "lottery_entries", ["round_id"], unique=False)
    op.create_index("ix_lottery_entries_group_id", "lottery_entries", ["group_id"], unique=False)
    op.create_table(
        "lottery_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("slot_ids", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["lottery_entries.id"],
            name=op.f("fk_lottery_choices_entry_id_lottery_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_choices")),
        sa.UniqueConstraint("entry_id", "rank", name=op.f("uq_lottery_choices_entry_id_rank")),
    )
    op.create_table(
        "lottery_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("slot_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("entrants", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("of", sa.Integer(), nullable=False),
        sa.Column("win_state", sa.String(length=10), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "win_state IS NULL OR win_state IN ('pending', 'confirmed', 'declined', 'released')",
            name=op.f("ck_lottery_outcomes_win_state"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["lottery_rounds.id"],
            name=op.f("fk_lottery_outcomes_round_id_lottery_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["lottery_entries.id"],
            name=op.f("fk_lottery_outcomes_entry_id_lottery_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_lottery_outcomes_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_lottery_outcomes_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lottery_outcomes")),
        sa.UniqueConstraint("entry_id", "rank", name=op.f("uq_lottery_outcomes_entry_id_rank")),
    )
    op.create_index(
        "ix_lottery_outcomes_round_id_win_state",
        "lottery_outcomes",
        ["round_id", "win_state"],
        unique=False,
    )
    op.create_index("ix_lottery_outcomes_group_id", "lottery_outcomes", ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_table("lottery_outcomes")
    op.drop_table("lottery_choices")
    op.drop_table("lottery_entries")
    op.drop_table("lottery_rounds")
