"""Handlers: the single-use initial password of staff; downloads and disposal in the ledger.

Revision ID: t0015
Revises: t0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0015"
down_revision = "t0017"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "staff",
        sa.Column(
            "password_must_change", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    with op.batch_alter_table("export_ledger") as batch:
        batch.add_column(sa.Column("disposed_at", TZ, nullable=True))
        batch.add_column(sa.Column("disposed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("disposed_by_login", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("disposal_method", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("disposal_note", sa.String(length=200), nullable=True))
        batch.create_foreign_key(
            op.f("fk_export_ledger_disposed_by_id_staff"), "staff", ["disposed_by_id"], ["id"]
        )
    op.create_table(
        "export_ledger_downloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_login", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["ledger_id"],
            ["export_ledger.id"],
            name=op.f("fk_export_ledger_downloads_ledger_id_export_ledger"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_export_ledger_downloads_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_ledger_downloads")),
    )
    op.create_index(
        op.f("ix_export_ledger_downloads_ledger_id"),
        "export_ledger_downloads",
        ["ledger_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_export_ledger_downloads_ledger_id"), table_name="export_ledger_downloads"
    )
    op.drop_table("export_ledger_downloads")
    with op.batch_alter_table("export_ledger") as batch:
        batch.drop_constraint(op.f("fk_export_ledger_disposed_by_id_staff"), type_="foreignkey")
        for column in (
            "disposal_note",
            "disposal_method",
            "disposed_by_login",
            "disposed_by_id",
            "disposed_at",
        ):
            batch.drop_column(column)
    op.drop_column("staff", "password_must_change")
