"""Page benchmark: p50/p95 server time of the ten most used pages, per tenant, on demo data.

Builds a throwaway demo database (SQLite by default, ``--pg`` for PostgreSQL on
127.0.0.1:5432) with what ``shisetsu demo seed`` makes for both tenants (facilities,
staff, 20 residents with approved groups, a lottery round, bookings), signs in through the
real sign-in pages of Flask's test client (a resident with bookings; the counter staff
member with their TOTP code), then requests each page ``--runs`` times. Times are in-process
(routing, database, templates; no network).

    .venv/bin/python bench/pages.py [--runs 50] [--pg] [--lang ja|en]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT / "plugins")]

import pyotp  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from shisetsu import create_app  # noqa: E402
from shisetsu.booking.models import Booking  # noqa: E402
from shisetsu.demo.operations import DEMO_TENANTS, seed  # noqa: E402
from shisetsu.groups.models import Group  # noqa: E402
from shisetsu.people.models import Staff  # noqa: E402
from shisetsu.tenancy.binding import tenant_session  # noqa: E402

PASSWORD = "bench-demo-password"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
STAFF_LOGIN = "demo-counter"
FREE_SLOT = re.compile(r'href="/[a-z0-9-]+/slots/([0-9]+-[0-9]{8}-[a-z0-9_-]+)"')


@dataclass(frozen=True)
class Page:
    """One page to time: a label, a URL and who asks for it."""

    label: str
    url: str
    who: str  # "anonymous", "resident" or "staff"


@dataclass(frozen=True)
class Facts:
    """What the URLs need from the demo data of one tenant."""

    login: str
    group_id: int
    room_id: int
    busy_day: dt.date


def demo_facts(app: Flask, slug: str) -> Facts:
    """A resident whose group has the most bookings, and the day and room of one of them."""
    with tenant_session(app, slug) as session:
        group_id, _count = session.execute(
            sa.select(Booking.group_id, sa.func.count(Booking.id))
            .group_by(Booking.group_id)
            .order_by(sa.func.count(Booking.id).desc(), Booking.group_id)
            .limit(1)
        ).one()
        group = session.get(Group, group_id)
        assert group is not None and group.account is not None
        booking = session.scalars(
            sa.select(Booking).where(Booking.group_id == group_id).order_by(Booking.date)
        ).first()
        assert booking is not None
        return Facts(group.account.login, group_id, booking.room_id, booking.date)


def sign_in_resident(client: FlaskClient, slug: str, login: str) -> None:
    response = client.post(f"/{slug}/account/login", data={"login": login, "password": PASSWORD})
    assert response.status_code in (302, 303), f"resident sign-in: {response.status_code}"


def sign_in_staff(client: FlaskClient, app: Flask, slug: str) -> None:
    with tenant_session(app, slug) as session:
        secret = session.scalar(sa.select(Staff.totp_secret).where(Staff.login == STAFF_LOGIN))
    assert secret, "demo staff without a TOTP secret"
    first = client.post(f"/{slug}/manage/login", data={"login": STAFF_LOGIN, "password": PASSWORD})
    assert first.status_code in (302, 303), f"staff sign-in: {first.status_code}"
    second = client.post(f"/{slug}/manage/verify", data={"code": pyotp.TOTP(secret).now()})
    assert second.status_code in (302, 303), f"staff code: {second.status_code}"


def free_slot(client: FlaskClient, slug: str, room_id: int, start: dt.date) -> str:
    """A slot the resident can open the booking form for (free, outside the lottery)."""
    month = start.replace(day=1)
    for _ in range(4):
        grid = client.get(f"/{slug}/rooms/{room_id}/availability?month={month:%Y-%m}")
        for slot_id in FREE_SLOT.findall(grid.get_data(as_text=True)):
            form = client.get(f"/{slug}/book?slot={slot_id}")
            if form.status_code == 200 and 'name="attendees"' in form.get_data(as_text=True):
                return slot_id
        month = (month + dt.timedelta(days=32)).replace(day=1)
    raise RuntimeError(f"{slug}: no free slot found near {start}")


def pages(slug: str, facts: Facts, slot_id: str, today: dt.date) -> list[Page]:
    month = facts.busy_day.replace(day=1)
    return [
        Page("portal", "/", "anonymous"),
        Page("tenant home", f"/{slug}/", "anonymous"),
        Page(
            "availability grid",
            f"/{slug}/rooms/{facts.room_id}/availability?month={month:%Y-%m}",
            "anonymous",
        ),
        Page(
            "room/day search",
            f"/{slug}/availability?room={facts.room_id}"
            f"&start={facts.busy_day.isoformat()}&end={facts.busy_day.isoformat()}",
            "anonymous",
        ),
        Page("booking form", f"/{slug}/book?slot={slot_id}", "resident"),
        Page("my bookings", f"/{slug}/bookings/", "resident"),
        Page("lottery", f"/{slug}/lottery/", "resident"),
        Page("group page", f"/{slug}/groups/{facts.group_id}", "resident"),
        Page(
            "manager bookings (day)",
            f"/{slug}/manage/bookings/?date={facts.busy_day.isoformat()}",
            "staff",
        ),
        Page("daily list", f"/{slug}/manage/bookings/daily?date={today.isoformat()}", "staff"),
    ]


def measure(client: FlaskClient, url: str, runs: int) -> tuple[float, float]:
    """p50 and p95 in ms of ``runs`` GETs of ``url`` (after a short warm-up)."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94]


