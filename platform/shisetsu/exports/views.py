"""Manager console: exports of groups, bookings and daily lists; the password page; the
one-time download; the handover ledger.

Managers only (``OPERATIONS``: 取扱責任者 and 取扱者, the people reported to the ward as
handling personal data); counter staff get 403. Every export is an encrypted archive: the
form redirects to a page that shows the password once, with a download link that works
once, for 15 minutes, for the handler who made it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import OPERATIONS, access
from shisetsu.dates import local_today
from shisetsu.exports import content, reveal
from shisetsu.exports import operations as ops
from shisetsu.exports.forms import (
    BookingsExportForm,
    DailyExportForm,
    GroupsExportForm,
    daily_export_form,
)
from shisetsu.extensions import db
from shisetsu.facilities.operations import list_facilities
from shisetsu.forms_text import FlaskForm
from shisetsu.i18n import current_locale
from shisetsu.routing import page_number
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("exports", __name__, url_prefix="/<tenant>/manage/exports")
# The daily processing list (a booking page) shows its export form through this global, so
# booking needs nothing of the exports package that builds on it.
bp.add_app_template_global(daily_export_form)
bp.add_app_template_filter(ops.format_words, "ledger_format")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"tenant": g.tenant, "lang": current_locale()}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _context() -> content.Context:
    return content.Context(g.tenant, current_runtime().config, current_locale())


def _bookings_form(**kwargs: Any) -> BookingsExportForm:
    form = BookingsExportForm(prefix="bookings", **kwargs)
    return form.offer(list_facilities(db.session()), current_locale())


def _blank_forms() -> dict[str, FlaskForm]:
    """Empty forms, dated from today (the tenant's day)."""
    today = local_today(current_runtime().config)
    return {
        "groups_form": GroupsExportForm(prefix="groups", formdata=None),
        "bookings_form": _bookings_form(
            formdata=None, first=today, last=today + dt.timedelta(days=30)
        ),
        "daily_form": DailyExportForm(prefix="daily", formdata=None, day=today),
    }


def _index(status: int = 200, **forms: FlaskForm) -> ResponseReturnValue:
    """The forms (``forms`` replace blank ones, e.g. with their errors) and the ledger."""
    session = db.session()
    page = page_number(request.args.get("page", type=int))
    rows, more = ops.ledger_page(session, page)
    lines = [(row, content.describe(session, row.content, current_locale())) for row in rows]
    html = render_template(
        "exports/manage/index.html", **(_blank_forms() | forms), lines=lines, page=page, more=more
    )
    return html, status


def _export(name: str, form: FlaskForm, make: Callable[[], ops.Document]) -> ResponseReturnValue:
    """Make, encrypt and record the document; then the password page (once). A PDF too long
    to make is an error on the form's format, with nothing written."""
    try:
        document = make()
    except content.TooLongForPdf as exc:
        message = _l(
            "A PDF holds at most %(most)s records and this export has %(count)s: "
            "choose CSV, or narrow the export.",
            most=content.PDF_MAX_ROWS,
            count=exc.count,
        )
        form.format.errors = [*form.format.errors, str(message)]
        return _index(422, **{name: form})
    made = ops.deliver(db.session(), current_user.record, document, actor=request_actor())
    reveal.remember(made, g.tenant.slug)
    return redirect(url_for(".made", ledger_id=made.ledger.id), code=303)


@bp.get("/")
@access(*OPERATIONS)
def index() -> ResponseReturnValue:
    """The export forms and the handover ledger (管理簿), newest first."""
    return _index()


@bp.post("/groups")
@access(*OPERATIONS)
def groups() -> ResponseReturnValue:
    """Export every registered group (CSV or PDF, encrypted)."""
    form = GroupsExportForm(prefix="groups")
    if not form.validate_on_submit():
        return _index(422, groups_form=form)
    return _export(
        "groups_form",
        form,
        lambda: content.groups_document(db.session(), _context(), form.format.data),
    )


@bp.post("/bookings")
@access(*OPERATIONS)
def bookings() -> ResponseReturnValue:
    """Export the bookings of a period, optionally one facility or room (encrypted)."""
    form = _bookings_form()
    if not form.validate_on_submit():
        return _index(422, bookings_form=form)
    return _export(
        "bookings_form",
        form,
        lambda: content.bookings_document(db.session(), _context(), form.scope(), form.format.data),
    )


@bp.post("/daily")
@access(*OPERATIONS)
def daily() -> ResponseReturnValue:
    """Export one day's processing list (encrypted)."""
    form = DailyExportForm(prefix="daily")
    if not form.validate_on_submit():
        return _index(422, daily_form=form)
    day = form.day.data
    assert day is not None
    return _export(
        "daily_form",
        form,
        lambda: content.daily_document(db.session(), _context(), day, form.format.data),
    )


@bp.get("/made/<int:ledger_id>")
@access(*OPERATIONS)
def made(ledger_id: int) -> Response:
    """The archive's password, shown this once, and its download link; 404 afterwards."""
    shown = reveal.take(g.tenant.slug, ledger_id)
    if shown is None:
        abort(404)
    minutes = int(ops.DOWNLOAD_LIFETIME.total_seconds() // 60)
    return _no_store(
        Response(render_template("exports/manage/made.html", made=shown, minutes=minutes))
    )


@bp.get("/download/<token>")
@access(*OPERATIONS)
def download(token: str) -> Response:
    """The archive, once; 404 when unknown, taken, expired, another's or another tenant's."""
    taken = ops.take_download(db.session(), token, current_user.id)
    if taken is None:
        abort(404)
    filename, payload = taken
    response = Response(payload, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)
