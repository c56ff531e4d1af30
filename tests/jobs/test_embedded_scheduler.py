"""``shisetsu run`` on the embedded default runs the lottery calendar with no other process.

The server is a real subprocess (SQLite, no Redis) whose clock is moved with time-machine
by :mod:`tests.support.moved_clock`; the test only writes a lottery entry and watches the
round go from open to drawn to first come, on the public page and in the database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from flask import Flask

from shisetsu.groups.models import Group
from shisetsu.lottery import entries, rounds
from shisetsu.lottery.models import DRAWN, OPEN, RELEASED, LotteryOutcome
from shisetsu.tenancy.binding import tenant_session
from shisetsu.tenancy.runtime import current_runtime
from tests.support import lottery
from tests.support.processes import stop

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "tests" / "support" / "moved_clock.py"
WAIT_SECONDS = 60
MARCH = date(2027, 3, 1)
# Genkikan's calendar in Tokyo time: March's round opens 1 January 09:00, takes entries
# until the 10th 23:59, is drawn on the 11th 10:00 and opens first come on the 21st 09:00.
OPEN_DAY = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)  # 09:30 JST
AFTER_DRAW = datetime(2027, 1, 11, 1, 30, tzinfo=UTC)  # 10:30 JST
FIRST_COME = datetime(2027, 1, 21, 0, 30, tzinfo=UTC)  # 09:30 JST


class Server:
    """The ``shisetsu run`` subprocess and the pipe that moves its clock."""

    def __init__(self, process: subprocess.Popen[str], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    def move_clock(self, to: datetime) -> None:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(to.isoformat() + "\n")
        stdin.flush()
        moved = f"clock {to.isoformat()[:16]}"  # the minute it jumped to, in UTC
        wait_for(lambda: moved in self.log.read_text(), "the clock to move", self)

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return str(r.read().decode())


def wait_for(check: Any, what: str, server: Server) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            value = check()
        except OSError:  # the server is not listening yet
            value = None
        if value:
            return value
        if server.process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{server.log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(sqlite_app: Flask, tmp_path: Path) -> Iterator[Server]:
    """``shisetsu run`` on the test's SQLite instance folder, its clock at ``OPEN_DAY``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHISETSU_")}
    env.update(
        SHISETSU_ENV="testing",
        SHISETSU_INSTANCE_PATH=sqlite_app.config["INSTANCE_PATH"],
        SHISETSU_SCHEDULER_POLL_SECONDS="0.5",
        SHISETSU_REQUEST_LOG="false",
        PYTHONUNBUFFERED="1",
    )
    port, log = free_port(), tmp_path / "server.log"
    command = [sys.executable, str(WRAPPER), OPEN_DAY.isoformat(), "run", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    running = Server(process, port, log)
    try:
        wait_for(lambda: running.get("/genkikan/lottery/"), "the server", running)
        yield running
    finally:
        assert process.stdin is not None
        process.stdin.close()
        stop(process)


def march_round(app: Flask) -> dict[str, Any] | None:
    with tenant_session(app, "genkikan") as session:
        rnd = rounds.round_for_month(session, MARCH)
        if rnd is None:
            return None
        return {"id": rnd.id, "state": rnd.state, "commitment": rnd.commitment}


def seed_of(app: Flask, round_id: int) -> str:
    with tenant_session(app, "genkikan") as session:
        rnd = rounds.get_round(session, round_id)
        assert rnd is not None
        return rnd.seed_hex


def in_state(app: Flask, state: str) -> dict[str, Any] | None:
    found = march_round(app)
    return found if found is not None and found["state"] == state else None


def test_the_make_run_process_takes_a_round_from_open_to_drawn_to_first_come(
    sqlite_app: Flask, server: Server
) -> None:
    opened = wait_for(lambda: in_state(sqlite_app, OPEN), "the round to open", server)
    page = f"/genkikan/lottery/rounds/{opened['id']}"
    seed = seed_of(sqlite_app, opened["id"])
    assert opened["commitment"] in server.get(page) and seed not in server.get(page)

    _, group_id = lottery.group(sqlite_app, "genkikan")
    [slot] = lottery.lottery_slot_ids(sqlite_app, "genkikan", opened["id"], 1)
    with tenant_session(sqlite_app, "genkikan") as session:
        rnd, grp = rounds.get_round(session, opened["id"]), session.get(Group, group_id)
        assert rnd is not None and grp is not None
        entries.enter(session, current_runtime(), rnd, grp, [[slot]], now=OPEN_DAY)
        session.commit()

    server.move_clock(AFTER_DRAW)
    wait_for(lambda: in_state(sqlite_app, DRAWN), "the round to be drawn", server)
    with tenant_session(sqlite_app, "genkikan") as session:
        outcome = session.scalar(
            sa.select(LotteryOutcome).where(LotteryOutcome.round_id == opened["id"])
        )
        assert outcome is not None and outcome.group_id == group_id  # the only entrant won
        drawn = rounds.get_round(session, opened["id"])
        assert drawn is not None and drawn.closed_at is not None and drawn.drawn_at is not None
        assert drawn.closed_at >= drawn.closes_at and drawn.drawn_at >= drawn.draw_at
    assert seed in server.get(page)  # the draw revealed the seed publicly

    server.move_clock(FIRST_COME)
    wait_for(lambda: in_state(sqlite_app, RELEASED), "first come to open", server)
    assert march_round(sqlite_app) == {**opened, "state": RELEASED}
