"""Mail to residents about their account, in the account's language, through the outbox.

Each mail is keyed by the event it reports (``verify:<token id>``, ``reset:<token id>``,
``password-changed:<account id>:<session version>``), so reporting it twice sends one mail.
Each names the tenant it is sent for, which the caller passes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import format_datetime, gettext
from sqlalchemy.orm import Session

from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail
from shisetsu.people.models import Account
from shisetsu.tenancy.models import Tenant

TIME_FORMAT = "yyyy-MM-dd HH:mm"


def _name(tenant: Tenant) -> str:
    """The tenant's name in the language the mail is being written in."""
    return tenant.name(current_locale())


def _footer(tenant: Tenant) -> str:
    return gettext(
        "%(tenant)s — this mail was sent automatically; replies are not read.",
        tenant=_name(tenant),
    )


def _send(
    session: Session,
    tenant: Tenant,
    account: Account,
    *,
    key: str,
    kind: str,
    render: Callable[[], list[str]],
) -> None:
    def subject_and_body() -> tuple[str, str]:
        subject, *lines = render()
        return subject, "\n\n".join([*lines, _footer(tenant)])

    content = compose(subject_and_body, account.locale)
    queue_mail(
        session,
        key=key,
        to=account.email,
        subject=content.subject,
        body=content.body,
        kind=kind,
        locale=content.locale,
    )


def verification(
    session: Session,
    tenant: Tenant,
    account: Account,
    *,
    token_id: int,
    url: str,
    expires_at: datetime,
) -> None:
    """The link that confirms a new account's email address."""

    def render() -> list[str]:
        return [
            gettext("[%(tenant)s] Please confirm your email address", tenant=_name(tenant)),
            gettext(
                "Thank you for registering with %(tenant)s (login ID: %(login)s).",
                tenant=_name(tenant),
                login=account.login,
            ),
            gettext("To finish registering, open this link:") + "\n" + url,
            gettext(
                "The link works once and until %(time)s (Japan time).",
                time=format_datetime(expires_at, TIME_FORMAT),
            ),
            gettext("If you did not register, please ignore this mail."),
        ]

    _send(session, tenant, account, key=f"verify:{token_id}", kind="account_verify", render=render)


def password_reset(
    session: Session,
    tenant: Tenant,
    account: Account,
    *,
    token_id: int,
    url: str,
    expires_at: datetime,
) -> None:
    """The single-use link that sets a new password."""

    def render() -> list[str]:
        return [
            gettext("[%(tenant)s] Setting a new password", tenant=_name(tenant)),
            gettext(
                "We received a request to set a new password for login ID %(login)s.",
                login=account.login,
            ),
            gettext("To set a new password, open this link:") + "\n" + url,
            gettext(
                "The link works once and until %(time)s (Japan time).",
                time=format_datetime(expires_at, TIME_FORMAT),
            ),
            gettext("If you did not ask for this, ignore this mail; your password stays the same."),
        ]

    _send(session, tenant, account, key=f"reset:{token_id}", kind="account_reset", render=render)


def password_changed(
    session: Session, tenant: Tenant, account: Account, *, version: int, when: datetime
) -> None:
    """Tell the holder the password changed, so an intruder's change does not go unnoticed."""

    def render() -> list[str]:
        return [
            gettext("[%(tenant)s] Your password was changed", tenant=_name(tenant)),
            gettext(
                "The password for login ID %(login)s was changed at %(time)s (Japan time). "
                "Every other signed-in session has been signed out.",
                login=account.login,
                time=format_datetime(when, TIME_FORMAT),
            ),
            gettext(
                "If you did not do this, set a new password from the sign-in page at once "
                "and contact the facility."
            ),
        ]

    key = f"password-changed:{account.id}:{version}"
    _send(session, tenant, account, key=key, kind="account_password_changed", render=render)
