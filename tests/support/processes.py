"""Stopping the subprocesses some tests start (``shisetsu worker``, ``shisetsu run``)."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM (rq's warm shutdown, the server's exit); kill the process if it lingers."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
