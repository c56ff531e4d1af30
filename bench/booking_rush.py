"""Booking rush: N API clients race for M slots on gunicorn + PostgreSQL (loopback only).

A throwaway database (NOINHERIT application role, as in production) gets a synthetic
tenant ``rush`` (one facility, ``--rooms`` rooms with 午前/午後/夜間, the shipped booking
rules with the caps lifted so only the race decides), ``--clients`` approved groups and a
bearer token each. gunicorn serves ``wsgi:app`` on 127.0.0.1; each client thread keeps
one HTTP connection and books, one slot per request, a slot picked among the first
``--hot`` slots it does not yet know to be taken — so clients collide, as on the morning
first-come booking opens. Bounded by ``--seconds`` and ``--max-requests`` per client.

Then pgbench runs single-row INSERTs into a table with a unique key on the same server
for the same number of clients, for the ratio. Prints successful bookings/s, conflicts
(409) per second, p50/p99 latency, double bookings (a query over the bookings: must be
0) and pgbench's TPS. Jobs go to Redis (a throwaway queue) when it answers on
127.0.0.1:6379, else they run in-process (the mail relay then runs inside each request).

    .venv/bin/python bench/booking_rush.py [--clients 50] [--rooms 10] [--days 10]
        [--hot 8] [--seconds 30] [--max-requests 500] [--workers 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT / "plugins")]

from flask import Flask  # noqa: E402

from shisetsu import create_app  # noqa: E402
from shisetsu.auth.tokens import issue_token  # noqa: E402
from shisetsu.facilities.models import Room  # noqa: E402
from shisetsu.groups.models import APPROVED, Group  # noqa: E402
from shisetsu.people.models import Account  # noqa: E402
from shisetsu.provisioning import operations as provisioning  # noqa: E402
from shisetsu.tenancy.binding import tenant_session  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
URL = "postgresql+psycopg://{user}@127.0.0.1:5432/{db}"
PGBENCH = Path("/usr/lib/postgresql/15/bin/pgbench")
REDIS = "redis://127.0.0.1:6379/0"
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")

TOML = """
slug = "rush"
name = { ja = "ラッシュ", en = "Rush" }
operator = { ja = "ベンチ", en = "Bench" }
[[group_categories]]
code = "g"
name = { ja = "団体", en = "Group" }
resident = true
[slot_schemes.standard]
weekday = [
  { code = "am", name = { ja = "午前", en = "Morning" }, start = "09:00", end = "12:00" },
  { code = "pm", name = { ja = "午後", en = "Afternoon" }, start = "13:00", end = "17:00" },
  { code = "night", name = { ja = "夜間", en = "Evening" }, start = "18:00", end = "21:00" },
]
[[plugins]]
name = "booking_rules"
params = { horizon_months = { g = 3 }, monthly_cap = 100000, unpaid_cap = 100000 }
[[plugins]]
name = "fee_table"
[plugins.params.rates.standard]
am = { weekday = 1000, holiday = 1200 }
pm = { weekday = 1300, holiday = 1600 }
night = { weekday = 1300, holiday = 1600 }
[[plugins]]
name = "refund_schedule"
[[facilities]]
code = "rush-hall"
name = { ja = "ラッシュ館", en = "Rush Hall" }
kind = "community"
"""

DOUBLE_BOOKINGS = """
SELECT count(*) FROM (
  SELECT b.room_id, b.date, code.value
  FROM tenant_rush.bookings AS b, json_array_elements_text(b.slot_codes) AS code(value)
  WHERE b.status IN ('confirmed', 'paid')
  GROUP BY 1, 2, 3 HAVING count(*) > 1
) AS doubled
"""


@contextmanager
def throwaway_database() -> Iterator[tuple[str, str, str]]:
    """A fresh database and NOINHERIT login role; yields (name, admin URL, app URL)."""
    name = f"shisetsu_rush_{os.getpid()}"
    role = f"{name}_app"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f'CREATE ROLE "{role}" LOGIN NOINHERIT')
    try:
        admin = URL.format(user="postgres", db=name)
        with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'REVOKE ALL ON SCHEMA public FROM "{role}", PUBLIC')
        yield name, admin, URL.format(user=role, db=name)
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for (leftover,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (name + "%",)
            ).fetchall():
                conn.execute(f'DROP ROLE "{leftover}"')


def write_tenant(tenants: Path, rooms: int) -> None:
    folder = tenants / "rush"
    folder.mkdir(parents=True)
    body = "".join(
        f'[[facilities.rooms]]\ncode = "room-{i:02d}"\n'
        f'name = {{ ja = "部屋{i}", en = "Room {i}" }}\ncapacity = 40\n'
        'slot_scheme = "standard"\n'
        for i in range(1, rooms + 1)
    )
    (folder / "tenant.toml").write_text(TOML + body, "utf-8")


def redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


def prepare(app: Flask, clients: int, days: int) -> tuple[list[str], list[str]]:
    """Groups with tokens, and the slot ids to race for (weekdays from a week ahead)."""
    tokens = []
    now = dt.datetime.now(dt.UTC)
    with tenant_session(app, "rush") as session:
        for n in range(clients):
            account = Account(
                login=f"rush{n:03d}", email=f"rush{n:03d}@example.jp", password_hash="-"
            )
            session.add(account)
            session.flush()
            session.add(
                Group(
                    name=f"ラッシュ団体{n:03d}",
                    category="g",
                    status=APPROVED,
                    account_id=account.id,
                    representative_name="架空 太郎",
                    representative_address="東京都新宿区（架空）",
                    contact_name="架空 花子",
                    contact_address="東京都新宿区（架空）",
                    contact_email=f"rush{n:03d}@example.jp",
                    member_count=6,
                    resident_count=4,
                    representative_is_resident=True,
                    representative_is_adult=True,
                    privacy_accepted_at=now,
                    valid_from=now.date() - dt.timedelta(days=1),
                    valid_until=now.date() + dt.timedelta(days=365),
                )
            )
            token, _expires = issue_token(session, "resident", account.id, now)
            tokens.append(token)
        room_ids = [r.id for r in session.query(Room).order_by(Room.id)]
        session.commit()
    day = dt.datetime.now(TOKYO).date() + dt.timedelta(days=7)
    dates = []
    while len(dates) < days:
        if day.weekday() < 5:
            dates.append(day)
        day += dt.timedelta(days=1)
    slots = [f"{r}-{d:%Y%m%d}-{c}" for d in dates for r in room_ids for c in ("am", "pm", "night")]
    return tokens, slots


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> Iterator[None]:
    """gunicorn serving wsgi:app on 127.0.0.1:``port`` until the block ends."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Tally:
    """What the clients saw."""

    taken: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    created: int = 0
    conflicts: int = 0
    other: dict[int, int] = field(default_factory=dict)
    last_success: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(
    port: int,
    token: str,
    slots: list[str],
    tally: Tally,
    args: argparse.Namespace,
    seed: int,
    deadline: float,
    start: threading.Barrier,
) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start.wait()
    for _ in range(args.max_requests):
        if time.monotonic() > deadline:
            break
        with tally.lock:
            free = [s for s in slots if s not in tally.taken][: args.hot]
        if not free:
            break
        body = json.dumps({"slots": [rng.choice(free)], "attendees": 5, "purpose": "ラッシュ"})
        began = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/rush/bookings", body=body, headers=headers)
            response = conn.getresponse()
            payload = json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - began
        with tally.lock:
            tally.latencies.append(elapsed)
            if response.status == 201:
                tally.created += 1
                tally.taken.update(payload["slots"])
                tally.last_success = time.monotonic()
            elif response.status == 409:
                tally.conflicts += 1
                tally.taken.update(payload["error"]["slots"])
            else:
                tally.other[response.status] = tally.other.get(response.status, 0) + 1
    conn.close()


