"""Manager console: rooms — details, ad-hoc closures and official holds (公用予約)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from shisetsu.auth.access import OPERATIONS, access
from shisetsu.extensions import db
from shisetsu.facilities.models import Room
from shisetsu.i18n import current_locale
from shisetsu.slots import manage
from shisetsu.slots.display import Formatter
from shisetsu.slots.forms import ClosureForm, ConfirmForm, OfficialHoldForm, RoomDetailsForm
from shisetsu.slots.holds import SlotTaken
from shisetsu.slots.ids import parse_slot_id
from shisetsu.slots.operations import load_rooms, tenant_zone
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("slots_manage", __name__, url_prefix="/<tenant>/manage/rooms")


def tenant_now() -> dt.datetime:
    """Now in the bound tenant's time zone."""
    return dt.datetime.now(tenant_zone(current_runtime().config))


def staff_room(room_id: int) -> Room:
    """The bound tenant's room ``room_id`` for staff; 404 if it is not this tenant's."""
    room = manage.room_for_staff(db.session(), room_id)
    if room is None:
        abort(404)
    return room


def _hold_form(room: Room) -> OfficialHoldForm:
    form = OfficialHoldForm(prefix="hold")
    english = current_locale() == "en"
    form.slots.choices = [
        (code, en if english else ja)
        for code, ja, en in manage.hold_choices(current_runtime().config, room)
    ]
    return form


def render_room(room: Room, status: int = 200, **forms: Any) -> tuple[str, int]:
    """The room page (``forms`` replace blank forms, e.g. one with errors)."""
    session = db.session()
    today = tenant_now().date()
    # formdata=None: after another form's POST, request.form must not blank these fields
    # (an absent checkbox would read as "not open for booking").
    details = forms.get("details") or RoomDetailsForm(
        formdata=None,
        prefix="room",
        data={
            "capacity": room.capacity,
            "area_m2": room.area_m2,
            "equipment": "\n".join(str(item) for item in room.equipment),
            "active": room.active,
        },
    )
    page = render_template(
        "slots/manage/room.html",
        tenant=g.tenant,
        room=room,
        details=details,
        closure_form=forms.get("closure") or ClosureForm(prefix="closure"),
        hold_form=forms.get("hold") or _hold_form(room),
        hold_error=forms.get("hold_error"),
        closure_error=forms.get("closure_error"),
        closures=manage.closures_affecting(session, room, today),
        holds=manage.official_holds(session, room, today),
        slot_names=_slot_names(room),
        fmt=Formatter(current_locale()),
    )
    return page, status


def _slot_names(room: Room) -> dict[str, str]:
    english = current_locale() == "en"
    return {
        code: en if english else ja
        for code, ja, en in manage.hold_choices(current_runtime().config, room)
    }


@bp.get("/")
@access(*OPERATIONS)
def index() -> str:
    """Every room (open or not), by facility."""
    rooms = load_rooms(db.session(), include_inactive=True)
    facilities: dict[int, list[Room]] = {}
    for room in rooms:
        facilities.setdefault(room.facility_id, []).append(room)
    return render_template(
        "slots/manage/index.html", tenant=g.tenant, groups=list(facilities.values())
    )


@bp.get("/<int:room_id>")
@access(*OPERATIONS)
def room(room_id: int) -> tuple[str, int]:
    """One room: details, closures and official holds."""
    return render_room(staff_room(room_id))


@bp.post("/<int:room_id>/details")
@access(*OPERATIONS)
def update_details(room_id: int) -> Response | tuple[str, int]:
    """Save capacity, area, equipment and whether the room is open for booking."""
    found = staff_room(room_id)
    form = RoomDetailsForm(prefix="room")
    if not form.validate():
        return render_room(found, 400, details=form)
    manage.update_room(
        found,
        capacity=form.capacity.data or found.capacity,
        area_m2=form.area_m2.data,
        equipment=form.equipment_items(),
        active=bool(form.active.data),
    )
    db.session.commit()
    flash(gettext("The room details were saved."), "info")
    return redirect(url_for(".room", room_id=found.id))


@bp.route("/<int:room_id>/closures/<int:closure_id>/remove", methods=["GET", "POST"])
@access(*OPERATIONS)
def remove_closure(room_id: int, closure_id: int) -> Response | str:
    """Confirm, then reopen the days of an ad-hoc closure."""
    found = staff_room(room_id)
    closure = manage.closure_of(db.session(), found, closure_id)
    if closure is None:
        abort(404)
    return _confirm_removal(
        found,
        lambda: manage.remove_closure(db.session(), closure),
        gettext("The closure was removed."),
        closure=closure,
    )


@bp.post("/<int:room_id>/holds")
@access(*OPERATIONS)
def add_holds(room_id: int) -> Response | tuple[str, int]:
    """Put official holds on the chosen slots over a period (all or nothing)."""
    found = staff_room(room_id)
    form = _hold_form(found)
    if not form.validate():
        return render_room(found, 400, hold=form)
    start = form.start.data
    assert start is not None  # required
    try:
        holds = manage.add_official_holds(
            db.session(),
            current_runtime().config,
            found,
            start,
            form.end.data or start,
            form.slots.data or [],
            reason=form.reason.data or "",
            staff_id=current_user.id,
            now=tenant_now(),
        )
    except manage.ManageError as exc:
        db.session.rollback()
        return render_room(found, 400, hold=form, hold_error=str(exc.message))
    except SlotTaken as exc:
        db.session.rollback()
        fmt = Formatter(current_locale())
        names = _slot_names(found)
        taken = ", ".join(
            f"{fmt.day(ref.date)} {names.get(ref.code, ref.code)}"
            for ref in map(parse_slot_id, exc.slot_ids)
        )
        message = gettext("Nothing was held: these slots are already taken: %(slots)s", slots=taken)
        return render_room(found, 409, hold=form, hold_error=message)
    db.session.commit()
    flash(gettext("%(count)s slots were held for official use.", count=len(holds)), "info")
    return redirect(url_for(".room", room_id=found.id))


@bp.route("/<int:room_id>/holds/<int:hold_id>/remove", methods=["GET", "POST"])
@access(*OPERATIONS)
def remove_hold(room_id: int, hold_id: int) -> Response | str:
    """Confirm, then free the slot of an official hold."""
    found = staff_room(room_id)
    hold = manage.official_hold_of(db.session(), found, hold_id)
    if hold is None:
        abort(404)
    return _confirm_removal(
        found,
        lambda: manage.remove_official_hold(db.session(), hold),
        gettext("The official hold was removed; the slot is free again."),
        hold=hold,
        slot_name=_slot_names(found).get(hold.slot_code, hold.slot_code),
    )


def _confirm_removal(
    room: Room, remove: Callable[[], None], done: str, **shown: Any
) -> Response | str:
    """The confirm page of a removal (closure or hold); on POST remove it and go back."""
    form = ConfirmForm()
    if form.validate_on_submit():
        remove()
        db.session.commit()
        flash(done, "info")
        return redirect(url_for(".room", room_id=room.id))
    context: dict[str, Any] = {"closure": None, "hold": None, **shown}
    return render_template(
        "slots/manage/confirm.html",
        tenant=g.tenant,
        room=room,
        form=form,
        fmt=Formatter(current_locale()),
        **context,
    )
