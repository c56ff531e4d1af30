"""Resident and public lottery pages (``/<tenant>/lottery/``).

Anyone, signed in or not, sees the calendar of rounds, the rules in words, each round's
state, results summary, commitment, seed (after the draw), hashes and a verification
computed on the server, and may download the anonymous bundle and the standalone verifier
(``engine.py``). Residents also enter ranked choices, edit or withdraw until close, read
each choice's result in words and confirm or decline wins (with the deadline and the fee).
Another tenant's round id is a 404.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import dates
from shisetsu.attempts import attempt
from shisetsu.auth.access import PUBLIC, RESIDENT, access
from shisetsu.auth.principals import RESIDENT as RESIDENT_KIND
from shisetsu.booking.display import yen
from shisetsu.booking.operations import BookingRefused
from shisetsu.dates import local_today
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.groups.models import Group
from shisetsu.groups.operations import active_groups_of
from shisetsu.i18n import current_locale
from shisetsu.lottery import display, drafts, engine, entries, entry_page, public, results, rounds
from shisetsu.lottery.bundle import bundle_bytes
from shisetsu.lottery.forms import DeclineForm
from shisetsu.lottery.models import IN_LOTTERY, PENDING, LotteryOutcome, LotteryRound
from shisetsu.lottery.timeline import steps_of
from shisetsu.refusals import Refusal
from shisetsu.routing import MAX_ID
from shisetsu.slots.display import slot_labels
from shisetsu.slots.ids import InvalidSlotId, parse_slot_id
from shisetsu.slots.operations import load_rooms
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("lottery", __name__, url_prefix="/<tenant>/lottery")
ROUND = f"/rounds/<int(min=1, max={MAX_ID}):round_id>"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    config = current_runtime().config
    return {
        "tenant": g.tenant,
        "local_time": lambda when: dates.local_time(when, config.timezone) if when else "",
        "explain": display.explain,
        "yen": yen,
    }


def _round_or_404(round_id: int) -> LotteryRound:
    rnd = rounds.get_round(db.session(), round_id)
    if rnd is None:
        abort(404)
    return rnd


def _my_groups() -> list[Group]:
    return active_groups_of(db.session(), current_user.id, local_today(current_runtime().config))


def _signed_in_resident() -> bool:
    return bool(current_user.is_authenticated and current_user.kind == RESIDENT_KIND)


@bp.get("/")
@access(PUBLIC)
def index() -> str:
    """The calendar and rules for everyone; a resident's entries and results besides."""
    return _index_page()


def _index_page(problem: dict[str, Any] | None = None) -> str:
    """The lottery page; ``problem`` holds a refused confirmation (outcome id, what was
    typed, messages by field) to show next to that win's fields."""
    session = db.session()
    runtime, now = current_runtime(), utcnow()
    resident = _signed_in_resident()
    groups = _my_groups() if resident else []
    ids = [grp.id for grp in groups]
    rows: list[dict[str, Any]] = []
    recent = rounds.list_rounds(session, states=[*IN_LOTTERY, "released"])[:6] if resident else []
    for rnd in recent:
        mine = [e for e in (entries.entry_of(session, rnd, gid) for gid in ids) if e is not None]
        rows.append(
            {
                "round": rnd,
                "entries": mine,
                "outcomes": results.outcomes_of(session, rnd, ids) if rnd.drawn else [],
                "taking": entries.takes_entries(rnd, utcnow()),
            }
        )
    shown: set[str] = set()
    for row in rows:
        for entry in row["entries"]:
            shown.update(sid for choice in entry.choices for sid in choice.slot_ids)
        shown.update(sid for outcome in row["outcomes"] for sid in outcome.slot_ids)
    fees = {
        o.id: results.quote_win(session, runtime, o, now=now)
        for row in rows
        for o in row["outcomes"]
        if o.win_state == PENDING
    }
    return render_template(
        "lottery/index.html",
        rows=rows,
        groups=groups,
        resident=resident,
        now=now,
        slot=_slot_labels(shown),
        problem=problem,
        fees=fees,
        calendar=public.calendar(session, runtime, now),
        rules=public.current_rules(session, runtime, now),
    )


def _slot_labels(slot_ids: set[str]) -> dict[str, str]:
    """People-readable names of slot ids: facility, room, date and time band."""
    return slot_labels(db.session(), current_runtime().config, slot_ids, current_locale())


def _group_of(groups: list[Group]) -> Group:
    """The group the page is for (``group``, else the first of mine)."""
    group_id = request.values.get("group", type=int)
    return next((grp for grp in groups if grp.id == group_id), groups[0])


def _my_groups_or_403() -> list[Group]:
    groups = _my_groups()
    if not groups:
        abort(403)
    return groups


