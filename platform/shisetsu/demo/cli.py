"""``shisetsu demo seed``: synthetic demo data, idempotent."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu.demo.operations import seed

demo_cli = click.Group("demo", help="Synthetic demo data.")


@demo_cli.command("seed")
@click.option("--tenant", "only", help="Seed only this tenant.")
@with_appcontext
def seed_command(only: str | None) -> None:
    """Create the demo tenants (if missing) and their demo data; safe to run again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = seed(app, only, progress=lambda label, items: click.progressbar(items, label=label))
    for line in report:
        click.echo(line)
