"""A test's own Redis and PostgreSQL servers, on free ports, stopped and started at will
(no tests here): outages are rehearsed without touching the services other tests share."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import redis

# The PostgreSQL tools refuse to run as root; as root they run as this user.
PG_USER = "postgres"
START_SECONDS = 30


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_pg_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", PG_USER, "--", *command]


def _wait(ready: object, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {START_SECONDS} s")


class OwnRedis:
    """``redis-server`` in a temporary folder, without persistence."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _wait(self.answers, "redis-server")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=START_SECONDS)
            self.process = None


class OwnPostgres:
    """A PostgreSQL cluster made by ``initdb`` in a temporary folder (trust, superuser
    ``postgres``), controlled with ``pg_ctl``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, PG_USER)
        command = ["initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust"]
        subprocess.run(
            _as_pg_user([*command, "-E", "UTF8", "--no-sync"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        command = ["pg_ctl", "-D", str(self.data), "-o", options, "-l"]
        command += [str(self.folder / "server.log"), "-w", "start"]
        subprocess.run(_as_pg_user(command), check=True, stdout=subprocess.DEVNULL)
        _wait(self.answers, "PostgreSQL")

    def answers(self) -> bool:
        raw = self.url.replace("+psycopg", "")
        try:
            with psycopg.connect(raw, connect_timeout=1):
                return True
        except psycopg.Error:
            return False

    def stop(self) -> None:
        command = ["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_pg_user(command), check=False, stdout=subprocess.DEVNULL)
