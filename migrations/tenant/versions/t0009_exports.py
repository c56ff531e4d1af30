"""Exports: the handover ledger (管理簿) and archives awaiting their one download.

Revision ID: t0009
Revises: t0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t0009"
down_revision = "t0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "export_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("handler_login", sa.String(length=64), nullable=False),
        sa.Column("content", sa.String(length=40), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["staff.id"], name=op.f("fk_export_ledger_handler_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_ledger")),
    )
    op.create_index(op.f("ix_export_ledger_at"), "export_ledger", ["at"], unique=False)
    op.create_table(
        "export_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["export_ledger.id"],
            name=op.f("fk_export_downloads_ledger_id_export_ledger"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_downloads")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_export_downloads_token_hash")),
    )
    op.create_index(
        op.f("ix_export_downloads_ledger_id"), "export_downloads", ["ledger_id"], unique=False
    )
    op.create_index(
        op.f("ix_export_downloads_expires_at"), "export_downloads", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("export_downloads")
    op.drop_table("export_ledger")
