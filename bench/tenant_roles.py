"""Per-tenant login roles and pools against the old path (one pool, ``SET LOCAL ROLE``).

Run from the checkout (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/tenant_roles.py [--requests 150] [--transactions 1000]

A throwaway database gets the synthetic tenant ``rush`` of bench/booking_rush.py and one
approved group with an API token. The old path is rebuilt beside the new one in the same
process: a login role that is a member of the tenant role, one shared engine, and an
``after_begin`` hook issuing ``SET LOCAL ROLE`` and a local ``search_path``. Requests and
transactions alternate between the two, so drift hits both alike. Every figure is printed
next to its limit; a figure over its limit is marked ``OVER``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flask import Flask
from sqlalchemy.orm import Session, SessionTransaction

import booking_rush as rush
from shisetsu import create_app
from shisetsu.db import TenantSession
from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy import engines
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.credentials import role_password, scram_verifier
from shisetsu.tenancy.names import BoundTenant

# Limits: what the new path may cost at most, against the old one in the same run.
BOOKING_SLOWDOWN = 1.10  # booking request median: at most 10 % slower …
BOOKING_SLACK_MS = 0.5  # … plus half a millisecond
POOL_OPEN_MS = 50.0  # first request of a tenant in a process: engine, connect, first query
POOL_MEMORY_KIB = 1024.0  # Python memory of one more pool with one connection
BACKEND_MEMORY_MIB = 16.0  # private memory of one server backend after a booking


class OldPath:
    """The replaced design: a member login role, one engine, SET LOCAL ROLE per transaction."""

    def __init__(self, name: str, app_url: str, tenant_role: str) -> None:
        self.role = f"{name}_legacy"
        admin = rush.URL.format(user="postgres", db=name).replace("+psycopg", "")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE ROLE "{self.role}" LOGIN NOINHERIT')
            conn.execute(f'GRANT "{tenant_role}" TO "{self.role}"')
        url = sa.make_url(app_url).set(username=self.role)
        self.engine = sa.create_engine(url, pool_pre_ping=True)  # as the app engine was
        self._real = engines.tenant_engine

    def _begin(self, session: Session, _tx: SessionTransaction, conn: sa.Connection) -> None:
        tenant = session.info.get("shisetsu.tenant")
        if tenant is not None and tenant.role:
            conn.exec_driver_sql(f'SET LOCAL ROLE "{tenant.role}"')
            conn.execute(
                sa.text("SELECT set_config('search_path', :p, true)"), {"p": tenant.schema}
            )

    @contextmanager
    def active(self) -> Iterator[None]:
        engines.tenant_engine = lambda tenant: self.engine  # type: ignore[assignment]
        sa.event.listen(TenantSession, "after_begin", self._begin)
        try:
            yield
        finally:
            sa.event.remove(TenantSession, "after_begin", self._begin)
            engines.tenant_engine = self._real


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def booking_requests(
    app: Flask, old: OldPath, token: str, slots: list[str], count: int
) -> tuple[list[float], list[float]]:
    """Seconds per ``POST /api/v1/rush/bookings`` (one free slot each), old and new alternating."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    free = iter(slots)
    times: dict[str, list[float]] = {"old": [], "new": []}

    def book(path: str) -> None:
        body = {"slots": [next(free)], "attendees": 5, "purpose": "ベンチ"}
        began = time.perf_counter()
        if path == "old":
            with old.active():
                response = client.post("/api/v1/rush/bookings", json=body, headers=headers)
        else:
            response = client.post("/api/v1/rush/bookings", json=body, headers=headers)
        times[path].append(time.perf_counter() - began)
        assert response.status_code == 201, response.get_data(as_text=True)[:500]

    for _ in range(5):  # warm both paths
        book("old")
        book("new")
    times = {"old": [], "new": []}
    for _ in range(count):
        book("old")
        book("new")
    return times["old"], times["new"]


def select_one(app: Flask, old: OldPath, count: int) -> tuple[list[float], list[float]]:
    """Seconds per ``SELECT 1`` transaction on a bound session, old and new alternating."""

    def run(session: Session) -> float:
        began = time.perf_counter()
        session.execute(sa.text("SELECT 1"))
        session.commit()
        return time.perf_counter() - began

    samples: dict[str, list[float]] = {"old": [], "new": []}
    for path in ("old", "new"):  # warm both paths
        with old.active() if path == "old" else nullcontext(), tenant_session(app, "rush") as s:
            for _ in range(50):
                run(s)
    for _ in range(count):
        with old.active(), tenant_session(app, "rush") as legacy:
            samples["old"].append(run(legacy))
        with tenant_session(app, "rush") as fresh:
            samples["new"].append(run(fresh))
    return samples["old"], samples["new"]


def pool_opens(app: Flask, count: int) -> list[float]:
    """Seconds from no pool to a first ``SELECT 1`` answered (engine, connect, query)."""
    samples = []
    for _ in range(count):
        engines.dispose_tenant_engines(app)
        began = time.perf_counter()
        with tenant_session(app, "rush") as session:
            session.execute(sa.text("SELECT 1"))
        samples.append(time.perf_counter() - began)
    return samples


