"""Access log (hash chain, append-only), its head, analysis findings and incidents.

On SQLite, triggers refuse UPDATE and DELETE of log rows and let the head only move
forward; on PostgreSQL the same is done with grants (see
``shisetsu.audit.grants.restrict_tenant_role``, called after every tenant migration). The
file owner / database superuser can still bypass both: ``shisetsu audit verify`` is what
detects that.

Revision ID: t0007
Revises: t0006
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "t0007"
down_revision = "t0006"
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
)


def log_columns() -> list[sa.Column]:
    return [
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
    ]


def upgrade() -> None:
    op.create_table(
        "access_log", *log_columns(), sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log"))
    )
    for column in ("at", "action", "actor_label"):
        op.create_index(f"ix_access_log_{column}", "access_log", [column], unique=False)
    head = op.create_table(
        "access_log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log_head")),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "last_hash": None}])
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("first_log_id", sa.BigInteger(), nullable=True),
        sa.Column("last_log_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high')", name=op.f("ck_audit_findings_severity")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
        sa.UniqueConstraint(
            "day", "rule", "subject", name=op.f("uq_audit_findings_day_rule_subject")
        ),
    )
    op.create_index("ix_audit_findings_day", "audit_findings", ["day"], unique=False)
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_affected", sa.Text(), nullable=False),
        sa.Column("people_affected", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=False),
        sa.Column("reported_by_label", sa.String(length=100), nullable=False),
        sa.Column("auditors_mailed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["staff.id"], name=op.f("fk_incidents_reported_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_reported_at", "incidents", ["reported_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("access_log_no_update", "access_log_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in ("access_log_head_forward", "access_log_head_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_incidents_reported_at", table_name="incidents")
    op.drop_table("incidents")
    op.drop_index("ix_audit_findings_day", table_name="audit_findings")
    op.drop_table("audit_findings")
    op.drop_table("access_log_head")
    for column in ("at", "action", "actor_label"):
        op.drop_index(f"ix_access_log_{column}", table_name="access_log")
    op.drop_table("access_log")
