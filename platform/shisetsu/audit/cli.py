"""``shisetsu audit …``: verify a log's hash chain, run the analysis by hand."""

from __future__ import annotations

import json
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from shisetsu.audit.analysis import AnalysisConfig
from shisetsu.audit.chain import Verdict
from shisetsu.audit.jobs import analyse_days
from shisetsu.audit.operations import verify_log
from shisetsu.dates import local_today
from shisetsu.extensions import db
from shisetsu.tenancy.binding import UnknownTenant, tenant_session
from shisetsu.tenancy.runtime import current_runtime

audit_cli = click.Group("audit", help="The access log: verification and analysis.")


@audit_cli.command("verify")
@click.option("--tenant", "slug", help="The tenant whose log to check.")
@click.option("--platform", "platform_log", is_flag=True, help="Check the platform's log.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def verify_command(slug: str | None, platform_log: bool, as_json: bool) -> None:
    """Walk the log's hash chain; exit 0 if intact, 1 naming the first broken entry."""
    if bool(slug) == platform_log:
        raise click.UsageError("give either --tenant SLUG or --platform")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if platform_log:
        verdict = verify_log(db.session())
        db.session.rollback()
    else:
        try:
            with tenant_session(app, str(slug)) as session:
                verdict = verify_log(session)
                session.rollback()
        except UnknownTenant:
            raise click.ClickException(f"unknown tenant {slug!r}") from None
    _report(verdict, as_json)
    if not verdict.ok:
        raise SystemExit(1)


def _report(verdict: Verdict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(verdict.as_dict()))
    elif verdict.ok:
        click.echo(
            f"{verdict.scope}: intact, {verdict.checked} entries (last id {verdict.last_id})"
        )
    else:
        click.echo(f"{verdict.scope}: BROKEN at entry {verdict.broken_id}: {verdict.problem}")
        click.echo(f"entries 1-{verdict.checked} are intact")


@audit_cli.command("analyse")
@click.option("--tenant", "slug", required=True, help="The tenant whose log to analyse.")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Local day to analyse (default: yesterday).",
)
@with_appcontext
def analyse_command(slug: str, day: object) -> None:
    """Analyse one day of a tenant's log and print the findings."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with tenant_session(app, slug) as session:
            tenant_config = current_runtime().config
            target: date = (
                day.date()  # type: ignore[attr-defined]
                if day is not None
                else local_today(tenant_config) - timedelta(days=1)
            )
            config = AnalysisConfig.from_app(app, tenant_config.timezone)
            counts = analyse_days(session, [target], config)
            session.commit()
    except UnknownTenant:
        raise click.ClickException(f"unknown tenant {slug!r}") from None
    click.echo(f"{slug} {target.isoformat()}: {counts[target.isoformat()]} finding(s)")
