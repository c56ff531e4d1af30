"""Anchors of the tenants' hash chains, copies of deletion certificates, the backup ledger.

Revision ID: p0005
Revises: p0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "p0005"
down_revision = "p0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_anchors",
        sa.Column("tenant_slug", sa.String(length=31), nullable=False),
        sa.Column("chain", sa.String(length=20), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_slug", "chain", name=op.f("pk_chain_anchors")),
        schema="platform",
    )
    op.create_table(
        "certificate_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_slug", sa.String(length=31), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_copies")),
        sa.UniqueConstraint(
            "tenant_slug", "number", name=op.f("uq_certificate_copies_tenant_slug_number")
        ),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_certificate_copies_tenant_slug"),
        "certificate_copies",
        ["tenant_slug"],
        schema="platform",
    )
    op.create_table(
        "backups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_slug", sa.String(length=31), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.String(length=40), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backups")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_backups_tenant_slug"), "backups", ["tenant_slug"], schema="platform"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_platform_backups_tenant_slug"), table_name="backups", schema="platform")
    op.drop_table("backups", schema="platform")
    op.drop_index(
        op.f("ix_platform_certificate_copies_tenant_slug"),
        table_name="certificate_copies",
        schema="platform",
    )
    op.drop_table("certificate_copies", schema="platform")
    op.drop_table("chain_anchors", schema="platform")
