"""Staff pages: adding a closure goes through a preview of what it hits, then a decision.

The room page's closure form posts here; a valid plan redirects to the preview (a GET that
writes nothing, 50 hits a page, carrying a fingerprint of what it lists). Confirming adds
the closure and acts on every hit; if the hits changed meanwhile the answer is 409 with
the new preview, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from shisetsu.auth.access import OPERATIONS, access
from shisetsu.booking.display import describe_slots, long_date, room_name, status_label, yen
from shisetsu.closures import operations as ops
from shisetsu.closures.forms import ConfirmClosureForm
from shisetsu.closures.mail import describe_slot_ids
from shisetsu.extensions import db
from shisetsu.facilities.models import Room
from shisetsu.i18n import current_locale
from shisetsu.slots import manage
from shisetsu.slots.display import Formatter
from shisetsu.slots.forms import ClosureForm
from shisetsu.slots.manage_views import render_room, staff_room, tenant_now
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("closures", __name__, url_prefix="/<tenant>/manage/rooms")
PER_PAGE = 50


def _plan_args(plan: ops.Plan) -> dict[str, str]:
    return {
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat(),
        "whole": "1" if plan.whole_facility else "",
        "reason_ja": plan.reason_ja,
        "reason_en": plan.reason_en or "",
    }


def _plan_from(room: Room, values: Mapping[str, Any]) -> ops.Plan | None:
    """The plan in query arguments or hidden fields, or None when they do not make one."""
    try:
        start = dt.date.fromisoformat(str(values.get("start", "")))
        end = dt.date.fromisoformat(str(values.get("end", "")))
    except ValueError:
        return None
    reason_ja = str(values.get("reason_ja", "")).strip()
    if not reason_ja or len(reason_ja) > 300 or len(str(values.get("reason_en", ""))) > 300:
        return None
    return ops.Plan(
        room,
        start,
        end,
        whole_facility=bool(values.get("whole")),
        reason_ja=reason_ja,
        reason_en=str(values.get("reason_en", "")).strip() or None,
    )


@bp.post("/<int:room_id>/closures")
@access(*OPERATIONS)
def add(room_id: int) -> Response | tuple[str, int]:
    """Check the closure form, then show what the closure would hit."""
    found = staff_room(room_id)
    form = ClosureForm(prefix="closure")
    if not form.validate():
        return render_room(found, 400, closure=form)
    start = form.start.data
    assert start is not None  # required
    end = form.end.data or start
    try:
        manage.check_closure_period(start, end, tenant_now().date())
    except manage.ManageError as exc:
        return render_room(found, 400, closure=form, closure_error=str(exc.message))
    plan = ops.Plan(
        found,
        start,
        end,
        whole_facility=bool(form.whole_facility.data),
        reason_ja=(form.reason_ja.data or "").strip(),
        reason_en=(form.reason_en.data or "").strip() or None,
    )
    args: dict[str, Any] = {"room_id": found.id, **_plan_args(plan)}
    return redirect(url_for(".preview", **args))


@dataclass(frozen=True)
class Row:
    """One line of the preview: what is hit, whose, where and when, and what happens."""

    kind: str
    group: str
    what: str
    detail: str
    effect: str


def _rows(hits: ops.Hits) -> list[Row]:
    config = current_runtime().config
    session = db.session()
    lang = current_locale()
    rows = [
        Row(
            gettext("Booking %(number)s", number=b.number),
            b.group.name,
            f"{room_name(b, lang)} {long_date(b.date, lang)} {describe_slots(config, b, lang)}",
            status_label(b)
            + " · "
            + gettext("paid %(amount)s", amount=yen(b.paid_amount or 0, lang)),
            gettext("Cancelled, facility-caused, full refund; the group is told"),
        )
        for b in hits.bookings
    ]
    rows += [
        Row(
            gettext("Lottery choice %(rank)s", rank=c.rank),
            c.entry.group.name,
            describe_slot_ids(session, config, c.slot_ids, lang),
            gettext("open round"),
            gettext("Removed from the entry; the group is told"),
        )
        for c in hits.choices
    ]
    rows += [
        Row(
            gettext("Lottery win"),
            o.group.name,
            describe_slot_ids(session, config, o.slot_ids, lang),
            gettext("not yet confirmed"),
            gettext("Cancelled; the group is told"),
        )
        for o in hits.wins
    ]
    return rows


def _render_preview(
    room: Room,
    plan: ops.Plan,
    hits: ops.Hits,
    *,
    status: int = 200,
    form: ConfirmClosureForm | None = None,
    message: str | None = None,
) -> tuple[str, int]:
    rows = _rows(hits)
    pages = max(1, math.ceil(len(rows) / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    lang = current_locale()
    config = current_runtime().config
    form = form or ConfirmClosureForm(formdata=None, data=_plan_args(plan))
    form.fingerprint.data = hits.fingerprint
    for name, value in _plan_args(plan).items():
        getattr(form, name).data = value
    form.keep.choices = [
        (
            b.id,
            f"{b.number} {b.group.name} — {room_name(b, lang)} {long_date(b.date, lang)} "
            f"{describe_slots(config, b, lang)}",
        )
        for b in hits.bookings
    ]
    page_html = render_template(
        "closures/preview.html",
        tenant=g.tenant,
        room=room,
        plan=plan,
        hits=hits,
        rows=rows[(page - 1) * PER_PAGE : page * PER_PAGE],
        page=page,
        pages=pages,
        args=_plan_args(plan),
        form=form,
        message=message,
        held=sum(len(v) for v in hits.round_slots.values()),
        fmt=Formatter(lang),
    )
    return page_html, status


@bp.get("/<int:room_id>/closures/preview")
@access(*OPERATIONS)
def preview(room_id: int) -> Response | tuple[str, int]:
    """What the planned closure hits, a page at a time, with the confirmation form."""
    found = staff_room(room_id)
    plan = _plan_from(found, request.args)
    if plan is None:
        flash(gettext("The closure could not be read; please fill in the form again."), "error")
        return redirect(url_for("slots_manage.room", room_id=found.id))
    return _render_preview(found, plan, ops.find_hits(db.session(), current_runtime(), plan))


@bp.post("/<int:room_id>/closures/confirm")
@access(*OPERATIONS)
def confirm(room_id: int) -> Response | tuple[str, int]:
    """Add the closure and act on every hit, as listed on the preview."""
    found = staff_room(room_id)
    form = ConfirmClosureForm()
    plan = _plan_from(found, request.form)
    if not form.validate() or plan is None:
        abort(400)
    session, runtime = db.session(), current_runtime()
    reason = form.keep_reason.data or ""
    try:
        done = ops.confirm(
            session,
            runtime,
            plan,
            fingerprint=form.fingerprint.data or "",
            keep={int(bid): reason for bid in form.keep.data or []},
            staff_id=current_user.id,
            now=tenant_now(),
            today=tenant_now().date(),
        )
    except ops.HitsChanged:
        session.rollback()
        message = gettext(
            "What this closure hits changed while you were looking. Here is the new list; "
            "nothing was changed."
        )
        hits = ops.find_hits(session, runtime, plan)
        return _render_preview(found, plan, hits, status=409, message=message)
    except ops.KeepReasonMissing:
        session.rollback()
        form.keep_reason.errors = [gettext("Give the reason for keeping these bookings.")]
        hits = ops.find_hits(session, runtime, plan)
        return _render_preview(found, plan, hits, status=400, form=form)
    except manage.ManageError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("slots_manage.room", room_id=found.id))
    session.commit()
    flash(
        gettext(
            "The closure was added: %(cancelled)s bookings cancelled, %(kept)s kept, "
            "%(choices)s lottery choices removed, %(wins)s wins cancelled, %(held)s lottery "
            "slots held; %(groups)s groups told by mail.",
            cancelled=done.cancelled,
            kept=done.kept,
            choices=done.choices_removed,
            wins=done.wins_cancelled,
            held=done.slots_held,
            groups=done.groups_told,
        ),
        "info",
    )
    return redirect(url_for("slots_manage.room", room_id=found.id))
