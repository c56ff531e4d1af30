"""Availability benchmark: p50/p95 of a room's month grid and of the API for a month.

A synthetic tenant ``bench`` with one facility of 20 rooms (午前/午後/夜間 + 全日), about a
third of next month's slots held, a few official holds and an ad-hoc closure. Runs on
SQLite always and on PostgreSQL when a server answers at 127.0.0.1:5432 (loopback only; a
throwaway database is created and dropped). Requests go through Flask's test client, so
figures include routing, templates and JSON, not the network.

    .venv/bin/python bench/availability.py [--runs 200] [--no-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT / "plugins")]

from flask import Flask  # noqa: E402

from shisetsu import create_app  # noqa: E402
from shisetsu.dates import month_bounds  # noqa: E402
from shisetsu.facilities.models import Room  # noqa: E402
from shisetsu.provisioning import operations as provisioning  # noqa: E402
from shisetsu.slots.grid import shift_month  # noqa: E402
from shisetsu.slots.holds import hold_slots  # noqa: E402
from shisetsu.slots.ids import SlotRef  # noqa: E402
from shisetsu.slots.models import BOOKING, OFFICIAL, Closure  # noqa: E402
from shisetsu.tenancy.binding import tenant_session  # noqa: E402

ROOMS = 20
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

TOML_HEAD = """
slug = "bench"
name = { ja = "ベンチ", en = "Bench" }
operator = { ja = "ベンチ", en = "Bench" }
[[group_categories]]
code = "g"
name = { ja = "団体", en = "Group" }
resident = true
[closed_days]
nth_weekdays = [{ n = 4, weekday = "mon" }]
date_ranges = [{ start = "12-29", end = "01-03" }]
[slot_schemes.standard]
weekday = [
  { code = "am", name = { ja = "午前", en = "Morning" }, start = "09:00", end = "12:00" },
  { code = "pm", name = { ja = "午後", en = "Afternoon" }, start = "13:00", end = "17:00" },
  { code = "night", name = { ja = "夜間", en = "Evening" }, start = "18:00", end = "21:00" },
]
full_day = [
  { code = "full", name = { ja = "全日", en = "Full day" }, slots = ["am", "pm", "night"] },
]
[[facilities]]
code = "bench-hall"
name = { ja = "ベンチ館", en = "Bench Hall" }
kind = "community"
"""


def write_tenant(tenants_dir: Path) -> None:
    rooms = "".join(
        f'[[facilities.rooms]]\ncode = "room-{i:02d}"\n'
        f'name = {{ ja = "部屋{i}", en = "Room {i}" }}\ncapacity = {10 + i}\n'
        'slot_scheme = "standard"\n'
        for i in range(1, ROOMS + 1)
    )
    folder = tenants_dir / "bench"
    folder.mkdir(parents=True)
    (folder / "tenant.toml").write_text(TOML_HEAD + rooms, "utf-8")


def seed(app: Flask, month: dt.date) -> None:
    """Hold about a third of the month's slots; some official holds; one closure."""
    rng = random.Random(4)
    first, last = month_bounds(month)
    with tenant_session(app, "bench") as session:
        rooms = session.query(Room).all()
        refs = [
            SlotRef(room.id, first + dt.timedelta(days=d), code)
            for room in rooms
            for d in range((last - first).days + 1)
            for code in ("am", "pm", "night")
        ]
        chosen = rng.sample(refs, len(refs) // 3)
        for index, ref in enumerate(chosen):
            kind = OFFICIAL if index % 20 == 0 else BOOKING
            hold_slots(session, [ref], kind, None if kind == OFFICIAL else index)
        session.add(
            Closure(
                facility_id=rooms[0].facility_id,
                room_id=None,
                start_date=first + dt.timedelta(days=9),
                end_date=first + dt.timedelta(days=9),
                reason_ja="設備点検",
            )
        )
        session.commit()


def measure(call: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(5):  # warm caches (templates, jpholiday)
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    quantiles = statistics.quantiles(times, n=100)
    return quantiles[49], quantiles[94]


def run(label: str, app: Flask, runs: int) -> None:
    month = shift_month(dt.date.today(), 1)
    seed(app, month)
    first, last = month_bounds(month)
    client = app.test_client()
    with tenant_session(app, "bench") as session:
        room_ids = [r.id for r in session.query(Room).order_by(Room.id)]
    turn = iter(range(10**9))

    def grid() -> None:
        room = room_ids[next(turn) % len(room_ids)]
        response = client.get(f"/bench/rooms/{room}/availability?month={month:%Y-%m}")
        assert response.status_code == 200, response.status_code

    def api() -> None:
        query = {"from": first.isoformat(), "to": last.isoformat(), "facility": "bench-hall"}
        response = client.get("/api/v1/bench/availability", query_string=query)
        assert (
            response.status_code == 200
            and len(response.get_json()["slots"]) == ROOMS * ((last - first).days + 1) * 3
        )

    for name, call in (("month grid, one room", grid), (f"API month, {ROOMS} rooms", api)):
        p50, p95 = measure(call, runs)
        print(f"{label:10s} {name:24s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({runs} runs)")


def make(instance: Path, tenants: Path, **overrides: object) -> Flask:
    config = {"ENV_NAME": "testing", "INSTANCE_PATH": str(instance), "TENANTS_DIR": str(tenants)}
    return create_app({**config, **overrides})


def bench_sqlite(workdir: Path, tenants: Path, runs: int) -> None:
    app = make(workdir / "sqlite", tenants)
    provisioning.migrate_platform(app)
    provisioning.create_tenant(app, "bench")
    run("SQLite", app, runs)


def bench_postgres(workdir: Path, tenants: Path, runs: int) -> None:
    try:
        import psycopg

        server = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=2)
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc.__class__.__name__}")
        return
    name = f"shisetsu_bench_{os.getpid()}"
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        app = make(workdir / "pg", tenants, DATABASE_URL=url)
        provisioning.migrate_platform(app)
        provisioning.create_tenant(app, "bench")
        run("PostgreSQL", app, runs)
        from shisetsu.extensions import db

        with app.app_context():
            db.engine.dispose()
    finally:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (role,) in server.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"{name}%",)
        ).fetchall():
            server.execute(f'DROP ROLE IF EXISTS "{role}"')
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shisetsu-bench-"))
    try:
        tenants = workdir / "tenants"
        write_tenant(tenants)
        bench_sqlite(workdir, tenants, args.runs)
        if not args.no_postgres:
            bench_postgres(workdir, tenants, args.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
