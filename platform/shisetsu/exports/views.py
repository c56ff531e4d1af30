"""Manager console: exports of groups, bookings and daily lists; the download page; the
password page; the one-time download; disposal; the handover ledger.

Managers only (``OPERATIONS``: 取扱責任者 and 取扱者, the people reported to the ward as
handling personal data); counter staff get 403. Every export is an encrypted archive: the
form redirects to a page with a download link that works once, for 15 minutes, for the
handler who made it; the password is shown once on another page, after a code from the
handler's authenticator app. Each download is entered in the ledger, and the handler
records there when the file was deleted or the paper destroyed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shisetsu import audit
from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import OPERATIONS, access, permits
from shisetsu.auth.second_factor import note_failure, note_success
from shisetsu.auth.totp import verify_code
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.exports import content, disposal, reveal
from shisetsu.exports import operations as ops
from shisetsu.exports.forms import (
    BookingsExportForm,
    DailyExportForm,
    DisposalForm,
    GroupsExportForm,
    daily_export_form,
)
from shisetsu.exports.models import ExportLedger
from shisetsu.extensions import db
from shisetsu.facilities.operations import list_facilities
from shisetsu.forms_text import FlaskForm
from shisetsu.i18n import current_locale
from shisetsu.routing import page_number
from shisetsu.signin.flow import second_factor_limits
from shisetsu.signin.forms import CodeForm
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("exports", __name__, url_prefix="/<tenant>/manage/exports")
# The daily processing list (a booking page) shows its export form through this global, so
# booking needs nothing of the exports package that builds on it.
bp.add_app_template_global(daily_export_form)
bp.add_app_template_filter(ops.format_words, "ledger_format")
# The ledger macro (manager console and ward) names disposal states and methods in words.
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        disposal_words=disposal.STATE_WORDS, disposal_methods=disposal.METHODS
    )
)


def disposal_days() -> int:
    """After how many days an export without a recorded disposal is overdue."""
    return int(current_app.config.get("EXPORT_DISPOSAL_DAYS", 7))


@bp.app_template_global()
def overdue_disposals() -> list[ExportLedger]:
    """For the console home (a page of ``staff``, which builds nothing of exports):
    exports overdue for their disposal, when the signed-in role handles exports."""
    if not permits(frozenset(OPERATIONS), current_user.kind, current_user.role):
        return []
    return disposal.overdue(db.session(), now=utcnow(), days=disposal_days())


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
    described = {row.id: content.describe(session, row.content, current_locale()) for row in rows}
    lines = disposal.lines(session, rows, described, now=utcnow(), days=disposal_days())
    html = render_template(
        "exports/manage/index.html",
        **(_blank_forms() | forms),
        lines=lines,
        page=page,
        more=more,
        overdue=disposal.overdue(session, now=utcnow(), days=disposal_days()),
        days=disposal_days(),
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
    """The archive's download link, shown this once (no password here); 404 afterwards."""
    shown = reveal.take_link(g.tenant.slug, ledger_id)
    if shown is None:
        abort(404)
    minutes = int(ops.DOWNLOAD_LIFETIME.total_seconds() // 60)
    return _no_store(
        Response(render_template("exports/manage/made.html", made=shown, minutes=minutes))
    )


@bp.route("/password/<int:ledger_id>", methods=["GET", "POST"])
@access(*OPERATIONS)
@second_factor_limits
def password(ledger_id: int) -> ResponseReturnValue:
    """The archive's password, shown once after a current code from the handler's
    authenticator app; 404 when already shown, expired, or another's."""
    slug = g.tenant.slug
    if not reveal.password_waiting(slug, ledger_id):
        abort(404)
    record, now = current_user.record, utcnow()
    form = CodeForm()
    if form.validate_on_submit():
        if verify_code(record, form.code.data or "", now):
            note_success(record)
            audit.record(
                db.session(),
                audit.VIEW,
                "export_ledger",
                ledger_id,
                detail="archive password shown",
                actor=request_actor(),
            )
            db.session.commit()
            shown = reveal.take_password(slug, ledger_id)
            body = render_template(
                "exports/manage/password_shown.html", password=shown, ledger_id=ledger_id
            )
            return _no_store(Response(body))
        locked_until = note_failure(record, now)
        db.session.commit()
        if locked_until is not None:
            reveal.take_password(slug, ledger_id)  # thrown away: make the export again
            flash(
                _("Too many wrong codes: the password is discarded. Make the export again."),
                "error",
            )
            return redirect(url_for(".index"))
        form.code.errors.append(_("That code is not correct."))
    body = render_template("exports/manage/password.html", form=form, ledger_id=ledger_id)
    return _no_store(Response(body, status=200))


@bp.get("/download/<token>")
@access(*OPERATIONS)
def download(token: str) -> Response:
    """The archive, once; 404 when unknown, taken, expired, another's or another tenant's.
    Each download is entered in the ledger with who, when and from which address."""
    taken = ops.take_download(db.session(), token, current_user.record, actor=request_actor())
    if taken is None:
        abort(404)
    filename, payload = taken
    response = Response(payload, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


@bp.route("/<int:ledger_id>/dispose", methods=["GET", "POST"])
@access(*OPERATIONS)
def dispose(ledger_id: int) -> ResponseReturnValue:
    """Confirm, then record that an export's file was deleted or its paper destroyed."""
    session = db.session()
    row = session.get(ExportLedger, ledger_id)
    if row is None:
        abort(404)
    refusal = None
    try:
        disposal.check_disposal(session, row, current_user.record)
    except disposal.DisposalRefused as exc:
        refusal = str(exc.message)
    form = DisposalForm()
    if refusal is None and form.validate_on_submit():
        try:
            disposal.record_disposal(
                session,
                row,
                current_user.record,
                method=form.method.data or "",
                note=form.note.data or "",
                now=utcnow(),
                actor=request_actor(),
            )
        except disposal.DisposalRefused as exc:
            session.rollback()
            refusal = str(exc.message)
        else:
            session.commit()
            flash(_("The disposal of export no. %(id)s is recorded.", id=ledger_id), "info")
            return redirect(url_for(".index"))
    described = content.describe(session, row.content, current_locale())
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "exports/manage/dispose.html",
            row=row,
            described=described,
            form=form,
            refusal=refusal,
        ),
        status,
    )
