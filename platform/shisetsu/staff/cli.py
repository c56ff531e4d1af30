"""``shisetsu staff …``: bootstrap a tenant's first responsible person from the CLI.

After that, the responsible person adds and removes staff in the console.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from shisetsu.auth.personnel import PersonnelError
from shisetsu.people.models import STAFF_ROLES
from shisetsu.staff import operations as ops
from shisetsu.tenancy.binding import UnknownTenant, tenant_session

staff_cli = click.Group("staff", help="Staff accounts of a tenant.")


@staff_cli.command("add")
@click.argument("login")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--name", "display_name", required=True, help="The staff member's name.")
@click.option("--role", type=click.Choice(STAFF_ROLES), default="responsible", show_default=True)
@click.option("--email", default=None, help="Contact email (optional).")
@with_appcontext
def add_command(login: str, slug: str, display_name: str, role: str, email: str | None) -> None:
    """Create a staff member and print their initial password once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with tenant_session(app, slug) as session:
            staff, initial = ops.create_staff(
                session, login=login, display_name=display_name, email=email, role=role
            )
            session.commit()
            created = f"created {role} {staff.login} ({staff.display_name}) at {slug}"
    except UnknownTenant:
        raise click.ClickException(f"unknown tenant {slug!r}") from None
    except PersonnelError as exc:
        with force_locale("en"):
            raise click.ClickException(f"{login!r}: {exc.message}") from None
    click.echo(created)
    click.echo(f"initial password (shown once): {initial}")
    click.echo(
        "It works for one sign-in: they choose their own password, then set up the "
        f"authenticator app (TOTP): /{slug}/manage/login"
    )
