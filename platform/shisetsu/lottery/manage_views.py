"""Staff lottery console (``/<tenant>/manage/lottery/``).

Staff see entries and contention per round, open this month's round, close and draw by
hand (each idempotent, as the periodic job), and preview the draw with a throwaway seed
(never the committed one, nothing published) on a page of its own. Closing or drawing
before the published time goes through its own confirmation page with a reason and,
where the tenant asks for it, a second staff member's approval. The ward's view is
:mod:`shisetsu.ward.lottery_views`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from shisetsu import dates
from shisetsu.auth.access import OPERATIONS, access
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.i18n import current_locale
from shisetsu.lottery import early, jobs, public, results, rounds
from shisetsu.lottery.forms import DecisionForm, EarlyForm
from shisetsu.lottery.labels import EARLY_REFUSALS, PREVIEW_STATUSES, label, round_state
from shisetsu.lottery.models import EARLY_ACTIONS, LotteryEarlyRequest, LotteryRound
from shisetsu.lottery.timeline import requests_of, steps_of
from shisetsu.routing import MAX_ID
from shisetsu.slots.display import slot_labels
from shisetsu.tenancy.runtime import current_runtime

bp = Blueprint("lottery_manage", __name__, url_prefix="/<tenant>/manage/lottery")
ROUND = f"/rounds/<int(min=1, max={MAX_ID}):round_id>"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    config = current_runtime().config
    return {
        "tenant": g.tenant,
        "local_time": lambda when: dates.local_time(when, config.timezone) if when else "",
    }


def _round_or_404(round_id: int) -> LotteryRound:
    rnd = rounds.get_round(db.session(), round_id)
    if rnd is None:
        abort(404)
    return rnd


@bp.get("/")
@access(*OPERATIONS)
def dashboard() -> str:
    """Every round with its state, entries and wins."""
    session = db.session()
    rows = [(rnd, results.round_stats(session, rnd)) for rnd in rounds.list_rounds(session)]
    return render_template("lottery/manage/index.html", rows=rows)


@bp.post("/open")
@access(*OPERATIONS)
def open_now() -> ResponseReturnValue:
    """Open the round of this month's calendar now (idempotent)."""
    session = db.session()
    runtime = current_runtime()
    now = utcnow()
    local = dates.local_today(runtime.config, now)
    schedule = rounds.schedule_for(runtime, local)
    if schedule is None or now >= schedule.closes_at:
        flash(_("This month's application window has passed; no round was opened."), "error")
        return redirect(url_for(".dashboard")), 303
    rnd = rounds.open_round(session, runtime, schedule, now=now)
    session.commit()
    return redirect(url_for(".round_page", round_id=rnd.id)), 303


@bp.get(ROUND)
@access(*OPERATIONS)
def round_page(round_id: int) -> str:
    """One round: entries per slot (contention) and the actions."""
    session = db.session()
    rnd = _round_or_404(round_id)
    stats = results.round_stats(session, rnd)
    config = current_runtime().config
    wanted = {slot_id for slot_id, _count in stats.contention}
    return render_template(
        "lottery/manage/round.html",
        rnd=rnd,
        stats=stats,
        slot_names=slot_labels(session, config, wanted, current_locale()),
        steps=steps_of(session, rnd),
        requests=requests_of(session, rnd),
        rules=public.rules_of_round(session, current_runtime(), rnd),
        now=utcnow(),
        early_of=lambda action: early.is_early(rnd, action, utcnow()),
    )


@bp.post(f"{ROUND}/<action>")
@access(*OPERATIONS)
def act(round_id: int, action: str) -> ResponseReturnValue:
    """Close, draw or release first come by hand (each idempotent)."""
    if action not in ("close", "draw", "release", "tick"):
        abort(404)
    session = db.session()
    runtime = current_runtime()
    rnd = _round_or_404(round_id)
    now = utcnow()
    if action in EARLY_ACTIONS and early.is_early(rnd, action, now):
        # Before the published time: its own page, with a reason (and approval).
        return redirect(url_for(".early_page", round_id=round_id, action=action)), 303
    try:
        if action == "close":
            rounds.close_round(session, rnd, now=now)
        elif action == "draw":
            rounds.close_round(session, rnd, now=now)
            results.draw_round(session, runtime, rnd, now=now)
        elif action == "release":
            rounds.release_unconfirmed(session, rnd, now=max(now, rnd.confirm_deadline))
            rnd.first_come_at = min(rnd.first_come_at, now)
            rounds.open_first_come(session, rnd, now=now)
        else:
            jobs.advance(session, runtime, now=now)
    except (rounds.RoundStateError, results.LotteryTampered) as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".round_page", round_id=round_id)), 303
    session.commit()
    flash(_("Done: the round is now %(state)s.", state=round_state(rnd.state)), "success")
    return redirect(url_for(".round_page", round_id=round_id)), 303


