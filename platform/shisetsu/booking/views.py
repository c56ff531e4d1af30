"""Resident pages: book a slot, my bookings, cancel with the refund shown first, calendars.

Thin: parse, call :mod:`shisetsu.booking.operations` / :mod:`~shisetsu.booking.payments`,
render. Another group's (or another tenant's) booking id is a 404, never a 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import audit
from shisetsu.attempts import attempt
from shisetsu.auth.access import PUBLIC, RESIDENT, access
from shisetsu.booking import display, ics, printing
from shisetsu.booking import operations as ops
from shisetsu.booking.forms import (
    BookingForm,
    CancelForm,
    ConfirmForm,
    show_refusal,
    split_slots,
)
from shisetsu.booking.models import ACTIVE, Booking
from shisetsu.booking.payments import cancel_booking, lock_booking, refund_quote
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.groups.models import Group
from shisetsu.groups.operations import active_groups_of, groups_of
from shisetsu.i18n import current_locale
from shisetsu.printing import pdf_response
from shisetsu.refusals import Refusal
from shisetsu.slots.holds import just_taken
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("booking", __name__, url_prefix="/<tenant>")
FIXABLE = ("attendees", "purpose")
"""Fields whose refusals the resident fixes on the form itself; any other refusal ends it."""


def template_helpers() -> dict[str, Any]:
    """What booking templates (residents' and staff's) use: display helpers, the tenant."""
    return {"d": display, "tenant": g.tenant, "tenant_config": current_runtime().config}


bp.context_processor(template_helpers)


def _own_or_404(booking_id: int) -> Booking:
    booking = ops.own_booking(db.session(), current_user.id, booking_id)
    if booking is None:
        abort(404)
    return booking


def _slot_ids() -> list[str]:
    """Slot ids from ``?slot=…`` (repeatable) or the form's hidden field."""
    ids = request.args.getlist("slot") or split_slots(request.form.get("slots"))
    return list(dict.fromkeys(ids))[: ops.MAX_SLOTS + 1]


@bp.route("/book", methods=["GET", "POST"])
@access(RESIDENT)
def book() -> ResponseReturnValue:
    """Book one slot, several slots of one room and day, or a full-day set (全日)."""
    session = db.session()
    runtime = current_runtime()
    slot_ids = _slot_ids()
    if not slot_ids:
        return redirect(url_for("slots.search_page"))
    groups = active_groups_of(session, current_user.id, local_today(runtime.config))
    form = BookingForm()
    form.group.choices = [(grp.id, grp.name) for grp in groups]
    form.slots.data = " ".join(slot_ids)
    if not groups:
        return _book_page(form, None, None, slot_ids, status=403)
    chosen = next((grp for grp in groups if grp.id == form.group.data), groups[0])
    now = utcnow()
    status, taken = 200, False
    if form.validate_on_submit():
        data = ops.BookingInput(slot_ids, form.attendees.data, form.purpose.data or "")
        booked = attempt(
            lambda: ops.book(session, runtime, chosen, data, now=now, account_id=current_user.id),
            done=_("Your booking is confirmed. A confirmation mail is on its way."),
        )
        if not isinstance(booked, Refusal):
            return redirect(url_for(".detail", booking_id=booked.id))
        status, taken = show_refusal(form, booked, current_locale())
    elif form.is_submitted():
        status = 422
    return _book_page(form, chosen, now, slot_ids, status=status, taken=taken)


def _book_page(
    form: BookingForm,
    group: Group | None,
    now: dt.datetime | None,
    slot_ids: list[str],
    *,
    status: int,
    taken: bool = False,
) -> tuple[str, int]:
    """The booking form, or — when the slots cannot be booked as asked — the reason and
    what to do instead (never an active button on a refused request)."""
    draft = None
    now = now or utcnow()
    just = False
    fresh = db.session.get(Group, group.id) if group is not None else None  # after a rollback
    if fresh is not None:
        data = ops.BookingInput(slot_ids, form.attendees.data, form.purpose.data or "")
        try:
            draft = ops.prepare(db.session(), current_runtime(), fresh, data, now=now)
        except ops.BookingRefused:
            abort(404)
        taken = taken or bool(draft.taken)
        if taken:
            just = just_taken(db.session(), [s.ref for s in draft.slots], now)
            if status == 200:
                status = 409
    blocking = [v for v in draft.violations if v.field not in FIXABLE] if draft else []
    page = render_template(
        "booking/book.html",
        form=form,
        draft=draft,
        taken=taken,
        just_taken=just,
        blocking=blocking,
        lang=current_locale(),
    )
    return page, status


