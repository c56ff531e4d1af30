"""Access log network data that can be reduced: hash version 2.

Adds the columns of hash version 2 (``ip_prefix``, ``network_digest`` hashed;
``network_salt`` and ``network_reduced_by`` beside the chain) and ``hash_version``, which
is 1 for every entry already written: those keep the hash they carry, over the raw address
and browser (see ``shisetsu.audit.chain``). On SQLite the update trigger is narrowed so
the application may only clear the network columns and name the reduction, never change
anything else; PostgreSQL gets the same through column grants
(``shisetsu.audit.grants.restrict_tenant_role``).

Revision ID: t0014
Revises: t0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "t0014"
down_revision = "t0013"
branch_labels = None
depends_on = None

HASHED = (
    "id, at, actor_kind, actor_id, actor_label, role, action, record_type, record_id, "
    "detail, purpose, ip_prefix, network_digest, hash_version, prev_hash, hash"
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER access_log_no_update BEFORE UPDATE OF {HASHED} ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END",
    "CREATE TRIGGER access_log_reduce_only BEFORE UPDATE OF ip, user_agent, network_salt, "
    "network_reduced_by ON access_log WHEN NEW.ip IS NOT NULL OR NEW.user_agent IS NOT NULL "
    "OR NEW.network_salt IS NOT NULL OR OLD.network_reduced_by IS NOT NULL "
    "OR NEW.network_reduced_by IS NULL "
    "BEGIN SELECT RAISE(ABORT, 'access_log network data can only be reduced'); END",
)
OLD_TRIGGER = (
    "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
    "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update")
    op.add_column("access_log", sa.Column("ip_prefix", sa.String(length=49), nullable=True))
    op.add_column("access_log", sa.Column("network_salt", sa.String(length=64), nullable=True))
    op.add_column("access_log", sa.Column("network_digest", sa.String(length=64), nullable=True))
    op.add_column("access_log", sa.Column("network_reduced_by", sa.BigInteger(), nullable=True))
    op.add_column(
        "access_log",
        sa.Column("hash_version", sa.SmallInteger(), server_default="1", nullable=False),
    )
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in ("access_log_no_update", "access_log_reduce_only"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for column in ("hash_version", "network_reduced_by", "network_digest", "network_salt"):
        op.drop_column("access_log", column)
    op.drop_column("access_log", "ip_prefix")
    if sqlite:
        op.execute(OLD_TRIGGER)
