"""``shisetsu worker`` and ``shisetsu cron``: the two long-running processes next to the web,
and the scheduler thread ``shisetsu run`` starts when there is no Redis."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis import Redis
from rq import Worker

from shisetsu.jobs.runner import use_app
from shisetsu.jobs.schedule import SCHEDULE
from shisetsu.jobs.scheduler import Scheduler, start_in_thread


def _redis_url() -> str:
    url: str = current_app.config.get("REDIS_URL") or ""
    if not url:
        raise click.ClickException(
            "SHISETSU_REDIS_URL is not set: without Redis jobs run inside the web process "
            "and no worker or cron process is needed"
        )
    return url


@click.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queue to serve (default: JOBS_QUEUE).")
@click.option("--burst", is_flag=True, help="Quit once the queues are empty.")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Run an rq worker (with rq's scheduler for delayed jobs) on SHISETSU_REDIS_URL."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection = Redis.from_url(_redis_url())
    use_app(app)
    worker = Worker(list(queues) or [app.config["JOBS_QUEUE"]], connection=connection)
    worker.work(burst=burst, with_scheduler=True)


@click.command("cron")
@click.option("--list", "list_only", is_flag=True, help="Print the periodic jobs and exit.")
@with_appcontext
def cron_command(list_only: bool) -> None:
    """Run the periodic jobs of shisetsu/jobs/schedule.py (cron strings in CRON_TIMEZONE).

    With Redis each tick is queued for ``shisetsu worker``; without, it runs here.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if list_only:
        for entry in SCHEDULE:
            click.echo(f"{entry.cron:<15} {entry.func_path}  # {entry.description}")
        return
    use_app(app)
    Scheduler(app).run_forever()


def start_embedded_scheduler(app: Flask) -> bool:
    """``shisetsu run`` without Redis: run the periodic jobs in a thread of the web process.

    With ``REDIS_URL`` set nothing starts (production runs ``shisetsu cron``). Returns
    whether the thread was started.
    """
    if app.config.get("REDIS_URL"):
        return False
    use_app(app)
    start_in_thread(app)
    click.echo(" * Periodic jobs run in this process (no SHISETSU_REDIS_URL)")
    return True
