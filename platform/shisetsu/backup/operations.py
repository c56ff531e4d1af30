"""Back up and restore one tenant, encrypted with ``BACKUP_KEY`` (a Fernet key).

SQLite: the tenant file, copied with SQLite's online backup API. PostgreSQL: the tenant schema
only (``pg_dump --schema=tenant_<slug> --format=custom`` on the owner connection). Restoring one
tenant never touches another tenant's file or schema.

File layout: ``MAGIC`` then a Fernet token of ``<json header>\\n<payload>``; the header names the
database kind, the tenant and its migration revision, so a restore can refuse a mismatch before
anything is changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy.orm import Session

from shisetsu import hashchain
from shisetsu.backup.models import BackupRecord
from shisetsu.db import utcnow
from shisetsu.provisioning import migrate
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import clear_registry_cache
from shisetsu.tenancy.engines import dispose_tenant_engines, is_postgres, tenant_sqlite_path
from shisetsu.tenancy.models import Tenant
from shisetsu.tenancy.names import schema_name, validate_slug

MAGIC = b"SHISETSU-BACKUP/1\n"
FORMAT = 1
KEY_HELP = (
    "set BACKUP_KEY (environment: SHISETSU_BACKUP_KEY) to a Fernet key; generate one with: "
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


class BackupError(RuntimeError):
    """A backup or restore was refused or failed; the message is meant for the operator."""


# --- key and envelope -------------------------------------------------------------------


def fernet_for(app: Flask) -> Fernet:
    """The configured key, or a :class:`BackupError` explaining how to make one."""
    key = str(app.config.get("BACKUP_KEY") or "").strip()
    if not key:
        raise BackupError(f"no backup key: {KEY_HELP}")
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise BackupError(f"BACKUP_KEY is not a valid Fernet key: {KEY_HELP}") from exc


def seal(fernet: Fernet, header: dict[str, Any], payload: bytes) -> bytes:
    """Encrypt header and payload into the backup file's bytes."""
    inner = json.dumps(header, sort_keys=True).encode() + b"\n" + payload
    return MAGIC + fernet.encrypt(inner)


def unseal(fernet: Fernet, data: bytes) -> tuple[dict[str, Any], bytes]:
    """Decrypt a backup file's bytes; wrong key or foreign file → :class:`BackupError`."""
    wrong = "cannot decrypt: wrong BACKUP_KEY or not a Shisetsu backup"
    if not data.startswith(MAGIC):
        raise BackupError(wrong)
    try:
        inner = fernet.decrypt(data[len(MAGIC) :])
    except InvalidToken as exc:
        raise BackupError(wrong) from exc
    raw_header, _, payload = inner.partition(b"\n")
    try:
        header = json.loads(raw_header)
    except ValueError as exc:
        raise BackupError(wrong) from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("unsupported backup format")
    return header, payload


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _registered(app: Flask, slug: str) -> Tenant:
    try:
        validate_slug(slug)
    except ValueError as exc:
        raise BackupError(str(exc)) from exc
    with provisioning.admin_connection(app) as conn, Session(conn) as session:
        tenant = session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise BackupError(f"no tenant {slug!r}")
        session.expunge(tenant)
    return tenant


# --- public operations ------------------------------------------------------------------


def backup_tenant(app: Flask, slug: str, target: Path) -> dict[str, Any]:
    """Write an encrypted backup of tenant ``slug`` to ``target``; returns the header."""
    fernet = fernet_for(app)
    tenant = _registered(app, slug)
    if is_postgres(app):
        header, payload = _dump_postgres(app, tenant)
    else:
        header, payload = _dump_sqlite(app, tenant)
    taken = utcnow()
    header.update(format=FORMAT, tenant=slug, taken_at=hashchain.plain(taken))
    sealed = seal(fernet, header, payload)
    _write_atomically(target, sealed)
    header["sha256"] = hashlib.sha256(sealed).hexdigest()
    with provisioning.admin_connection(app) as conn:
        conn.execute(
            sa.insert(BackupRecord).values(
                tenant_slug=slug,
                taken_at=taken,
                path=str(target.resolve()),
                sha256=header["sha256"],
                kind=header["kind"],
                revision=header.get("revision"),
            )
        )
    return header


