"""Tenancy costs on PostgreSQL: creating a tenant, and binding one per transaction.

Run from the checkout (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/tenants.py [--creates 5] [--transactions 1000]

It makes its own throwaway database and application login role (NOINHERIT, as in
production), provisions the shipped tenants, measures, and drops everything at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import sqlalchemy as sa
from flask import Flask

from shisetsu import create_app
from shisetsu.extensions import db
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.engines import dispose_tenant_engines

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
URL = "postgresql+psycopg://{user}@127.0.0.1:5432/{db}"
GENKIKAN_TOML = Path(__file__).resolve().parents[1] / "tenants" / "genkikan" / "tenant.toml"


@contextmanager
def throwaway_database() -> Iterator[tuple[str, str]]:
    """A fresh database plus a NOINHERIT login role; yields (admin URL, app URL)."""
    name = f"shisetsu_bench_{os.getpid()}"
    role = f"{name}_app"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOINHERIT')
    try:
        admin_url = URL.format(user="postgres", db=name)
        with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'REVOKE ALL ON SCHEMA public FROM "{role}", PUBLIC')
        yield admin_url, URL.format(user=role, db=name)
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for (leftover,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (name + "%",)
            ).fetchall():
                conn.execute(f'DROP ROLE "{leftover}"')


def ward_toml(folder: Path, slug: str) -> Path:
    """Genkikan's tenant.toml under another (synthetic) slug."""
    text = GENKIKAN_TOML.read_text("utf-8").replace('slug = "genkikan"', f'slug = "{slug}"')
    path = folder / f"{slug}.toml"
    path.write_text(text, "utf-8")
    return path


def time_creates(app: Flask, folder: Path, count: int) -> list[float]:
    """Seconds per ``create_tenant`` (role, schema, migration, grants, facilities, registry)."""
    seconds = []
    for i in range(count):
        slug = f"bench_{i:03d}"
        path = ward_toml(folder, slug)
        start = time.perf_counter()
        provisioning.create_tenant(app, slug, path)
        seconds.append(time.perf_counter() - start)
    return seconds


def one_transaction(session: sa.orm.Session) -> int:
    """Nanoseconds for ``SELECT 1`` in its own transaction (begin, hook, query, commit)."""
    start = time.perf_counter_ns()
    session.execute(sa.text("SELECT 1"))
    session.commit()
    return time.perf_counter_ns() - start


def time_transactions(app: Flask, count: int) -> tuple[list[int], list[int]]:
    """Interleaved bound and unbound transactions, so drift hits both alike."""
    bound: list[int] = []
    unbound: list[int] = []
    with tenant_session(app, "genkikan") as tenant, app.app_context():
        plain = db.session()  # this context's session: no tenant
        assert plain is not tenant
        for _ in range(50):  # warm the pool and the server's caches
            one_transaction(tenant)
            one_transaction(plain)
        for _ in range(count):
            bound.append(one_transaction(tenant))
            unbound.append(one_transaction(plain))
        db.session.remove()
    return bound, unbound


def time_lookups(app: Flask, count: int) -> list[int]:
    """Nanoseconds to resolve a slug from the registry, as every request does."""
    from shisetsu.tenancy.binding import find_tenant

    samples = []
    with app.app_context():
        for _ in range(count):
            start = time.perf_counter_ns()
            find_tenant("genkikan")
            samples.append(time.perf_counter_ns() - start)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=5, help="tenants to create (median)")
    parser.add_argument("--transactions", type=int, default=1000, help="transactions per side")
    args = parser.parse_args(argv)

    median_us: Callable[[list[int]], float] = lambda ns: statistics.median(ns) / 1000  # noqa: E731
    with throwaway_database() as (admin_url, app_url), tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "ENV_NAME": "testing",
                "INSTANCE_PATH": tmp,
                "DATABASE_URL": app_url,
                "DATABASE_ADMIN_URL": admin_url,
            }
        )
        provisioning.migrate_platform(app)
        provisioning.create_tenant(app, "genkikan")

        creates = time_creates(app, Path(tmp), args.creates)
        bound, unbound = time_transactions(app, args.transactions)
        lookups = time_lookups(app, args.transactions)
        with app.app_context():
            server = db.session.scalar(sa.text("SHOW server_version"))
            db.session.remove()
            db.engine.dispose()
        dispose_tenant_engines(app)

    overhead = median_us(bound) - median_us(unbound)
    print(f"PostgreSQL {server}, Python {sys.version.split()[0]}, SQLAlchemy {sa.__version__}")
    print()
    print(f"create one tenant (5 rooms), median of {len(creates)}:")
    print(f"  {statistics.median(creates) * 1000:8.1f} ms   (min {min(creates) * 1000:.1f} ms,")
    print(f"{'':14}max {max(creates) * 1000:.1f} ms)")
    print()
    print(f"one transaction with SELECT 1, median of {args.transactions}:")
    print(f"  bound to a tenant  {median_us(bound):8.1f} µs")
    print(f"  unbound            {median_us(unbound):8.1f} µs")
    print(f"  binding overhead   {overhead:8.1f} µs per transaction")
    print("                     (the tenant's own login role and pool against the app's)")
    print()
    print(f"registry lookup of a slug (once per request), median of {len(lookups)}:")
    print(f"  {median_us(lookups):8.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
