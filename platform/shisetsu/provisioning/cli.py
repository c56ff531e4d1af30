"""``shisetsu tenants …``: list, create, migrate, sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu.provisioning import operations as provisioning
from shisetsu.tenancy.config import TenantConfigError
from shisetsu.tenancy.names import InvalidSlug

tenants_cli = click.Group("tenants", help="Create, migrate and list tenants.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


@tenants_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """List registered tenants."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provisioning.migrate_platform(app)
    tenants = provisioning.list_tenants(app)
    rows: list[dict[str, Any]] = [
        {
            "slug": t.slug,
            "name": {"ja": t.name_ja, "en": t.name_en},
            "schema": t.schema_name,
            "status": t.status,
            "created_at": t.created_at.isoformat(),
        }
        for t in tenants
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("no tenants yet: shisetsu tenants create SLUG")
    for row in rows:
        click.echo(
            f"{row['slug']:<16} {row['status']:<8} {row['name']['ja']} / {row['name']['en']}"
        )


@tenants_cli.command("create")
@click.argument("slug")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="tenant.toml to load (default: tenants/SLUG/tenant.toml).",
)
@with_appcontext
def create_command(slug: str, config_path: Path | None) -> None:
    """Create a tenant's schema, role and tables and register it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provisioning.migrate_platform(app)
    try:
        created = provisioning.create_tenant(app, slug, config_path)
    except (InvalidSlug, TenantConfigError, provisioning.ProvisioningError) as exc:
        _fail(str(exc))
        return
    s = created.facilities
    click.echo(
        f"created tenant {slug} ({created.tenant.name_ja}): {s.added} facilities/rooms loaded"
    )


@tenants_cli.command("migrate")
@click.option("--tenant", "only", help="Migrate only this tenant (the platform always first).")
@with_appcontext
def migrate_command(only: str | None) -> None:
    """Upgrade the platform schema, then each tenant."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provisioning.migrate_platform(app)
    tenants = [t for t in provisioning.list_tenants(app) if only in (None, t.slug)]
    if only and not tenants:
        _fail(f"unknown tenant {only!r}")
    with click.progressbar(tenants, label="Migrating tenants", item_show_func=_slug) as bar:
        for tenant in bar:
            provisioning.migrate_tenant(app, tenant)
    click.echo(f"platform and {len(tenants)} tenant(s) at the newest revision")


@tenants_cli.command("sync")
@click.argument("slug", required=False)
@with_appcontext
def sync_command(slug: str | None) -> None:
    """Re-read tenant.toml and update names, facilities and rooms."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provisioning.migrate_platform(app)
    tenants = [t for t in provisioning.list_tenants(app) if slug in (None, t.slug)]
    if slug and not tenants:
        _fail(f"unknown tenant {slug!r}")
    for tenant in tenants:
        try:
            s = provisioning.sync_tenant(app, tenant)
        except TenantConfigError as exc:
            _fail(str(exc))
            return
        click.echo(f"{tenant.slug}: {s.added} added, {s.updated} updated, {s.deactivated} retired")


def _slug(tenant: object | None) -> str:
    return getattr(tenant, "slug", "") if tenant is not None else ""
