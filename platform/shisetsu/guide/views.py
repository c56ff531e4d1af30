"""The facility guide: a facility's public page, and the staff page editing its texts.

The public page needs no sign-in: address, access, hours, closed days, rooms with
capacity, area and equipment, photos, and each room's fee table. Another tenant's
facility id is a 404 (the id is looked up in the bound tenant's schema only).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from shisetsu.auth.access import OPERATIONS, PUBLIC, access
from shisetsu.booking.display import yen
from shisetsu.extensions import db
from shisetsu.facilities.models import Facility
from shisetsu.facilities.operations import get_facility
from shisetsu.guide import operations
from shisetsu.guide.fees import fee_table
from shisetsu.guide.forms import FacilityDetailsForm
from shisetsu.guide.words import closed_days_in_words
from shisetsu.i18n import current_locale
from shisetsu.routing import MAX_ID
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("guide", __name__, url_prefix="/<tenant>/facilities")
manage_bp = Blueprint("guide_manage", __name__, url_prefix="/<tenant>/manage/facilities")
FACILITY = f"/<int(min=1, max={MAX_ID}):facility_id>"


def _facility_or_404(facility_id: int) -> Facility:
    facility = get_facility(db.session(), facility_id)
    if facility is None:
        abort(404)
    return facility


@bp.get(FACILITY)
@access(PUBLIC)
def facility(facility_id: int) -> str:
    """A facility's page: how to get there, when it is open, its rooms and their fees."""
    found = _facility_or_404(facility_id)
    runtime = current_runtime()
    config = runtime.config
    rules = config.closed_days_for(found.code)
    rooms = [room for room in found.rooms if room.active]
    locale = current_locale()
    categories = {c.code: c.name.get(locale) for c in config.group_categories}
    return render_template(
        "guide/facility.html",
        tenant=g.tenant,
        facility=found,
        rooms=rooms,
        closed_days=closed_days_in_words(rules),
        fees={room.id: fee_table(config, runtime.plugins, room) for room in rooms},
        categories=categories,
        yen=yen,
    )


@manage_bp.route(f"{FACILITY}/details", methods=["GET", "POST"])
@access(*OPERATIONS)
def edit(facility_id: int) -> ResponseReturnValue:
    """Edit the facility's address, phone, access, hours and closed-day note (logged)."""
    session = db.session()
    found = session.get(Facility, facility_id)
    if found is None:
        abort(404)
    data = {name: getattr(found, name) for name in operations.FIELDS}
    form = FacilityDetailsForm(data=data)
    if form.is_submitted():
        if not form.validate():
            return render_template(
                "guide/manage/edit.html", tenant=g.tenant, facility=found, form=form
            ), 400
        values = {name: getattr(form, name).data for name in operations.FIELDS}
        changed = operations.update_details(session, found, values)
        session.commit()
        if changed:
            flash(gettext("The facility details were saved."), "success")
        else:
            flash(gettext("Nothing was changed."), "info")
        return redirect(url_for(".edit", facility_id=found.id)), 303
    return render_template("guide/manage/edit.html", tenant=g.tenant, facility=found, form=form)
