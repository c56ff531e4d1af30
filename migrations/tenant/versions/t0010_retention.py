"""Retention: deletion certificates (append-only, hash-chained), purge tombstones and
residents' deletion requests (see docs/domain.md, Retention).

On SQLite, triggers refuse UPDATE and DELETE of certificates; on PostgreSQL the same is
done with grants (``shisetsu.audit.grants.restrict_tenant_role``, run after every tenant
migration).

Revision ID: t0010
Revises: t0009
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t0010"
down_revision = "t0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER deletion_certificates_no_update BEFORE UPDATE ON deletion_certificates "
    "BEGIN SELECT RAISE(ABORT, 'deletion_certificates is append-only'); END",
    "CREATE TRIGGER deletion_certificates_no_delete BEFORE DELETE ON deletion_certificates "
    "BEGIN SELECT RAISE(ABORT, 'deletion_certificates is append-only'); END",
)


def upgrade() -> None:
    op.create_table(
        "deletion_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("executed_by", sa.String(length=120), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=True),
        sa.Column("cutoff", sa.Date(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "trigger IN ('retention', 'request')", name=op.f("ck_deletion_certificates_trigger")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_deletion_certificates_number")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_deletion_certificates_prev_hash")),
    )
    op.create_index(
        op.f("ix_deletion_certificates_issued_at"),
        "deletion_certificates",
        ["issued_at"],
        unique=False,
    )
    op.create_table(
        "retention_purged",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("purged_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["deletion_certificates.id"],
            name=op.f("fk_retention_purged_certificate_id_deletion_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_purged")),
        sa.UniqueConstraint(
            "record_type", "record_id", name=op.f("uq_retention_purged_record_type_record_id")
        ),
    )
    op.create_index(
        op.f("ix_retention_purged_certificate_id"),
        "retention_purged",
        ["certificate_id"],
        unique=False,
    )
    op.create_table(
        "deletion_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("mail_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("done_at", TZ, nullable=True),
        sa.CheckConstraint("state IN ('pending', 'done')", name=op.f("ck_deletion_requests_state")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_deletion_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["deletion_certificates.id"],
            name=op.f("fk_deletion_requests_certificate_id_deletion_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_requests")),
        sa.UniqueConstraint("account_id", name=op.f("uq_deletion_requests_account_id")),
    )
    op.create_index(
        op.f("ix_deletion_requests_state"), "deletion_requests", ["state"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("deletion_certificates_no_update", "deletion_certificates_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("deletion_requests")
    op.drop_table("retention_purged")
    op.drop_table("deletion_certificates")