def pgbench_tps(database: str, clients: int, seconds: int, workdir: Path) -> float | None:
    """pgbench's TPS for single-row INSERTs with a unique key (same server, same clients)."""
    if not PGBENCH.exists():
        return None
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True) as c:
        c.execute("CREATE TABLE rush_insert (id bigserial PRIMARY KEY, k bigint UNIQUE)")
    script = workdir / "insert.sql"
    script.write_text(
        "\\set k random(1, 9000000000000)\n"
        "INSERT INTO rush_insert (k) VALUES (:k) ON CONFLICT DO NOTHING;\n"
    )
    jobs = max(1, min(clients, os.cpu_count() or 1))
    result = subprocess.run(
        [
            str(PGBENCH),
            "-n",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            str(clients),
            "-j",
            str(jobs),
            "-T",
            str(seconds),
            "-f",
            str(script),
            database,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    found = re.search(r"tps = ([0-9.]+)", result.stdout)
    return float(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--hot", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--max-requests", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shisetsu-rush-"))
    queue = f"rush-{os.getpid()}"
    use_redis = redis_answers()
    try:
        tenants = workdir / "tenants"
        write_tenant(tenants, args.rooms)
        with throwaway_database() as (name, admin_url, app_url):
            config = {
                "ENV_NAME": "testing",
                "INSTANCE_PATH": str(workdir / "instance"),
                "TENANTS_DIR": str(tenants),
                "DATABASE_URL": app_url,
                "DATABASE_ADMIN_URL": admin_url,
            }
            app = create_app(config)
            provisioning.migrate_platform(app)
            provisioning.create_tenant(app, "rush")
            tokens, slots = prepare(app, args.clients, args.days)
            env = {
                **os.environ,
                "SHISETSU_ENV": "testing",
                "SHISETSU_INSTANCE_PATH": str(workdir / "instance"),
                "SHISETSU_TENANTS_DIR": str(tenants),
                "SHISETSU_DATABASE_URL": app_url,
                "SHISETSU_DATABASE_ADMIN_URL": admin_url,
                "SHISETSU_REDIS_URL": REDIS if use_redis else "",
                "SHISETSU_JOBS_QUEUE": queue,
                "TZ": "Asia/Tokyo",
            }
            tally = Tally()
            with gunicorn(env, args.port, args.workers, args.threads):
                start = threading.Barrier(args.clients + 1)
                deadline = time.monotonic() + args.seconds
                threads = [
                    threading.Thread(
                        target=client,
                        args=(args.port, tokens[i], slots, tally, args, i, deadline, start),
                    )
                    for i in range(args.clients)
                ]
                for thread in threads:
                    thread.start()
                start.wait()
                began = time.monotonic()
                for thread in threads:
                    thread.join(timeout=args.seconds + 60)
                wall = time.monotonic() - began
            with psycopg.connect(admin_url.replace("+psycopg", "")) as conn:
                doubled = conn.execute(DOUBLE_BOOKINGS).fetchone()[0]  # type: ignore[index]
                stored = conn.execute(
                    "SELECT count(*) FROM tenant_rush.bookings WHERE status <> 'cancelled'"
                ).fetchone()[0]  # type: ignore[index]
            tps = pgbench_tps(name, args.clients, min(10, args.seconds), workdir)
        report(args, slots, tally, wall, doubled, stored, tps, use_redis)
    finally:
        if use_redis:
            import redis
            from rq import Queue

            Queue(queue, connection=redis.Redis.from_url(REDIS)).delete(delete_jobs=True)
        shutil.rmtree(workdir, ignore_errors=True)


def report(
    args: argparse.Namespace,
    slots: list[str],
    tally: Tally,
    wall: float,
    doubled: int,
    stored: int,
    tps: float | None,
    use_redis: bool,
) -> None:
    requests = len(tally.latencies)
    cuts = statistics.quantiles(tally.latencies, n=100) if requests > 1 else [0.0] * 99
    jobs = "Redis (throwaway queue)" if use_redis else "in-process (mail relay inside requests)"
    rate = tally.created / wall if wall else 0.0
    print(
        f"booking rush: {args.clients} clients, {len(slots)} slots ({args.rooms} rooms × "
        f"{args.days} days × 3), hot set {args.hot}"
    )
    print(
        f"  gunicorn {args.workers} workers × {args.threads} threads (gthread), PostgreSQL, "
        f"jobs: {jobs}"
    )
    print(f"  requests              {requests:7d} in {wall:.1f} s")
    print(f"  successful bookings   {tally.created:7d}   {rate:8.1f} /s")
    print(f"  conflicts (409)       {tally.conflicts:7d}   {tally.conflicts / wall:8.1f} /s")
    print(f"  other responses       {sum(tally.other.values()):7d}   {tally.other or ''}")
    print(f"  latency               p50 {cuts[49] * 1000:7.1f} ms   p99 {cuts[98] * 1000:7.1f} ms")
    print(f"  slots left free       {len(slots) - len(tally.taken):7d}")
    print(
        f"  bookings stored       {stored:7d}   (= successful bookings: {stored == tally.created})"
    )
    print(f"  double bookings       {doubled:7d}   (must be 0)")
    if tps is None:
        print("  pgbench               not found at /usr/lib/postgresql/15/bin/pgbench")
    else:
        print(f"  pgbench single-insert TPS {tps:9.1f}   ({args.clients} clients, same server)")
        print(f"  bookings/s ÷ pgbench TPS  {rate / tps:9.3f}")


if __name__ == "__main__":
    main()
