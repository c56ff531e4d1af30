"""Manager console: the day's bookings, counter booking (窓口), payments, cancellation,
the permit, and the daily processing list (日別処理状況リスト) as a page, CSV and PDF.

Every staff role may use these pages (``ANY_STAFF``): bookings and payments are the
counter's work (docs/domain.md). Counter booking applies the same rules as online booking; a
rule may be overridden only with a recorded reason, and never a closed, past or lottery
slot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import audit, spreadsheets
from shisetsu.attempts import attempt
from shisetsu.auth.access import ANY_STAFF, OPERATIONS, access, permits
from shisetsu.booking import exports
from shisetsu.booking import operations as ops
from shisetsu.booking.counter import find_groups, matched_by
from shisetsu.booking.forms import (
    ConfirmForm,
    CounterForm,
    StaffCancelForm,
    show_refusal,
    show_violations,
)
from shisetsu.booking.forms import split_slots as split
from shisetsu.booking.models import ACTIVE, BY_STAFF, Booking
from shisetsu.booking.payments import cancel_booking, lock_booking, record_payment, refund_quote
from shisetsu.booking.policy import reductions
from shisetsu.booking.views import template_helpers
from shisetsu.dates import local_today, parse_day
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.facilities.models import Room
from shisetsu.facilities.operations import list_facilities
from shisetsu.groups.models import Group
from shisetsu.groups.operations import can_book
from shisetsu.i18n import current_locale
from shisetsu.refusals import Refusal
from shisetsu.slots.display import state_label
from shisetsu.slots.ids import format_slot_id
from shisetsu.slots.operations import (
    CLOSED,
    SlotState,
    availability,
    combined_state,
    full_day_sets,
    load_rooms,
)
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("booking_manage", __name__, url_prefix="/<tenant>/manage/bookings")


bp.context_processor(template_helpers)


def _day_arg() -> dt.date:
    """``?date=YYYY-MM-DD`` (today in the tenant's zone by default); 400 when malformed."""
    raw = request.args.get("date")
    if not raw:
        return local_today(current_runtime().config)
    day = parse_day(raw)
    if day is None:
        abort(400)
    return day


def _booking_or_404(booking_id: int) -> Booking:
    booking = ops.get_booking(db.session(), booking_id)
    if booking is None:
        abort(404)
    return booking


@bp.get("/")
@access(*ANY_STAFF)
def day() -> str:
    """Bookings using one day, room by room, with their payment state."""
    session = db.session()
    day = _day_arg()
    facilities = list_facilities(session)
    facility_id = request.args.get("facility", type=int)
    if facility_id is not None and facility_id not in {f.id for f in facilities}:
        facility_id = None
    bookings = ops.bookings_on(session, day, facility_id=facility_id)
    return render_template(
        "booking/manage/day.html",
        day=day,
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
        facilities=facilities,
        facility_id=facility_id,
        bookings=bookings,
        lang=current_locale(),
    )


@bp.get("/counter")
@access(*ANY_STAFF)
def counter() -> str:
    """Find the group a visitor or caller books for, by name or phone number."""
    query = (request.args.get("q") or "").strip()[:100]
    today = local_today(current_runtime().config)
    groups = find_groups(db.session(), query, today) if query else []
    if query:
        audit.record_search(db.session(), "group", query, matched_by(query), len(groups))
    slot_ids = request.args.getlist("slot")
    return render_template(
        "booking/manage/counter.html", query=query, groups=groups, slot_ids=slot_ids
    )


@bp.route("/counter/<int:group_id>", methods=["GET", "POST"])
@access(*ANY_STAFF)
def counter_book(group_id: int) -> ResponseReturnValue:
    """Book on a group's behalf: same rules; reductions; overrides with a reason."""
    session = db.session()
    runtime = current_runtime()
    group = ops.get_group(session, group_id)
    if group is None:
        abort(404)
    form = CounterForm()
    form.reduction.choices = [("", _("No reduction"))] + [
        (r.code, f"{r.label(current_locale())} ({r.percent}%)") for r in reductions(runtime.plugins)
    ]
    if not form.is_submitted() and request.args.getlist("slot"):
        form.slots.data = " ".join(request.args.getlist("slot"))
    now, status, taken = utcnow(), 200, False
    if form.validate_on_submit():
        data = ops.BookingInput(
            split(form.slots.data),
            form.attendees.data,
            form.purpose.data or "",
            reduction=form.reduction.data or None,
            override_reason=form.override_reason.data or None,
        )
        booked = attempt(
            lambda: ops.book(session, runtime, group, data, now=now, staff_id=current_user.id),
            done=lambda booking: _("Booked. Booking number %(number)s.", number=booking.number),
        )
        if not isinstance(booked, Refusal):
            return redirect(url_for(".detail", booking_id=booked.id))
        status, taken = show_refusal(form, booked, current_locale())
    elif form.is_submitted():
        status = 422
    fresh = session.get(Group, group_id)  # after a rollback
    draft = _counter_draft(fresh, form, now) if form.slots.data else None
    page = render_template(
        "booking/manage/counter_book.html",
        group=fresh,
        form=form,
        draft=draft,
        picker=_picker(now),
        slot_state_label=state_label,
        chosen=set(split(form.slots.data)) if form.slots.data else set(),
        taken=taken or bool(draft and draft.taken),
        bookable=fresh is not None and can_book(fresh, local_today(runtime.config)),
        lang=current_locale(),
    )
    return page, status


@dataclass
class Picker:
    """The counter's slot picker: a room and a day, and that day's slots with their states."""

    rooms: list[Room]
    room: Room | None
    day: dt.date
    states: list[SlotState]
    sets: list[tuple[str, str, str]]  # (set id, its name, its state)


def _picker(now: dt.datetime) -> Picker:
    """``?room=<id>&date=YYYY-MM-DD``: the room's slots that day (the first room, today by
    default; an unknown room or a malformed date shows the choice again)."""
    session, config = db.session(), current_runtime().config
    rooms = load_rooms(session)
    wanted = request.args.get("room", type=int)
    room = next((r for r in rooms if r.id == wanted), None)
    day = parse_day(request.args.get("date") or "") or local_today(config)
    if room is None:
        return Picker(rooms, None, day, [], [])
    states = availability(session, config, [room], day, day, now=now)
    by_code = {st.slot.code: st.state for st in states}
    sets = [
        (
            format_slot_id(room.id, day, fds.code),
            fds.name.get(current_locale()),
            combined_state(by_code.get(code, CLOSED) for code in fds.slots),
        )
        for fds in full_day_sets(config, room)
        if all(code in by_code for code in fds.slots)
    ]
    return Picker(rooms, room, day, states, sets)


def _counter_draft(group: Group | None, form: CounterForm, now: dt.datetime) -> ops.Draft | None:
    if group is None:
        return None
    data = ops.BookingInput(
        split(form.slots.data),
        form.attendees.data,
        form.purpose.data or "",
        reduction=form.reduction.data or None,
    )
    try:
        return ops.prepare(db.session(), current_runtime(), group, data, now=now, by_staff=True)
    except ops.BookingRefused as exc:
        if not form.errors and not form.form_errors:
            show_violations(form, exc.violations, current_locale())
        return None


@bp.get("/<int:booking_id>")
@access(*ANY_STAFF)
def detail(booking_id: int) -> str:
    """One booking for staff: payment, cancellation, permit."""
    booking = _booking_or_404(booking_id)
    quote = refund_quote(current_runtime(), booking, utcnow()) if booking.is_active else None
    audit.record_view(db.session(), "booking", booking.id)  # the group and its purpose
    return render_template(
        "booking/manage/detail.html", booking=booking, quote=quote, form=ConfirmForm()
    )


@bp.post("/<int:booking_id>/payment")
@access(*ANY_STAFF)
def payment(booking_id: int) -> ResponseReturnValue:
    """Record that the fee was paid at the counter (issues the receipt number)."""
    session = db.session()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    booking = lock_booking(session, booking_id) if ops.get_booking(session, booking_id) else None
    if booking is None:
        abort(404)
    attempt(
        lambda: record_payment(
            session, current_runtime(), booking, staff_id=current_user.id, now=utcnow()
        ),
        done=lambda _paid: _("Payment recorded. Receipt number %(no)s.", no=booking.receipt_no),
        refused=_("This booking has nothing to pay (already paid, cancelled or free)."),
    )
    return redirect(url_for(".detail", booking_id=booking_id))


@bp.route("/<int:booking_id>/cancel", methods=["GET", "POST"])
@access(*ANY_STAFF)
def cancel(booking_id: int) -> ResponseReturnValue:
    """Cancel for the group or for the facility, with a recorded reason."""
    session = db.session()
    runtime = current_runtime()
    booking = _booking_or_404(booking_id)
    if booking.status not in ACTIVE:
        flash(_("This booking is already cancelled."), "error")
        return redirect(url_for(".detail", booking_id=booking.id))
    form = StaffCancelForm()
    now = utcnow()
    if form.validate_on_submit():
        locked = lock_booking(session, booking_id)
        if locked is None:
            abort(404)
        attempt(
            lambda: cancel_booking(
                session,
                runtime,
                locked,
                now=now,
                by=BY_STAFF,
                staff_id=current_user.id,
                reason=form.reason.data,
                full_refund=bool(form.full_refund.data),
            ),
            done=_("The booking was cancelled and the group informed."),
            refused=_("This booking is already cancelled."),
        )
        return redirect(url_for(".detail", booking_id=booking_id))
    quotes = {
        "schedule": refund_quote(runtime, booking, now),
        "full": refund_quote(runtime, booking, now, full_refund=True),
    }
    status = 422 if form.is_submitted() else 200
    page = render_template("booking/manage/cancel.html", booking=booking, form=form, quotes=quotes)
    return page, status


@bp.get("/<int:booking_id>/permit.pdf")
@access(*ANY_STAFF)
def permit(booking_id: int) -> ResponseReturnValue:
    """Former direct permit download: permits are printed with the booking page's button,
    which records the print; sends the reader there."""
    booking = _booking_or_404(booking_id)
    flash(_("Print the permit with the button below: prints are recorded."))
    return redirect(url_for(".detail", booking_id=booking.id))


@bp.get("/daily")
@access(*ANY_STAFF)
def daily() -> str:
    """The daily processing list: bookings taken, payments, cancellations, totals; managers
    also get its encrypted export form (``daily_export_form``, from the exports package)."""
    day = _day_arg()
    daily = exports.daily_list(db.session(), current_runtime().config, day)
    audit.record_view(db.session(), "daily_list", day.isoformat())
    return render_template(
        "booking/manage/daily.html",
        daily=daily,
        previous=day - dt.timedelta(days=1),
        following=day + dt.timedelta(days=1),
        lang=current_locale(),
    )


@bp.get("/daily.csv")
@access(*ANY_STAFF)
def daily_csv() -> ResponseReturnValue:
    """Former direct CSV download: the list names groups, so files of it are now encrypted
    exports (recorded in the ledger); sends the reader to the day's list and its form."""
    if request.args.get("encoding", "utf-8") not in spreadsheets.ENCODINGS:
        abort(400)
    return _to_daily_export(_day_arg())


@bp.get("/daily.pdf")
@access(*ANY_STAFF)
def daily_pdf() -> ResponseReturnValue:
    """Former direct PDF download: sends the reader to the day's list and its export form."""
    return _to_daily_export(_day_arg())


def _to_daily_export(day: dt.date) -> ResponseReturnValue:
    if permits(frozenset(OPERATIONS), current_user.kind, current_user.role):  # may export
        flash(_("The daily list names groups: its files are encrypted exports, made below."))
    else:
        flash(_("The daily list names groups: only handlers export it. Print it with its button."))
    return redirect(url_for(".daily", date=day.isoformat(), _anchor="export"))
