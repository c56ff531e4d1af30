"""Every command group, registered explicitly on the app by the factory (reachable as
``shisetsu …`` and as ``flask --app wsgi …``)."""

from __future__ import annotations

import click
from flask import Flask

from shisetsu.audit.cli import audit_cli
from shisetsu.backup.cli import backup_commands
from shisetsu.demo.cli import demo_cli
from shisetsu.i18n import compile_catalogs
from shisetsu.jobs.cli import cron_command, worker_command
from shisetsu.lottery.cli import lottery_cli
from shisetsu.notify.cli import mail_cli
from shisetsu.provisioning.cli import tenants_cli
from shisetsu.retention.cli import restore_command, retention_cli
from shisetsu.staff.cli import staff_cli
from shisetsu.ward.cli import ward_cli


@click.group("i18n")
def i18n_cli() -> None:
    """Translation catalogues."""


@i18n_cli.command("compile")
def compile_command() -> None:
    """Compile messages.po files whose .mo is missing or stale."""
    written = compile_catalogs()
    click.echo(f"compiled {len(written)} catalogue(s)")


def register_cli(app: Flask) -> None:
    """Attach every command group to the app (also reachable as ``flask --app wsgi``)."""
    for group in (
        tenants_cli,
        demo_cli,
        i18n_cli,
        worker_command,
        cron_command,
        mail_cli,
        staff_cli,
        ward_cli,
        audit_cli,
        lottery_cli,
        retention_cli,
        *backup_commands,
        restore_command,
    ):
        app.cli.add_command(group)
