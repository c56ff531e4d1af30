"""``/_dev/mail``: the development mail viewer (registered only in development and testing).

Without ``SMTP_URL`` mail never leaves the outbox; this page shows each tenant's outbox,
newest first, so a developer can read the mail the app would have sent.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template

from shisetsu.auth.access import PUBLIC, access
from shisetsu.config import is_embedded_development
from shisetsu.jobs.fanout import active_tenant_slugs
from shisetsu.notify.outbox import recent_mail
from shisetsu.tenancy.binding import tenant_session

SHOWN_PER_TENANT = 50

bp = Blueprint("dev_mail", __name__, url_prefix="/_dev")


def init_app(app: Flask) -> None:
    """Register the viewer only in development or testing on the embedded default (SQLite,
    no relay): never where real residents' mail could be read."""
    if is_embedded_development(app.config) and bp.name not in app.blueprints:
        app.register_blueprint(bp)


@bp.get("/mail")
@access(PUBLIC)
def mail_index() -> str:
    """Every tenant's outbox, newest first."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not is_embedded_development(app.config):
        abort(404)
    boxes = []
    for slug in active_tenant_slugs(app):
        with tenant_session(app, slug) as session:
            boxes.append((slug, recent_mail(session, SHOWN_PER_TENANT)))
    return render_template("notify/dev_mail.html", boxes=boxes)
