"""Run the ``shisetsu`` console script with its clock moved: the test's way into a subprocess.

``python tests/support/moved_clock.py 2027-01-01T00:30:00+00:00 run --port 5123`` starts
``shisetsu run`` with time-machine travelling to that instant (the clock then ticks on).
Each line written to its stdin is another ISO instant to jump to; the process answers
``clock <instant in UTC>`` on stdout once it has jumped. Only the tests use this file: the app has
no clock setting of its own, so production cannot be started with a moved clock.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime

import time_machine

from shisetsu.cli import main


def _follow_stdin(coordinates: time_machine.Coordinates) -> None:
    for line in sys.stdin:
        if line.strip():
            coordinates.move_to(datetime.fromisoformat(line.strip()))
            print(f"clock {datetime.now(UTC).isoformat()}", flush=True)


if __name__ == "__main__":
    coordinates = time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True).start()
    threading.Thread(target=_follow_stdin, args=(coordinates,), daemon=True).start()
    main(args=sys.argv[2:], prog_name="shisetsu")
