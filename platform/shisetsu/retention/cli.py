"""``shisetsu retention …``: purge what is past the retention period now (or show it), and
verify a tenant's chain of deletion certificates."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu import audit
from shisetsu.audit.operations import SYSTEM
from shisetsu.backup.operations import BackupError
from shisetsu.dates import local_today
from shisetsu.retention import chain
from shisetsu.retention import operations as ops
from shisetsu.retention.restores import restore
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
                due = ops.plan(
                    session,
                    today,
                    months,
                    config.timezone,
                    pending_months=config.retention.pending_application_months,
                )
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
                pending_months=config.retention.pending_application_months,
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
    if verdict.broken_number is not None:
        click.echo(f"{slug}: BROKEN at certificate {verdict.broken_number}")
    else:
        click.echo(f"{slug}: REWOUND: {verdict.problem}")
    raise SystemExit(1)


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
    actor = audit.Actor(SYSTEM, label=f"cli:{getpass.getuser()}"[:80])
    try:
        done = restore(app, slug, file, actor=actor)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored tenant {slug} from {file} (sha256 {done.sha256})")
    click.echo(
        f"access log: was at entry {done.log_before or 0}, now {done.log_after} "
        "(the restore is recorded here and in the platform's log)"
    )
    again = ", ".join(done.reapplied) or "none"
    click.echo(f"deletion certificates re-applied: {again}")