@bp.post(f"{ROUND}/preview")
@access(*OPERATIONS)
def preview(round_id: int) -> str:
    """A dry run over the current entries with a throwaway seed: nothing is published."""
    session = db.session()
    rnd = _round_or_404(round_id)
    result = results.dry_run(session, rnd)
    session.rollback()
    counts: dict[str, int] = {}
    for row in result.rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    lines = [(n, label(PREVIEW_STATUSES, status)) for status, n in sorted(counts.items())]
    return render_template(
        "lottery/manage/preview.html", rnd=rnd, allocated=len(result.allocation), lines=lines
    )


# --- acting before the published time ----------------------------------------------------


def _actor() -> early.Actor:
    return early.Actor(current_user.role, current_user.id)


def _refusal(refusal: early.EarlyRefused) -> str:
    return label(EARLY_REFUSALS, refusal.code)


@bp.route(f"{ROUND}/early/<action>", methods=["GET", "POST"])
@access(*OPERATIONS)
def early_page(round_id: int, action: str) -> ResponseReturnValue:
    """Confirm closing or drawing before the published time, with a reason."""
    if action not in EARLY_ACTIONS:
        abort(404)
    session = db.session()
    runtime = current_runtime()
    rnd = _round_or_404(round_id)
    now = utcnow()
    pending = early.pending_request(session, rnd)
    if pending is not None and early.effective_state(pending, now) == "pending":
        flash(_refusal(early.EarlyRefused("already_pending")), "error")
        return redirect(url_for(".request_page", round_id=rnd.id, request_id=pending.id)), 303
    if not early.is_early(rnd, action, now):
        flash(_refusal(early.EarlyRefused("not_early")), "error")
        return redirect(url_for(".round_page", round_id=rnd.id)), 303
    form = EarlyForm()
    if form.validate_on_submit():
        try:
            req = early.request_early(
                session, runtime, rnd, action, form.reason.data, _actor(), now=now
            )
        except early.EarlyRefused as refusal:
            session.rollback()
            form.reason.errors = [_refusal(refusal)]
        except (rounds.RoundStateError, results.LotteryTampered) as exc:
            session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".round_page", round_id=rnd.id)), 303
        else:
            session.commit()
            if req.state == "pending":
                flash(
                    _("Asked: another staff member must approve it before the published time."),
                    "success",
                )
                return redirect(url_for(".request_page", round_id=rnd.id, request_id=req.id)), 303
            flash(_("Done: the round is now %(state)s.", state=round_state(rnd.state)), "success")
            return redirect(url_for(".round_page", round_id=rnd.id)), 303
    page = render_template(
        "lottery/manage/early.html",
        rnd=rnd,
        action=action,
        form=form,
        scheduled=early.scheduled_at(rnd, action),
        approval=early.approval_required(runtime, rnd),
    )
    return page, 422 if form.is_submitted() else 200


def _request_or_404(rnd: LotteryRound, request_id: int) -> LotteryEarlyRequest:
    req = early.get_request(db.session(), rnd, request_id)
    if req is None:
        abort(404)
    return req


REQUEST = f"{ROUND}/early/requests/<int(min=1, max={MAX_ID}):request_id>"


@bp.get(REQUEST)
@access(*OPERATIONS)
def request_page(round_id: int, request_id: int) -> str:
    """An early request: what, why, who asked (role) and, if pending, approve or decline."""
    rnd = _round_or_404(round_id)
    req = _request_or_404(rnd, request_id)
    now = utcnow()
    return render_template(
        "lottery/manage/early_request.html",
        rnd=rnd,
        req=req,
        state=early.effective_state(req, now),
        mine=req.requested_by_id == current_user.id,
        form=DecisionForm(),
    )


@bp.post(f"{REQUEST}/<decision>")
@access(*OPERATIONS)
def decide(round_id: int, request_id: int, decision: str) -> ResponseReturnValue:
    """Approve (another staff member; the round is closed or drawn now) or decline."""
    if decision not in ("approve", "decline"):
        abort(404)
    session = db.session()
    rnd = _round_or_404(round_id)
    req = _request_or_404(rnd, request_id)
    now = utcnow()
    try:
        if decision == "approve":
            early.approve(session, current_runtime(), rnd, req, _actor(), now=now)
        else:
            early.decline(session, req, _actor(), now=now)
    except early.EarlyRefused as refusal:
        session.rollback()
        flash(_refusal(refusal), "error")
        return redirect(url_for(".request_page", round_id=rnd.id, request_id=req.id)), 303
    except (rounds.RoundStateError, results.LotteryTampered) as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".request_page", round_id=rnd.id, request_id=req.id)), 303
    session.commit()
    if decision == "approve":
        flash(
            _("Approved and done: the round is now %(state)s.", state=round_state(rnd.state)),
            "success",
        )
    else:
        flash(_("The request was declined; nothing was changed."), "success")
    return redirect(url_for(".round_page", round_id=rnd.id)), 303