def bench(app: Flask, runs: int, lang: str) -> list[tuple[str, Page, float, float]]:
    rows = []
    today = dt.date.today()
    for slug in DEMO_TENANTS:
        facts = demo_facts(app, slug)
        clients = {who: app.test_client() for who in ("anonymous", "resident", "staff")}
        for client in clients.values():
            client.set_cookie("lang", lang)
        sign_in_resident(clients["resident"], slug, facts.login)
        sign_in_staff(clients["staff"], app, slug)
        slot_id = free_slot(clients["resident"], slug, facts.room_id, facts.busy_day)
        for page in pages(slug, facts, slot_id, today):
            p50, p95 = measure(clients[page.who], page.url, runs)
            rows.append((slug, page, p50, p95))
    return rows


def print_table(rows: list[tuple[str, Page, float, float]], label: str, runs: int) -> None:
    print(f"\n{label}: {runs} requests per page, server time in ms (Flask test client)\n")
    print(f"| {'tenant':8} | {'page':24} | {'as':9} | {'p50':>7} | {'p95':>7} |")
    print(f"|{'-' * 10}|{'-' * 26}|{'-' * 11}|{'-' * 9}|{'-' * 9}|")
    for slug, page, p50, p95 in rows:
        print(f"| {slug:8} | {page.label:24} | {page.who:9} | {p50:7.1f} | {p95:7.1f} |")


@contextmanager
def demo_app(workdir: Path, pg: bool) -> Iterator[Flask]:
    """An app with the demo seeded into a throwaway SQLite folder or PostgreSQL database."""
    overrides: dict[str, object] = {
        "ENV_NAME": "testing",
        "INSTANCE_PATH": str(workdir / "instance"),
        "DEMO_PASSWORD": PASSWORD,
    }
    os.environ["SHISETSU_DEMO_PASSWORD"] = PASSWORD
    if not pg:
        app = create_app(overrides)
        seed(app)
        yield app
        return
    import psycopg

    server = psycopg.connect(PG_SERVER, autocommit=True, connect_timeout=3)
    name = f"shisetsu_bench_pages_{os.getpid()}"
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        app = create_app({**overrides, "DATABASE_URL": url})
        seed(app)
        yield app
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--lang", choices=("ja", "en"), default="ja")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shisetsu-bench-pages-"))
    try:
        started = time.perf_counter()
        with demo_app(workdir, args.pg) as app:
            print(f"demo data seeded in {time.perf_counter() - started:.1f} s")
            rows = bench(app, args.runs, args.lang)
        label = f"{'PostgreSQL' if args.pg else 'SQLite'}, {args.lang}"
        print_table(rows, label, args.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
