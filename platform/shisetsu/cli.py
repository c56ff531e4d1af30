"""The ``shisetsu`` console script: Flask's CLI with the app factory (which registers the
command groups of :mod:`shisetsu.commands`), and ``run`` that also runs the periodic jobs."""

from __future__ import annotations

import inspect
import os
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, get_debug_flag, pass_script_info
from flask.cli import run_command as flask_run_command

from shisetsu.app import create_app
from shisetsu.config import ConfigError
from shisetsu.jobs.cli import start_embedded_scheduler


def _create_app() -> Flask:
    """Build the app; a configuration refusal is a one-line message, not a traceback."""
    try:
        return create_app()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Shisetsu: public-facility booking for several operators."""


RUN_HELP = inspect.cleandoc(flask_run_command.help or "") + (
    "\n\nWithout SHISETSU_REDIS_URL it also runs the periodic jobs "
    "(shisetsu/jobs/schedule.py) in a thread of this process."
)


@click.command("run", params=flask_run_command.params, help=RUN_HELP)
@pass_script_info
@click.pass_context
def run_command(ctx: click.Context, info: ScriptInfo, **options: Any) -> None:
    """Flask's development server; without Redis it also starts the scheduler thread.

    With the reloader on, only the serving child (``WERKZEUG_RUN_MAIN``) starts it, so the
    jobs never run twice.
    """
    reload = options.get("reload")
    reload = get_debug_flag() if reload is None else reload
    if not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        start_embedded_scheduler(info.load_app())
    ctx.invoke(flask_run_command, **options)


main.add_command(run_command)