def restore_tenant(app: Flask, slug: str, source: Path) -> dict[str, Any]:
    """Replace tenant ``slug``'s data with the backup in ``source``; returns its header."""
    fernet = fernet_for(app)
    tenant = _registered(app, slug)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from exc
    header, payload = unseal(fernet, data)
    header["sha256"] = hashlib.sha256(data).hexdigest()  # the backup's identity
    kind = "postgresql" if is_postgres(app) else "sqlite"
    if header.get("kind") != kind:
        raise BackupError(f"backup is a {header.get('kind')} backup; this database is {kind}")
    if header.get("tenant") != slug:
        raise BackupError(f"backup is of tenant {header.get('tenant')!r}, not {slug!r}")
    head = migrate.head("tenant")
    if header.get("revision") != head:
        raise BackupError(
            f"backup is at migration {header.get('revision')!r}, the code at {head!r}; "
            "restore it with the matching release"
        )
    if kind == "postgresql":
        _restore_postgres(app, tenant, payload)
    else:
        _restore_sqlite(app, tenant, payload)
    clear_registry_cache(app)
    return header


def expire_backups(app: Flask, slug: str, days: int, now: datetime) -> list[str]:
    """Delete ``slug``'s backup files taken more than ``days`` ago; returns their digests.

    The ledger row stays, marked expired: what existed, and when it stopped existing.
    """
    table = cast("sa.Table", BackupRecord.__table__)
    due = (
        (table.c.tenant_slug == slug)
        & table.c.expired_at.is_(None)
        & (table.c.taken_at < now - timedelta(days=days))
    )
    with provisioning.admin_connection(app) as conn:
        rows = conn.execute(sa.select(table.c.id, table.c.path, table.c.sha256).where(due)).all()
        for row in rows:
            Path(row.path).unlink(missing_ok=True)
            conn.execute(table.update().where(table.c.id == row.id).values(expired_at=now))
    return [row.sha256 for row in rows]


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_revision(path: Path) -> str | None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError("backup database fails SQLite's integrity check")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"backup is not a usable tenant database: {exc}") from exc
    finally:
        conn.close()
    return row[0] if row else None


def _dump_sqlite(app: Flask, tenant: Tenant) -> tuple[dict[str, Any], bytes]:
    path = tenant_sqlite_path(app, tenant.slug)
    if not path.exists():
        raise BackupError(f"tenant file {path} is missing")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tenant.db"
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dest = sqlite3.connect(copy)
        try:
            src.backup(dest)  # a consistent snapshot even while the app writes
        finally:
            dest.close()
            src.close()
        revision = _sqlite_revision(copy)
        return {"kind": "sqlite", "revision": revision}, copy.read_bytes()


def _restore_sqlite(app: Flask, tenant: Tenant, payload: bytes) -> None:
    path = tenant_sqlite_path(app, tenant.slug)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.restore.", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        if _sqlite_revision(tmp) != migrate.head("tenant"):
            raise BackupError("backup database's alembic_version does not match this release")
        dispose_tenant_engines(app)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found (install the PostgreSQL client tools)")
    return found


def _pg_env(app: Flask) -> dict[str, str]:
    """libpq variables for the owner connection (keeps the password off the command line)."""
    url = sa.make_url(app.config["DATABASE_ADMIN_URL"])
    env = dict(os.environ)
    pairs = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(args: list[str], app: Flask, stdin: bytes | None = None) -> bytes:
    try:
        # Fixed argument lists to the PostgreSQL client tools; no shell, no user-built strings.
        done = subprocess.run(  # noqa: S603
            args, input=stdin, capture_output=True, env=_pg_env(app), check=False
        )
    except OSError as exc:
        raise BackupError(f"cannot run {args[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{Path(args[0]).name} failed: {' / '.join(detail[-3:])}")
    return done.stdout


def _dump_postgres(app: Flask, tenant: Tenant) -> tuple[dict[str, Any], bytes]:
    schema = schema_name(tenant.slug)
    with provisioning.admin_connection(app) as conn:
        revision = migrate.current(conn, schema)
    dump = _run([_pg_tool("pg_dump"), f"--schema={schema}", "--format=custom"], app)
    return {"kind": "postgresql", "revision": revision, "schema": schema}, dump


def _restore_postgres(app: Flask, tenant: Tenant, payload: bytes) -> None:
    schema = schema_name(tenant.slug)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "tenant.dump"
        archive.write_bytes(payload)
        listing = _run([_pg_tool("pg_restore"), "--list", str(archive)], app).decode()
        if f"SCHEMA - {schema} " not in listing:
            raise BackupError(f"backup archive does not contain schema {schema}")
        script = _run([_pg_tool("pg_restore"), "--file=-", str(archive)], app)
    # One transaction: drop the schema and rebuild it from the archive, or change nothing.
    quoted = '"' + schema.replace('"', '""') + '"'
    sql = f"DROP SCHEMA IF EXISTS {quoted} CASCADE;\n".encode() + script
    psql = [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction"]
    _run([*psql, "--set=ON_ERROR_STOP=1", "--file=-"], app, stdin=sql)
    # Re-grant the tenant role (and its append-only log restrictions) as provisioning does.
    provisioning.migrate_tenant(app, tenant)
