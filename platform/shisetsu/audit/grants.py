"""PostgreSQL privileges that make the logs append-only for the application.

Provisioning grants the tenant role (and the app's login role, on the platform schema)
SELECT, INSERT, UPDATE, DELETE on every table; these take back what the log must not
allow. Called after every migration, so re-granting never reopens them. On SQLite the
migrations install triggers instead.
"""

from __future__ import annotations

import sqlalchemy as sa

#: The access-log columns a reduction clears or sets (see shisetsu.audit.chain).
REDUCIBLE = "ip, user_agent, network_salt, network_reduced_by"


def _has_column(conn: sa.Connection, schema: str, table: str, column: str) -> bool:
    found = conn.execute(
        sa.text(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = :s AND table_name = :t AND column_name = :c"
        ),
        {"s": schema, "t": table, "c": column},
    ).first()
    return found is not None


def restrict_tenant_role(conn: sa.Connection, schema: str, role: str) -> None:
    """Log rows: insert and read only; the head row: read and move forward only."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    qs, qr = quote(schema), quote(role)
    conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qs}.access_log FROM {qr}")
    # Reducing old network data clears these columns (nothing else): verify checks them.
    if _has_column(conn, schema, "access_log", "network_reduced_by"):
        conn.exec_driver_sql(f"GRANT UPDATE ({REDUCIBLE}) ON {qs}.access_log TO {qr}")
    conn.exec_driver_sql(f"REVOKE INSERT, DELETE, TRUNCATE ON {qs}.access_log_head FROM {qr}")
    # Deletion certificates (消去証明) are append-only too (docs/domain.md, Retention).
    conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qs}.deletion_certificates FROM {qr}")


def restrict_platform_role(conn: sa.Connection, who: str) -> None:
    """The same for the platform's log, and the ward's reviews are insert-only."""
    quote = conn.dialect.identifier_preparer.quote_identifier(who)
    conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON platform.access_log FROM {quote}")
    conn.exec_driver_sql(
        f"REVOKE INSERT, DELETE, TRUNCATE ON platform.access_log_head FROM {quote}"
    )
    conn.exec_driver_sql(
        f"REVOKE UPDATE, DELETE, TRUNCATE ON platform.finding_reviews FROM {quote}"
    )