def pool_memory_kib(app: Flask, role: str) -> float:
    """Python memory held by one more open pool with one idle connection (tracemalloc)."""
    engines.dispose_tenant_engines(app)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    with app.app_context():
        engine = engines.tenant_engine(BoundTenant("rush", "tenant_rush", role=role))
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return grown / 1024


def backend_memory_mib(name: str, role: str) -> float | None:
    """Largest private (anonymous) memory of ``role``'s backends, from /proc (same host)."""
    with psycopg.connect(rush.SERVER) as conn:
        pids = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                (name, role),
            )
        ]
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("RssAnon:"):
                sizes.append(int(line.split()[1]) / 1024)
    return max(sizes) if sizes else None


def row(label: str, old: float | None, new: float, limit: float, fmt: str) -> None:
    """One figure: the old path's value (if it has one), the new one, its limit, a verdict."""
    before = "-" if old is None else format(old, fmt)
    mark = "ok" if new <= limit else "OVER"
    print(f"{label:<46}{before:>9}{format(new, fmt):>9}{'<= ' + format(limit, fmt):>11}  {mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=150, help="booking requests per path")
    parser.add_argument("--transactions", type=int, default=1000, help="SELECT 1 per path")
    parser.add_argument("--opens", type=int, default=30, help="pool openings (median)")
    args = parser.parse_args(argv)

    days = (2 * args.requests + 10) // 30 + 2  # 10 rooms x 3 slots a weekday
    with (
        rush.throwaway_database() as (name, admin_url, app_url),
        tempfile.TemporaryDirectory() as tmp,
    ):
        tenants = Path(tmp) / "tenants"
        rush.write_tenant(tenants, rooms=10)
        app = create_app(
            {
                "ENV_NAME": "testing",
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "TENANTS_DIR": str(tenants),
                "DATABASE_URL": app_url,
                "DATABASE_ADMIN_URL": admin_url,
                "RATELIMIT_ENABLED": False,
            }
        )
        provisioning.migrate_platform(app)
        created = provisioning.create_tenant(app, "rush")
        role = str(created.tenant.db_role)
        (token,), slots = rush.prepare(app, 1, days)
        old = OldPath(name, app_url, role)
        try:
            booking_old, booking_new = booking_requests(app, old, token, slots, args.requests)
            backend = backend_memory_mib(name, role)
            select_old, select_new = select_one(app, old, args.transactions)
            opens = pool_opens(app, args.opens)
            memory = pool_memory_kib(app, role)
            began = time.perf_counter()
            for _ in range(20):
                scram_verifier(role_password("x" * 32, role))
            scram_ms = (time.perf_counter() - began) / 20 * 1000
            with psycopg.connect(rush.SERVER) as conn:
                server = conn.execute("SHOW server_version").fetchone()
                max_connections = conn.execute("SHOW max_connections").fetchone()
        finally:
            old.engine.dispose()
            engines.dispose_tenant_engines(app)
            with app.app_context():
                from shisetsu.extensions import db

                db.engine.dispose()

    cfg = app.config
    size, overflow, pools = (
        cfg["TENANT_POOL_SIZE"],
        cfg["TENANT_POOL_OVERFLOW"],
        cfg["TENANT_POOLS_MAX"],
    )
    b_old, b_new = median_ms(booking_old), median_ms(booking_new)
    b_limit = b_old * BOOKING_SLOWDOWN + BOOKING_SLACK_MS
    s_old, s_new = median_ms(select_old) * 1000, median_ms(select_new) * 1000
    open_ms = median_ms(opens)
    print(f"PostgreSQL {server[0] if server else '?'}, SQLAlchemy {sa.__version__}")
    print(f"{'figure':<46}{'old':>9}{'new':>9}{'limit':>11}")
    row(f"booking request, API (median of {args.requests}) ms", b_old, b_new, b_limit, ".2f")
    row(f"SELECT 1 transaction (median of {args.transactions}) µs", s_old, s_new, s_old, ".1f")
    row("pool open to first SELECT 1 (median) ms", None, open_ms, POOL_OPEN_MS, ".2f")
    row("Python memory per pool, 1 connection KiB", None, memory, POOL_MEMORY_KIB, ".0f")
    if backend is None:
        print(f"{'server backend private memory MiB':<46}{'-':>9}{'n/a':>9}  (no /proc access)")
    else:
        row("server backend private memory MiB", None, backend, BACKEND_MEMORY_MIB, ".1f")
    print(
        f"SCRAM client proof per new connection (PBKDF2, 4096 rounds): {scram_ms:.1f} ms"
        " (not exercised here: the local server trusts loopback)"
    )
    print(
        f"connections per process: {pools} pools x {size} kept = {pools * size} idle at most,"
        f" {pools * (size + overflow)} at peak; server max_connections"
        f" {max_connections[0] if max_connections else '?'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