@bp.route(f"{ROUND}/enter", methods=["GET", "POST"])
@access(RESIDENT)
def enter(round_id: int) -> ResponseReturnValue:
    """GET: pick choices from the round's month grids into a draft (rooms of every
    facility, full-day sets too). POST: save ranked choices (``choice1``…, each a slot id
    or space-separated ids of one set) as the entry, then show its receipt."""
    session = db.session()
    rnd = _round_or_404(round_id)
    groups = _my_groups_or_403()
    group = _group_of(groups)
    violations: list[str] = []
    status = 200
    if request.method == "POST":
        picked = [request.form.get(f"choice{n}", "").strip() for n in range(1, 21)]
        choices = [p.split() for p in picked if p]
        entered = attempt(
            lambda: entries.enter(
                session,
                current_runtime(),
                rnd,
                group,
                choices,
                now=utcnow(),
                account_id=current_user.id,
                version=request.form.get("version"),
            ),
            done=_("Your lottery entry has been saved. A receipt mail is on its way."),
        )
        if not isinstance(entered, Refusal):
            entry_page.drop_draft(rnd, group)
            return redirect(url_for(".receipt", round_id=rnd.id, group=group.id))
        base = request.form.get("version") or "new"
        if isinstance(entered, entries.EntriesClosed):
            violations, status = [_("This lottery round does not take entries now.")], 409
        elif isinstance(entered, entries.EntryChanged):
            violations, status = [str(entries.EntryChanged.text)], 409
            # Shown the entry as it is now, the resident may submit the draft over it.
            base = entries.fingerprint(entries.entry_of(session, rnd, group.id))
        else:
            violations = [v.message(current_locale()) for v in entered.violations]
            status = 422
        entry_page.store_draft(rnd, group, choices, base)
        return _review_page(rnd, group, groups, violations), status
    rooms = entry_page.rooms_for(session, rnd, group)
    room = next((r for r in rooms if r.id == request.args.get("room", type=int)), None)
    room = room or (rooms[0] if rooms else None)
    context = entry_page.page_context(session, rnd, group)
    grid = entry_page.grid_of(session, rnd, room) if room else None
    chosen = entry_page.chosen_cells(context["draft_names"], context["draft"])
    page = render_template(
        "lottery/enter.html",
        rnd=rnd,
        group=group,
        groups=groups,
        rooms=rooms,
        room=room,
        grid=grid,
        chosen=chosen,
        overlapping=entry_page.overlapping_sets(grid, chosen) if grid else set(),
        months=entry_page.open_rounds(session),
        fmt=entry_page.formatter(),
        **context,
    )
    return page, status


DRAFT_ACTION = re.compile(r"^(add|up|down|remove):(\S{1,80})$|^(restart)$")


@bp.post(f"{ROUND}/draft")
@access(RESIDENT)
def draft(round_id: int) -> ResponseReturnValue:
    """Change the draft: add a slot from the grid, move a choice up or down, remove one,
    or start again from the saved entry. Nothing is saved as the entry here."""
    session = db.session()
    rnd = _round_or_404(round_id)
    group = _group_of(_my_groups_or_403())
    room_id = request.form.get("room", type=int)
    back: dict[str, Any] = {"round_id": rnd.id, "group": group.id, "room": room_id}
    match = DRAFT_ACTION.fullmatch(request.form.get("action", ""))
    if match is None:
        flash(_("That change was not understood; nothing was changed."), "error")
        return redirect(url_for(".enter", **back)), 303
    verb, arg = match.group(1) or match.group(3), match.group(2) or ""
    current, base = entry_page.load_draft(rnd, group, entries.entry_of(session, rnd, group.id))
    anchor = "choices"
    if verb == "restart":
        entry_page.drop_draft(rnd, group)
        flash(_("Your choices are back to the saved entry."), "success")
        return redirect(url_for(".enter", **back, _anchor=anchor)), 303
    try:
        if verb == "add":
            changed = drafts.add(session, current_runtime(), rnd, group, current, arg, now=utcnow())
            anchor = f"c-{arg}"
        else:
            index = int(arg) if arg.isdigit() else -1
            if verb == "remove":
                changed = drafts.remove(current, index)
            else:
                changed = drafts.move(current, index, -1 if verb == "up" else 1)
                new_index = max(0, min(len(changed) - 1, index + (-1 if verb == "up" else 1)))
                anchor = f"choice-{new_index + 1}"
    except entries.EntriesClosed:
        session.rollback()
        flash(_("This lottery round does not take entries now."), "error")
        return redirect(url_for(".enter", **back)), 303
    except entries.EntryRefused as exc:
        session.rollback()
        for v in exc.violations:
            flash(v.message(current_locale()), "error")
        return redirect(url_for(".enter", **back, _anchor=f"c-{arg}")), 303
    except drafts.NotInDraft:
        flash(_("That choice is no longer in your list; nothing was changed."), "error")
        return redirect(url_for(".enter", **back, _anchor=anchor)), 303
    session.rollback()
    entry_page.store_draft(rnd, group, changed, base)
    names = entry_page.named(session, changed)
    limits = entry_page.limits_of(rnd, changed)
    if verb == "add":
        flash(_("Added as choice %(rank)s: %(name)s.", rank=len(changed), name=names[-1] or arg))
    elif verb == "remove":
        flash(_("Choice removed."), "success")
    else:
        flash(_("Choice moved."), "success")
    flash(limits.words(), "success")
    return redirect(url_for(".enter", **back, _anchor=anchor)), 303


