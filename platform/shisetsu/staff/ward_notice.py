"""The ward is told when someone who may read personal data is appointed, re-roled or
removed: a mail to the ward's privacy office (``WARD_NOTICE_EMAIL``), in both languages,
written to the outbox in the change's transaction; the console shows the same changes as
the roster history (:func:`shisetsu.ward.roster.history`).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy.orm import Session

from shisetsu.db import TENANT_KEY
from shisetsu.i18n import current_locale
from shisetsu.notify import compose, queue_mail
from shisetsu.people.models import Staff
from shisetsu.people.roles import ROLE_LABELS
from shisetsu.tenancy.runtime import current_runtime

# Roles that see personal data: a change into, out of or between them concerns the ward.
PERSONAL_DATA_ROLES = ("responsible", "handler")


def concerns_the_ward(*roles: str | None) -> bool:
    """True when any of ``roles`` reads personal data."""
    return any(role in PERSONAL_DATA_ROLES for role in roles)


def tell_ward(session: Session, staff: Staff, change: Callable[[], str], log_id: int) -> bool:
    """Queue the notice of ``change()`` (the change in the current language) to ``staff``;
    False without an address configured. Keyed by the access-log entry: one change, one mail."""
    address = str(current_app.config.get("WARD_NOTICE_EMAIL") or "") if has_app_context() else ""
    tenant = session.info.get(TENANT_KEY)
    if not address or tenant is None:
        return False

    def operator() -> str:
        return str(current_runtime().config.name.get(current_locale()) or tenant.slug)

    def render() -> tuple[str, str]:
        subject = gettext("%(operator)s: personal-data handlers changed", operator=operator())
        lines = [
            gettext(
                "%(operator)s changed who may handle personal data:",
                operator=operator(),
            ),
            f"{staff.display_name} ({staff.login}): {change()}",
            gettext("The roster and its history are on the ward console's staff roster page."),
        ]
        return subject, "\n\n".join(lines)

    content = compose(render, None)
    return queue_mail(
        session,
        key=f"ward-notice:{log_id}",
        to=address,
        subject=content.subject,
        body=content.body,
        kind="ward_notice",
        locale=content.locale,
    )


def role_words(role: str) -> str:
    """A role's name in the reader's language."""
    return str(ROLE_LABELS.get(role, role))
