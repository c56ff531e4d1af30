"""My page at ``/<tenant>/account/``: what the resident has to do next, and by when.

Thin: :func:`shisetsu.mypage.operations.overview` gathers the items; each links to the page
where it is acted on (the booking, the lottery, the group, the messages).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask_login import current_user

from shisetsu import audit
from shisetsu.accounts.forms import LocaleForm
from shisetsu.auth.access import RESIDENT, access
from shisetsu.booking import display
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.i18n import current_locale
from shisetsu.mypage import operations as ops
from shisetsu.routing import page_number
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("mypage", __name__, url_prefix="/<tenant>/account")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"d": display, "tenant": g.tenant, "tenant_config": current_runtime().config}


@bp.get("/")
@access(RESIDENT)
def home() -> str:
    """マイページ: upcoming bookings, fees to pay, wins to confirm, renewals, messages."""
    session = db.session()
    account = current_user.record
    audit.record_view(session, "account", account.id)
    overview = ops.overview(
        session, current_runtime(), account.id, now=utcnow(), locale=current_locale()
    )
    return render_template(
        "mypage/home.html",
        account=account,
        overview=overview,
        locale_form=LocaleForm(locale=account.locale),
        now=utcnow(),
    )


@bp.get("/messages")
@access(RESIDENT)
def messages() -> str:
    """Every message from the facility to the account's groups, newest first, by page."""
    page = page_number(request.args.get("page", type=int))
    rows, total = ops.messages_page(db.session(), current_user.id, page)
    pages = max(1, -(-total // ops.MESSAGES_PER_PAGE))
    return render_template(
        "mypage/messages.html", messages=rows, total=total, page=page, pages=pages
    )
