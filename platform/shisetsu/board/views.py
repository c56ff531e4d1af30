"""The booking board pages: a facility's day or week, and its recorded print (A4 landscape).

Every staff role may open it (the counter works from it). It shows group names, so opening
it is logged like the day's booking list, and printing goes through the print ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from shisetsu import audit
from shisetsu.auth.access import ANY_STAFF, access
from shisetsu.board.operations import DAY, VIEWS, WEEK, Board, build_board
from shisetsu.booking import display
from shisetsu.dates import local_today, parse_day
from shisetsu.db import utcnow
from shisetsu.exports import content
from shisetsu.exports.forms import PrintForm
from shisetsu.exports.print_views import print_pdf
from shisetsu.exports.prints import PrintJob
from shisetsu.extensions import db
from shisetsu.facilities.models import Facility
from shisetsu.facilities.operations import list_facilities
from shisetsu.i18n import current_locale
from shisetsu.printing import PrintMark, render_pdf
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("board", __name__, url_prefix="/<tenant>/manage/board")
RECORD_TYPE = "booking_board"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"d": display, "tenant": g.tenant, "tenant_config": current_runtime().config}


def _arguments() -> tuple[list[Facility], Facility, str, dt.date]:
    """Facility (``?facility=<id>``, the first by default), view and first day; 404 for
    another tenant's or an unknown facility, 400 for a malformed date or view."""
    facilities = list_facilities(db.session())
    if not facilities:
        abort(404)
    wanted = request.args.get("facility", type=int)
    facility = facilities[0]
    if wanted is not None:
        facility = next((f for f in facilities if f.id == wanted), None) or abort(404)
    view = request.args.get("view") or DAY
    if view not in VIEWS:
        abort(400)
    raw = request.args.get("date")
    start = parse_day(raw) if raw else local_today(current_runtime().config)
    if start is None:
        abort(400)
    return facilities, facility, view, start


def _board() -> tuple[list[Facility], Board]:
    facilities, facility, view, start = _arguments()
    config = current_runtime().config
    board = build_board(db.session(), config, facility, view, start, utcnow())
    return facilities, board


@bp.get("/")
@access(*ANY_STAFF)
def show() -> str:
    """The board of one facility for a day or a week."""
    facilities, board = _board()
    step = dt.timedelta(days=7 if board.view == WEEK else 1)
    audit.record_view(
        db.session(),
        RECORD_TYPE,
        f"{board.facility.code}:{board.days[0].isoformat()}",
        detail=f"{board.view}, {board.booking_count} bookings",
    )
    return render_template(
        "board/board.html",
        board=board,
        facilities=facilities,
        previous=board.days[0] - step,
        following=board.days[0] + step,
        today=local_today(current_runtime().config),
        print_form=PrintForm(),
        lang=current_locale(),
    )


@bp.post("/print")
@access(*ANY_STAFF)
def print_board() -> ResponseReturnValue:
    """The board as an A4 landscape PDF, recorded in the print ledger and the access log."""
    form = PrintForm()
    if not form.validate_on_submit():
        abort(400)
    _facilities, board = _board()
    locale = current_locale()
    job = PrintJob(
        f"{content.BOARD}:{board.facility.code}:{board.view}:{board.days[0].isoformat()}",
        RECORD_TYPE,
        f"{board.facility.code}:{board.days[0].isoformat()}",
        board.booking_count,
        _(
            "Keep this paper at the counter while it is needed and shred it afterwards; do "
            "not take it out of the facility."
        ),
    )

    def render(mark: PrintMark) -> bytes:
        return render_pdf(render_template("board/print.html", board=board, lang=locale, mark=mark))

    return print_pdf(job, render, f"board-{board.facility.code}-{board.days[0]:%Y%m%d}.pdf", locale)