def _review_page(
    rnd: LotteryRound, group: Group, groups: list[Group], violations: list[str]
) -> str:
    session = db.session()
    context = entry_page.page_context(session, rnd, group)
    problems = violations
    if not problems and context["draft"]:
        try:
            entries.check_choices(
                session, current_runtime(), rnd, group, context["draft"], now=utcnow()
            )
        except entries.EntryRefused as exc:
            problems = [v.message(current_locale()) for v in exc.violations]
        session.rollback()
    return render_template(
        "lottery/review.html", rnd=rnd, group=group, groups=groups, violations=problems, **context
    )


@bp.get(f"{ROUND}/enter/review")
@access(RESIDENT)
def review(round_id: int) -> ResponseReturnValue:
    """The draft by name before it is saved as the entry (the step that submits it)."""
    rnd = _round_or_404(round_id)
    groups = _my_groups_or_403()
    return _review_page(rnd, _group_of(groups), groups, [])


@bp.get(f"{ROUND}/entry")
@access(RESIDENT)
def receipt(round_id: int) -> ResponseReturnValue:
    """The saved entry's receipt: each choice by facility, room, date and time band."""
    session = db.session()
    rnd = _round_or_404(round_id)
    group = _group_of(_my_groups_or_403())
    entry = entries.entry_of(session, rnd, group.id)
    choices = drafts.from_entry(entry)
    saved = entry_page.named(session, choices)
    return render_template(
        "lottery/receipt.html",
        rnd=rnd,
        group=group,
        entry=entry,
        saved_names=saved,
        deadline=entry_page.deadline(rnd),
        limits=entry_page.limits_of(rnd, choices),
        taking=entries.takes_entries(rnd, utcnow()),
    )


@bp.get("/slots/<slot_id>")
@access(RESIDENT)
def pick(slot_id: str) -> ResponseReturnValue:
    """Where a 抽 cell of the availability grid leads: the entry page of the round
    covering that slot, on its room, with the cell's add button next."""
    session = db.session()
    try:
        ref = parse_slot_id(slot_id)
    except InvalidSlotId:
        abort(400)
    if not load_rooms(session, room_ids={ref.room_id}):
        abort(404)
    rnd = rounds.round_for_month(session, ref.date)
    if rnd is None or not entries.takes_entries(rnd, utcnow()):
        flash(_("The lottery for this slot does not take entries now."), "error")
        return redirect(url_for(".index")), 303
    group = _group_of(_my_groups_or_403())
    target = url_for(
        ".enter", round_id=rnd.id, group=group.id, room=ref.room_id, _anchor=f"c-{slot_id}"
    )
    return redirect(target), 303


@bp.route(f"{ROUND}/withdraw", methods=["GET", "POST"])
@access(RESIDENT)
def withdraw(round_id: int) -> ResponseReturnValue:
    """Withdraw my group's entry (GET: the confirmation step, listing what is given up)."""
    session = db.session()
    rnd = _round_or_404(round_id)
    group = next(
        (grp for grp in _my_groups() if grp.id == request.values.get("group", type=int)), None
    )
    if group is None:
        abort(404)
    if request.method == "GET":
        entry = entries.entry_of(session, rnd, group.id)
        if entry is None or entry.withdrawn_at or not entries.takes_entries(rnd, utcnow()):
            return redirect(url_for(".index"))
        shown = {sid for choice in entry.choices for sid in choice.slot_ids}
        return render_template(
            "lottery/withdraw.html", rnd=rnd, group=group, entry=entry, slot=_slot_labels(shown)
        )
    try:
        entries.withdraw(session, rnd, group, now=utcnow())
    except entries.EntriesClosed:
        session.rollback()
        abort(409)
    session.commit()
    flash(_("Your lottery entry has been withdrawn."), "success")
    return redirect(url_for(".index"))


