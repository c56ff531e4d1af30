"""``shisetsu retention …``: purge what is past the retention period now (or show it), and
verify a tenant's chain of deletion certificates."""

from __future__ import annotations

import getpass

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu.dates import local_today
from shisetsu.retention import chain
from shisetsu.retention import operations as ops
from shisetsu.tenancy.binding import UnknownTenant, tenant_session
from shisetsu.tenancy.runtime import current_runtime

retention_cli = click.Group("retention", help="Retention: purge personal data, certificates.")


@retention_cli.command("purge")
@click.option("--tenant", "slug", required=True, help="The tenant to purge.")
@click.option("--dry-run", is_flag=True, help="Only list what would be purged.")
@with_appcontext
def purge_command(slug: str, dry_run: bool) -> None:
    """Erase personal data past the tenant's retention period and issue the certificate."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with tenant_session(app, slug) as session:
            config = current_runtime().config
            months = config.retention.personal_data_months_after_expiry
            today = local_today(config)
            if dry_run:
                due = ops.plan(session, today, months, config.timezone)
                session.rollback()
                _describe(slug, due, "would purge")
                return
            due, cert = ops.purge_due(
                session,
                today,
                months,
                scope=slug,
                timezone=config.timezone,
                executed_by=f"cli:{getpass.getuser()}",
            )
            issued = None
            if cert is not None:
                counts = ", ".join(f"{k}={v}" for k, v in cert.counts.items())
                issued = f"certificate {cert.number}: {counts}; sha256 {cert.hash}"
            session.commit()
    except UnknownTenant:
        raise click.ClickException(f"unknown tenant {slug!r}") from None
    _describe(slug, due, "purged")
    if issued is not None:
        click.echo(issued)


def _describe(slug: str, due: ops.Plan, verb: str) -> None:
    click.echo(f"{slug}: retention {due.months} months, registrations ended before {due.cutoff}")
    groups = ", ".join(map(str, due.groups)) or "none"
    accounts = ", ".join(map(str, due.accounts)) or "none"
    click.echo(f"{verb}: groups {groups}; accounts {accounts}")
    if due.empty:
        click.echo("nothing to purge: no certificate issued")


@retention_cli.command("verify")
@click.option("--tenant", "slug", required=True, help="The tenant whose certificates to check.")
@with_appcontext
def verify_command(slug: str) -> None:
    """Walk the certificates' hash chain; exit 1 naming the first broken certificate."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with tenant_session(app, slug) as session:
            verdict = chain.verify(session, slug)
            session.rollback()
    except UnknownTenant:
        raise click.ClickException(f"unknown tenant {slug!r}") from None
    if verdict.ok:
        click.echo(f"{slug}: intact, {verdict.checked} certificates")
        return
    click.echo(f"{slug}: BROKEN at certificate {verdict.broken_number}")
    raise SystemExit(1)
