"""The password-reset request, done in the background.

The request page only queues this job, so its answer takes the same time whether the login
names an account or not; the lookup, the token and the mail happen here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shisetsu.accounts.operations import start_reset
from shisetsu.db import TENANT_KEY, utcnow
from shisetsu.tenancy.binding import find_tenant

TOKEN_MARK = "__token__"  # noqa: S105 (a placeholder, not a secret)


def reset_job(session: Session, login_or_email: str, url_template: str) -> None:
    """Mail a reset link if ``login_or_email`` names a usable account (silent otherwise).

    ``url_template`` is the reset page's absolute URL with :data:`TOKEN_MARK` for the token.
    """
    tenant = find_tenant(session.info[TENANT_KEY].slug)
    if tenant is None:
        return
    start_reset(
        session,
        tenant,
        login_or_email,
        now=utcnow(),
        link=lambda token: url_template.replace(TOKEN_MARK, token),
    )
