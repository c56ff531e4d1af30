"""The platform's access log (auditor sign-ins and accounts) and the ward's finding reviews.

Same chain and the same protection as the tenant log (see t0007): SQLite triggers here,
PostgreSQL grants in ``shisetsu.audit.grants.restrict_platform_role``.

Revision ID: p0003
Revises: p0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "p0003"
down_revision = "p0002"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    "CREATE TRIGGER access_log_head_forward BEFORE UPDATE ON access_log_head "
    "WHEN NEW.id != OLD.id OR NEW.last_id != OLD.last_id + 1 "
    "BEGIN SELECT RAISE(ABORT, 'access_log_head only moves forward'); END",
    "CREATE TRIGGER access_log_head_no_delete BEFORE DELETE ON access_log_head "
    "BEGIN SELECT RAISE(ABORT, 'access_log_head cannot be deleted'); END",
    "CREATE TRIGGER finding_reviews_no_update BEFORE UPDATE ON finding_reviews "
    "BEGIN SELECT RAISE(ABORT, 'finding_reviews is insert-only'); END",
)


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=80), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("record_type", sa.String(length=30), nullable=True),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        schema="platform",
    )
    for column in ("at", "action", "actor_label"):
        op.create_index(
            f"ix_platform_access_log_{column}",
            "access_log",
            [column],
            unique=False,
            schema="platform",
        )
    head = op.create_table(
        "access_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log_head")),
        schema="platform",
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "last_hash": None}])
    op.create_table(
        "finding_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_slug", sa.String(length=31), nullable=False),
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("auditor_label", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_reviews")),
        sa.UniqueConstraint(
            "tenant_slug",
            "finding_key",
            name=op.f("uq_finding_reviews_tenant_slug_finding_key"),
        ),
        schema="platform",
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    op.drop_table("finding_reviews", schema="platform")
    op.drop_table("access_log_head", schema="platform")
    for column in ("at", "action", "actor_label"):
        op.drop_index(
            f"ix_platform_access_log_{column}", table_name="access_log", schema="platform"
        )
    op.drop_table("access_log", schema="platform")
