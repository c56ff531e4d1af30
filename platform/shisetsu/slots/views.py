"""Public availability: search, a room's month grid, and one slot (no sign-in needed)."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from shisetsu.auth.access import PUBLIC, access
from shisetsu.dates import month_bounds
from shisetsu.extensions import db
from shisetsu.facilities.models import Facility
from shisetsu.facilities.operations import get_room, list_facilities
from shisetsu.i18n import current_locale
from shisetsu.slots import finder
from shisetsu.slots.display import LEGEND_ORDER, Formatter
from shisetsu.slots.forms import DaySearchForm, SearchForm
from shisetsu.slots.grid import SearchCriteria, room_grid, search, shift_month
from shisetsu.slots.ids import InvalidSlotId, parse_slot_id
from shisetsu.slots.operations import (
    UnknownSlot,
    combined_state,
    full_day_sets,
    load_rooms,
    resolve_slots,
    slot_states,
    tenant_zone,
)
from shisetsu.tenancy.config import TenantConfig
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("slots", __name__, url_prefix="/<tenant>")

MAX_SEARCH_DAYS = 93
MONTHS_BACK, MONTHS_AHEAD = 1, 24
"""The month grids offered around the current month."""
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def today_in(config: TenantConfig) -> dt.date:
    """Today in the tenant's time zone."""
    return dt.datetime.now(tenant_zone(config)).date()


WEEKDAY_NAMES = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def _fmt() -> Formatter:
    return Formatter(current_locale())


@bp.get("/availability")
@access(PUBLIC)
def search_page() -> tuple[str, int]:
    """Search free slots by facility, room, period, time slot and capacity."""
    session = db.session()
    config = current_runtime().config
    today = today_in(config)
    facilities = list_facilities(session)
    form = SearchForm(
        formdata=request.args or None, data={"start": today, "end": month_bounds(today)[1]}
    )
    _fill_search_choices(form, config, facilities)
    results, error, status = None, None, 200
    if request.args:
        if not form.validate():
            status = 400
        else:
            start, end = form.start.data or today, form.end.data or month_bounds(today)[1]
            if end < start:
                error, status = gettext("The end date must not be before the start date."), 400
            elif (end - start).days + 1 > MAX_SEARCH_DAYS:
                error = gettext("Search at most %(days)s days at a time.", days=MAX_SEARCH_DAYS)
                status = 400
            else:
                criteria = SearchCriteria(
                    start,
                    end,
                    facility_code=form.facility.data or None,
                    room_id=int(form.room.data) if form.room.data else None,
                    slot_code=form.slot.data or None,
                    min_capacity=form.capacity.data,
                    band=form.band.data or None,
                    purpose=finder.purpose_of(config, form.purpose.data),
                    weekdays=frozenset(int(d) for d in form.weekdays.data or []),
                )
                results = search(session, config, criteria)
    page = render_template(
        "slots/search.html",
        tenant=g.tenant,
        form=form,
        facilities=facilities,
        results=results,
        error=error,
        fmt=_fmt(),
    )
    return page, status


def _fill_search_choices(
    form: SearchForm, config: TenantConfig, facilities: list[Facility]
) -> None:
    lang = current_locale()
    form.facility.choices = [("", gettext("Any facility"))] + [
        (f.code, f.name(lang)) for f in facilities
    ]
    form.room.choices = [("", gettext("Any room"))] + [
        (str(r.id), f"{f.name(lang)} {r.name(lang)}")
        for f in facilities
        for r in f.rooms
        if r.active
    ]
    slots: dict[str, str] = {}
    used = {r.slot_scheme for f in facilities for r in f.rooms if r.active}
    for code in sorted(used):
        scheme = config.slot_schemes.get(code)
        for sd in [*scheme.weekday, *(scheme.holiday or [])] if scheme else []:
            slots.setdefault(sd.code, sd.name.get(lang))
    form.slot.choices = [("", gettext("Any time slot")), *slots.items()]
    form.purpose.choices = _purpose_choices(config)
    form.band.choices = _band_choices()
    form.weekdays.choices = [(str(n), str(name)) for n, name in enumerate(WEEKDAY_NAMES)]


def _purpose_choices(config: TenantConfig) -> list[tuple[str, str]]:
    lang = current_locale()
    return [("", gettext("Any purpose")), *((p.code, p.name.get(lang)) for p in config.purposes)]