def _my_outcome(rnd: LotteryRound, outcome_id: int) -> LotteryOutcome:
    outcome = db.session.get(LotteryOutcome, outcome_id)
    mine = {grp.id for grp in _my_groups()}
    if outcome is None or outcome.round_id != rnd.id or outcome.group_id not in mine:
        abort(404)
    return outcome


WIN = f"{ROUND}/wins/<int(min=1, max={MAX_ID}):outcome_id>"


@bp.post(WIN)
@access(RESIDENT)
def decide(round_id: int, outcome_id: int) -> ResponseReturnValue:
    """Confirm a win (当選確定, becomes a booking); declining has its own confirmed step."""
    session = db.session()
    rnd = _round_or_404(round_id)
    outcome = _my_outcome(rnd, outcome_id)
    if request.form.get("action") == "decline":
        return redirect(url_for(".decline", round_id=rnd.id, outcome_id=outcome.id)), 303
    attendees = request.form.get("attendees", type=int) or 1
    purpose = (request.form.get("purpose") or "")[:200]
    try:
        results.confirm_win(
            session,
            current_runtime(),
            rnd,
            outcome,
            attendees=max(attendees, 1),
            purpose=purpose,
            now=utcnow(),
            account_id=current_user.id,
        )
    except results.WinStateError:
        session.rollback()
        flash(_("This win can no longer be confirmed or declined."), "error")
        return redirect(url_for(".index")), 303
    except BookingRefused as exc:
        session.rollback()
        fields: dict[str, list[str]] = {}
        for v in exc.violations:
            key = v.field if v.field in ("attendees", "purpose") else "form"
            fields.setdefault(key, []).append(v.message(current_locale()))
        typed = {"attendees": request.form.get("attendees", ""), "purpose": purpose}
        problem = {"outcome": outcome.id, "typed": typed, "fields": fields}
        return _index_page(problem), 422
    session.commit()
    flash(_("Your win is confirmed and booked. A confirmation mail is on its way."), "success")
    return redirect(url_for(".index")), 303


@bp.route(f"{WIN}/decline", methods=["GET", "POST"])
@access(RESIDENT)
def decline(round_id: int, outcome_id: int) -> ResponseReturnValue:
    """Decline a win after confirming it (the slots go to first come; it cannot be undone)."""
    session = db.session()
    rnd = _round_or_404(round_id)
    outcome = _my_outcome(rnd, outcome_id)
    form = DeclineForm()
    if form.validate_on_submit():
        attempt(
            lambda: results.decline_win(session, rnd, outcome, now=utcnow()),
            done=_("You declined the win. The slot will open first come."),
            refused=_("This win can no longer be confirmed or declined."),
        )
        return redirect(url_for(".index")), 303
    if outcome.win_state != PENDING:
        flash(_("This win can no longer be confirmed or declined."), "error")
        return redirect(url_for(".index")), 303
    page = render_template(
        "lottery/decline.html",
        rnd=rnd,
        outcome=outcome,
        form=form,
        slot=_slot_labels(set(outcome.slot_ids)),
    )
    return page, 422 if form.is_submitted() else 200


# --- public -----------------------------------------------------------------------------


@bp.get(ROUND)
@access(PUBLIC)
def public_round(round_id: int) -> str:
    """The round's commitment, seed (after the draw), hashes and a server-side verification."""
    session = db.session()
    rnd = _round_or_404(round_id)
    verdict = results.verify_round(session, g.tenant.slug, rnd) if rnd.drawn else None
    session.rollback()
    return render_template(
        "lottery/round.html",
        rnd=rnd,
        verdict=verdict,
        stats=results.round_stats(session, rnd) if rnd.drawn else None,
        steps=steps_of(session, rnd),
        rules=public.rules_of_round(session, current_runtime(), rnd),
    )


@bp.get(f"{ROUND}/bundle.json")
@access(PUBLIC)
def bundle(round_id: int) -> Response:
    """The anonymous verification bundle (after the draw)."""
    rnd = _round_or_404(round_id)
    data = results.make_public_bundle(db.session(), g.tenant.slug, rnd)
    if data is None:
        abort(404)
    name = f"lottery-{g.tenant.slug}-{rnd.usage_month:%Y-%m}.json"
    return Response(
        bundle_bytes(data),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/engine.py")
@access(PUBLIC)
def verifier() -> Response:
    """The standalone verifier: the engine itself (Python ≥ 3.11, standard library only)."""
    source = Path(engine.__file__).read_bytes()
    return Response(
        source,
        mimetype="text/x-python",
        headers={"Content-Disposition": 'attachment; filename="engine.py"'},
    )
