"""Manager console: the encrypted groups export, its one-time download, and the ledger.

Managers only (``OPERATIONS``: 取扱責任者 and 取扱者); counter staff get 403. The archive's
password appears once, on the page that answers the export; the download is a separate
link that works once, for 15 minutes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from shisetsu.auth.access import OPERATIONS, access
from shisetsu.exports import operations as ops
from shisetsu.extensions import db
from shisetsu.i18n import current_locale

bp = Blueprint("exports", __name__, url_prefix="/<tenant>/manage/exports")


class GroupsExportForm(FlaskForm):
    encoding = RadioField(
        _l("Character encoding of the CSV"),
        choices=[
            SelectChoice("utf-8", _l("UTF-8 (with BOM)")),
            SelectChoice("cp932", _l("Shift_JIS (cp932, for older Excel)")),
        ],
        default="utf-8",
    )


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"tenant": g.tenant, "lang": current_locale(), "labels": ops.CONTENT_LABELS}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@access(*OPERATIONS)
def index() -> str:
    """The export form and the handover ledger (管理簿), newest first."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, more = ops.ledger_page(db.session(), page)
    return render_template(
        "exports/index.html", form=GroupsExportForm(), rows=rows, page=page, more=more
    )


@bp.post("/groups")
@access(*OPERATIONS)
def groups() -> ResponseReturnValue:
    """Make the encrypted groups archive; show its password once and the download link."""
    form = GroupsExportForm()
    if not form.validate_on_submit():
        abort(400)
    made = ops.export_groups(db.session(), current_user.record, form.encoding.data)
    page = render_template(
        "exports/made.html",
        made=made,
        minutes=int(ops.DOWNLOAD_LIFETIME.total_seconds() // 60),
    )
    return _no_store(Response(page))


@bp.get("/download/<token>")
@access(*OPERATIONS)
def download(token: str) -> Response:
    """The archive, once; 404 when unknown, already taken, expired or another tenant's."""
    taken = ops.take_download(db.session(), token)
    if taken is None:
        abort(404)
    filename, payload = taken
    response = Response(payload, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)