def _band_choices() -> list[tuple[str, str]]:
    return [("", gettext("Any time of day")), *((k, str(v)) for k, v in finder.BANDS.items())]


@bp.get("/availability/day")
@access(PUBLIC)
def day_page() -> tuple[str, int]:
    """One day across rooms and facilities: a row of ○/× per room, by time of day."""
    session = db.session()
    config = current_runtime().config
    today = today_in(config)
    facilities = list_facilities(session)
    lang = current_locale()
    form = DaySearchForm(formdata=request.args or None, data={"date": today})
    form.band.choices = _band_choices()
    form.purpose.choices = _purpose_choices(config)
    form.facility.choices = [("", gettext("Any facility"))] + [
        (f.code, f.name(lang)) for f in facilities
    ]
    rows, error, status, day = None, None, 200, today
    if request.args and not form.validate():
        status = 400
    else:
        day = form.date.data or today
        if not today <= day <= shift_month(today.replace(day=1), MONTHS_AHEAD):
            error, status = gettext("Choose a date from today up to two years ahead."), 400
        else:
            rooms = load_rooms(
                session,
                facility_code=form.facility.data or None,
                min_capacity=form.capacity.data,
            )
            purpose = finder.purpose_of(config, form.purpose.data)
            if purpose is not None:
                rooms = [room for room in rooms if finder.suits(purpose, room)]
            bands = [form.band.data] if form.band.data else list(finder.BANDS)
            rows = finder.day_rooms(session, config, rooms, day, bands)
    page = render_template(
        "slots/day.html",
        tenant=g.tenant,
        form=form,
        rows=rows,
        day=day,
        bands=[form.band.data] if form.band.data else list(finder.BANDS),
        band_names=finder.SHORT_BANDS,
        error=error,
        fmt=_fmt(),
        previous=day - dt.timedelta(days=1) if day > today else None,
        following=day + dt.timedelta(days=1),
        args={k: v for k, v in request.args.items() if k != "date"},
    )
    return page, status


def _month(config: TenantConfig) -> dt.date:
    """The ``month`` argument (YYYY-MM), this month by default; 400/404 when unusable."""
    current = today_in(config).replace(day=1)
    raw = request.args.get("month")
    if raw is None:
        return current
    match = _MONTH.fullmatch(raw)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        abort(400)
    month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if not shift_month(current, -MONTHS_BACK) <= month <= shift_month(current, MONTHS_AHEAD):
        abort(404)
    return month


@bp.get("/rooms/<int:room_id>/availability")
@access(PUBLIC)
def room_month(room_id: int) -> str:
    """A room's month: dates as rows, slots as columns, ○ × − 抽 公 with text labels."""
    session = db.session()
    room = get_room(session, room_id)
    if room is None:
        abort(404)
    config = current_runtime().config
    month = _month(config)
    start, end = month_bounds(month)
    current = today_in(config).replace(day=1)
    previous, following = shift_month(month, -1), shift_month(month, 1)
    return render_template(
        "slots/month.html",
        tenant=g.tenant,
        room=room,
        grid=room_grid(session, config, room, start, end),
        month=month,
        previous=previous if previous >= shift_month(current, -MONTHS_BACK) else None,
        following=following if following <= shift_month(current, MONTHS_AHEAD) else None,
        legend=LEGEND_ORDER,
        fmt=_fmt(),
    )


@bp.get("/slots/<slot_id>")
@access(PUBLIC)
def slot(slot_id: str) -> str:
    """One slot (or full-day set): when, where, and whether it is free."""
    session = db.session()
    config = current_runtime().config
    try:
        ref = parse_slot_id(slot_id)
        slots = resolve_slots(session, config, [slot_id])
    except InvalidSlotId:
        abort(400)
    except UnknownSlot:
        abort(404)
    room = get_room(session, ref.room_id)
    if room is None:
        abort(404)
    states = slot_states(session, config, slots)
    full = next((f for f in full_day_sets(config, room) if f.code == ref.code), None)
    opens = [st.opens_at for st in states.values() if st.opens_at is not None]
    return render_template(
        "slots/slot.html",
        tenant=g.tenant,
        room=room,
        ref=ref,
        full_day=full,
        states=[states[s.id] for s in slots if s.id in states],
        state=combined_state(st.state for st in states.values()),
        opens_at=max(opens) if opens else None,
        fmt=_fmt(),
    )
