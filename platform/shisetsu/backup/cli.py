"""``shisetsu backup --tenant SLUG FILE`` (``shisetsu restore`` lives in ``retention``: it
re-applies the deletion certificates issued after the backup)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu.backup.operations import BackupError, backup_tenant


@click.command("backup")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(slug: str, file: Path) -> None:
    """Write an encrypted backup of one tenant to FILE."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        header = backup_tenant(app, slug, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up tenant {slug} ({header['kind']}, {header['revision']}) to {file}")


backup_commands = (backup_command,)
