"""Racing threads for the lock tests (no tests here).

Each racer runs in its own thread with its own connection. Racers meet at a barrier just
after a step that runs under the lock under test (:func:`meet_after`): while the lock
holds, only one racer gets there, the barrier times out and the others follow one by one;
without the lock (or without the call that takes it) they all get there, leave together
and really collide. Every thread is joined with a timeout
and must have ended.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

# How long a racer waits at the barrier for the others: with the lock they never come.
MEET_SECONDS = 2.0


def meet_after(barrier: threading.Barrier, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, followed by waiting for the other racers (for at most MEET_SECONDS)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        # Broken: the others are queued behind the lock, so go on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=MEET_SECONDS)
        return result

    return wrapper


def run_racers(*racers: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run each racer in its own thread; their results (or exceptions), in order."""
    results: list[object] = [None] * len(racers)

    def run(n: int) -> None:
        try:
            results[n] = racers[n]()
        except BaseException as exc:  # the test looks at it, never swallowed
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a racer is still running (deadlock?)"
    return results
