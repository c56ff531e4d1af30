"""``shisetsu mail relay`` and ``shisetsu mail test``."""

from __future__ import annotations

import uuid

import click
import sqlalchemy as sa
from flask import current_app, g
from flask.cli import with_appcontext
from flask_babel import gettext

from shisetsu.i18n import current_locale
from shisetsu.jobs.fanout import active_tenant_slugs
from shisetsu.notify.compose import compose
from shisetsu.notify.models import OutboxMessage
from shisetsu.notify.outbox import queue_mail
from shisetsu.notify.relay import relay_outbox
from shisetsu.tenancy.binding import tenant_session

mail_cli = click.Group("mail", help="The mail outbox: send due mail now, send a test mail.")


@mail_cli.command("relay")
@click.option("--tenant", "only", help="Only this tenant (default: every active tenant).")
@with_appcontext
def relay_command(only: str | None) -> None:
    """Send due mail now: what the every-minute sweep of `shisetsu cron` does."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    slugs = [slug for slug in active_tenant_slugs(app) if only in (None, slug)]
    if only and not slugs:
        raise click.ClickException(f"unknown tenant {only!r}")
    for slug in slugs:
        with tenant_session(app, slug) as session:
            r = relay_outbox(session)
        click.echo(f"{slug}: {r.sent} sent, {r.retrying} to retry, {r.failed} given up")


def _test_mail() -> tuple[str, str]:
    name = g.tenant.name(current_locale())
    subject = gettext("Test mail from %(tenant)s", tenant=name)
    body = gettext(
        "This is a test. If you can read it, mail from %(tenant)s reaches you.", tenant=name
    )
    return subject, body


@mail_cli.command("test")
@click.option("--tenant", "slug", required=True, help="Tenant whose outbox sends it.")
@click.option("--to", "to", required=True, help="Recipient address.")
@click.option("--locale", type=click.Choice(["ja", "en"]), help="Default: both languages.")
@with_appcontext
def test_command(slug: str, to: str, locale: str | None) -> None:
    """Queue a test mail to TO, send it now and say what happened."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = f"test:{uuid.uuid4().hex}"
    with tenant_session(app, slug) as session:
        mail = compose(_test_mail, locale)
        queue_mail(
            session,
            key=key,
            to=to,
            subject=mail.subject,
            body=mail.body,
            kind="test",
            locale=mail.locale,
        )
        session.commit()
        relay_outbox(session)
        row = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        ).one()
        state, via, error = row.state, row.delivered_via, row.last_error
    click.echo(f"{key}: {state}" + (f" via {via}" if via else "") + (f": {error}" if error else ""))
