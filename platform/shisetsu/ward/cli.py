"""``shisetsu ward …``: auditor accounts (created by the platform operator only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from shisetsu.auth.personnel import PersonnelError
from shisetsu.extensions import db
from shisetsu.provisioning import operations as provisioning
from shisetsu.ward import operations as ops

ward_cli = click.Group("ward", help="Ward auditor accounts.")
T = TypeVar("T")


@ward_cli.command("add-auditor")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="The auditor's name.")
@click.option("--email", default=None, help="Contact email (optional).")
@with_appcontext
def add_auditor_command(login: str, display_name: str, email: str | None) -> None:
    """Create a ward auditor and print their initial password once."""
    auditor, initial = _change(
        lambda: ops.create_auditor(
            db.session(), login=login, display_name=display_name, email=email
        ),
        login,
    )
    click.echo(f"created ward auditor {auditor.login} ({auditor.display_name})")
    click.echo(f"initial password (shown once): {initial}")
    click.echo(
        "It works for one sign-in: they choose their own password, then set up the "
        "authenticator app (TOTP) at /ward/login."
    )


@ward_cli.command("reset-auditor")
@click.argument("login")
@with_appcontext
def reset_auditor_command(login: str) -> None:
    """New initial password; the auditor sets up TOTP again (lost phone and codes)."""
    auditor, initial = _change(lambda: ops.reset_auditor(db.session(), login), login)
    click.echo(f"reset the sign-in of ward auditor {auditor.login}; their sessions have ended")
    click.echo(f"initial password (shown once): {initial}")


@ward_cli.command("remove-auditor")
@click.argument("login")
@with_appcontext
def remove_auditor_command(login: str) -> None:
    """Deactivate an auditor who left; their sessions end at once."""
    auditor = _change(lambda: ops.deactivate_auditor(db.session(), login), login)
    click.echo(f"removed ward auditor {auditor.login}")


def _change(action: Callable[[], T], login: str) -> T:
    """Run one auditor change and commit it, or fail with a clear message."""
    provisioning.migrate_platform(current_app._get_current_object())  # type: ignore[attr-defined]
    try:
        result = action()
    except PersonnelError as exc:
        db.session.rollback()
        with force_locale("en"):
            raise click.ClickException(f"{login!r}: {exc.message}") from None
    db.session.commit()
    return result


@ward_cli.command("list-auditors")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def list_auditors_command(as_json: bool) -> None:
    """List ward auditors (never their secrets)."""
    provisioning.migrate_platform(current_app._get_current_object())  # type: ignore[attr-defined]
    rows = [
        {
            "login": a.login,
            "name": a.display_name,
            "email": a.email,
            "active": a.active,
            "totp_enrolled": a.totp_enrolled_at is not None,
        }
        for a in ops.list_auditors(db.session())
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = "active" if row["active"] else "inactive"
        totp = "TOTP enrolled" if row["totp_enrolled"] else "TOTP not yet enrolled"
        click.echo(f"{row['login']:<20} {state:<8} {totp:<22} {row['name']}")
