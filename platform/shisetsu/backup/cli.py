"""``shisetsu backup --tenant SLUG FILE`` and ``shisetsu restore --tenant SLUG FILE``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu.backup.operations import BackupError, backup_tenant, restore_tenant


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


@click.command("restore")
@click.option("--tenant", "slug", required=True, help="Tenant slug.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore_command(slug: str, file: Path, yes: bool) -> None:
    """Replace one tenant's data with the backup in FILE (other tenants are untouched)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not yes:
        try:
            confirmed = click.confirm(
                f"Replace ALL data of tenant {slug} with {file}?", default=False, err=True
            )
        except click.Abort:
            confirmed = False
        if not confirmed:
            raise click.ClickException("restore cancelled (pass --yes to skip the question)")
    try:
        restore_tenant(app, slug, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored tenant {slug} from {file}")


backup_commands = (backup_command, restore_command)
