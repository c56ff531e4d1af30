"""Print buttons of the staff pages that show personal data: the daily processing list,
a booking's permit and (for handlers) a group's registration sheet.

Each answers a POST (CSRF-checked) with a PDF to print, after recording the print (see
:mod:`shisetsu.exports.prints`). Another tenant's booking or group is not in this tenant's
schema: 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Blueprint, Response, abort, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu.audit.operations import request_actor
from shisetsu.auth.access import ANY_STAFF, OPERATIONS, access
from shisetsu.booking import exports as booking_lists
from shisetsu.booking import printing as booking_printing
from shisetsu.booking.models import ACTIVE, Booking
from shisetsu.db import utcnow
from shisetsu.exports import content
from shisetsu.exports.forms import DailyPrintForm, PrintForm
from shisetsu.exports.prints import PrintJob, record_print
from shisetsu.extensions import db
from shisetsu.groups.labels import status_label
from shisetsu.groups.models import Group
from shisetsu.i18n import current_locale
from shisetsu.printing import PrintMark, pdf_response, render_pdf
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("prints", __name__, url_prefix="/<tenant>/manage/print")


def print_pdf(
    job: PrintJob, render: Callable[[PrintMark], bytes], filename: str, locale: str
) -> Response:
    """Record the signed-in staff member's print of ``job`` and answer with its PDF."""
    config = current_runtime().config
    body, _ledger = record_print(
        db.session(),
        current_user.record,
        job,
        render,
        actor=request_actor(),
        now=utcnow(),
        locale=locale,
        timezone=config.timezone,
    )
    return pdf_response(body, filename)


def _paper_note() -> str:
    return _(
        "Keep this paper locked away while it is needed and shred it afterwards; do not "
        "take it out of the facility."
    )


@bp.post("/daily")
@access(*ANY_STAFF)
def daily() -> ResponseReturnValue:
    """Print one day's processing list (the groups it names are on the record)."""
    form = DailyPrintForm()
    if not form.validate_on_submit() or form.day.data is None:
        abort(400)
    day: dt.date = form.day.data
    config, locale = current_runtime().config, current_locale()
    listed = booking_lists.daily_list(db.session(), config, day)
    job = PrintJob(
        f"{content.DAILY}:{day.isoformat()}",
        "daily_list",
        day.isoformat(),
        len(listed.rows),
        _paper_note(),
    )

    def render(mark: PrintMark) -> bytes:
        return booking_printing.daily_pdf(config, g.tenant, listed, locale, mark)

    return print_pdf(job, render, f"daily-{day:%Y%m%d}.pdf", locale)


@bp.post("/permits/<int:booking_id>")
@access(*ANY_STAFF)
def permit(booking_id: int) -> ResponseReturnValue:
    """Print a booking's permit (使用承認書) to hand over."""
    if not PrintForm().validate_on_submit():
        abort(400)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.status not in ACTIVE:
        abort(404)
    config = current_runtime().config
    with force_locale("ja"):
        note = _paper_note()
    job = PrintJob(f"{content.PERMIT}:{booking.number}", "booking", booking.id, 1, note)

    def render(mark: PrintMark) -> bytes:
        return booking_printing.permit_pdf(config, g.tenant, booking, mark)

    return print_pdf(job, render, f"permit-{booking.number}.pdf", "ja")


@bp.post("/groups/<int:group_id>")
@access(*OPERATIONS)
def group_sheet(group_id: int) -> ResponseReturnValue:
    """Print a group's registration with its personal items (handlers only)."""
    if not PrintForm().validate_on_submit():
        abort(400)
    group = db.session.get(Group, group_id)
    if group is None:
        abort(404)
    config, locale = current_runtime().config, current_locale()
    job = PrintJob(f"{content.GROUP_SHEET}:{group.id}", "group", group.id, 1, _paper_note())

    def render(mark: PrintMark) -> bytes:
        html = render_template(
            "exports/print/group.html",
            group=group,
            category=config.category(group.category),
            tenant=g.tenant,
            lang=locale,
            status_label=status_label,
            mark=mark,
        )
        return render_pdf(html)

    return print_pdf(job, render, f"group-{group.id}.pdf", locale)