@bp.get("/bookings/")
@access(RESIDENT)
def mine() -> str:
    """My bookings: upcoming first, then past and cancelled ones."""
    bookings = ops.bookings_of_account(db.session(), current_user.id)
    today = local_today(current_runtime().config)
    upcoming = [b for b in bookings if b.status in ACTIVE and b.date >= today]
    upcoming.reverse()  # soonest first
    shown = {b.id for b in upcoming}
    others = [b for b in bookings if b.id not in shown]
    return render_template("booking/mine.html", upcoming=upcoming, others=others)


@bp.get("/bookings/<int:booking_id>")
@access(RESIDENT)
def detail(booking_id: int) -> str:
    """One booking: where, when, the itemised fee, payment, calendar and permit."""
    booking = _own_or_404(booking_id)
    can_cancel = booking.status in ACTIVE and booking.starts_at > utcnow()
    return render_template("booking/detail.html", booking=booking, can_cancel=can_cancel)


@bp.get("/bookings/<int:booking_id>.ics")
@access(RESIDENT)
def booking_ics(booking_id: int) -> Response:
    """The booking as an iCalendar file (Asia/Tokyo times)."""
    booking = _own_or_404(booking_id)
    body = ics.booking_ics(current_runtime().config, booking, g.tenant.slug)
    return _ics_response(body, f"booking-{booking.number}.ics")


@bp.get("/bookings/<int:booking_id>/permit.pdf")
@access(RESIDENT)
def permit(booking_id: int) -> ResponseReturnValue:
    """The permit (使用承認書) as a PDF, for an active booking; a cancelled one's is void (410)."""
    booking = _own_or_404(booking_id)
    if booking.status not in ACTIVE:
        refund = display.yen(booking.refund_amount or 0, current_locale())
        return render_template("booking/permit_void.html", booking=booking, refund=refund), 410
    body = printing.permit_pdf(current_runtime().config, g.tenant, booking, lang=current_locale())
    audit.record_view(db.session(), "booking", booking.id, detail="permit pdf")
    return pdf_response(body, f"permit-{booking.number}.pdf")


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@access(RESIDENT)
def cancel(booking_id: int) -> ResponseReturnValue:
    """Cancel, after seeing what the tenant's schedule refunds (a confirmation step)."""
    session = db.session()
    booking = _own_or_404(booking_id)
    runtime = current_runtime()
    form = CancelForm()
    now = utcnow()
    if booking.status not in ACTIVE or booking.starts_at <= now:
        flash(_("This booking can no longer be cancelled here."), "error")
        return redirect(url_for(".detail", booking_id=booking.id))
    if form.validate_on_submit():
        locked = lock_booking(session, booking.id)
        if locked is None:
            abort(404)
        attempt(
            lambda: cancel_booking(session, runtime, locked, now=now, by="group"),
            done=_("The booking was cancelled and the time slots released."),
            refused=_("This booking can no longer be cancelled here."),
        )
        return redirect(url_for(".detail", booking_id=booking.id))
    quote = refund_quote(runtime, booking, now)
    status = 422 if form.is_submitted() else 200
    return render_template("booking/cancel.html", booking=booking, form=form, quote=quote), status


# --- calendars -----------------------------------------------------------------------------


@bp.get("/bookings/calendar")
@access(RESIDENT)
def feeds() -> str:
    """Calendar feed URLs of my groups (subscribe once; rotate if the URL leaked)."""
    session = db.session()
    groups = [grp for grp in groups_of(session, current_user.id) if grp.status == "approved"]
    feeds = {grp.id: ics.feed_of(session, grp.id, create=True) for grp in groups}
    session.commit()
    return render_template("booking/feeds.html", groups=groups, feeds=feeds, form=ConfirmForm())


@bp.post("/bookings/calendar/<int:group_id>/rotate")
@access(RESIDENT)
def rotate_feed(group_id: int) -> ResponseReturnValue:
    """Replace a group's feed URL; calendars subscribed to the old one stop updating."""
    session = db.session()
    group = ops.get_group(session, group_id)
    if group is None or group.account_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ics.rotate_feed(session, group.id)
    session.commit()
    flash(_("The calendar URL was replaced. Subscribe again with the new URL."), "success")
    return redirect(url_for(".feeds"))


@bp.get("/calendar/<token>.ics")
@access(PUBLIC)
def feed(token: str) -> Response:
    """A group's calendar feed (the unguessable token is the only key)."""
    session = db.session()
    found = ics.feed_by_token(session, token)
    if found is None:
        abort(404)
    body = ics.feed_ics(current_runtime().config, session, found, g.tenant.slug)
    return _ics_response(body, "bookings.ics", attachment=False)


def _ics_response(body: bytes, filename: str, *, attachment: bool = True) -> Response:
    response = Response(body, mimetype="text/calendar")
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
