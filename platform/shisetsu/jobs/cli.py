"""``shisetsu worker`` and ``shisetsu cron``: the two long-running processes next to the web."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from redis import Redis
from rq import Worker

from shisetsu.jobs.cron import build_cron_scheduler, use_timezone
from shisetsu.jobs.runner import use_app
from shisetsu.jobs.schedule import SCHEDULE


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
    """Queue the periodic jobs of shisetsu/jobs/schedule.py (cron strings in CRON_TIMEZONE)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if list_only:
        for entry in SCHEDULE:
            click.echo(f"{entry.cron:<15} {entry.func_path}  # {entry.description}")
        return
    connection = Redis.from_url(_redis_url())
    use_timezone(app.config["CRON_TIMEZONE"])
    build_cron_scheduler(connection, app.config["JOBS_QUEUE"]).start()
