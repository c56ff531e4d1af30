"""Staff lottery console (``/<tenant>/manage/lottery/``).

Staff see entries and contention per round, open this month's round, close and draw by
hand (each idempotent, as the periodic job), and preview the draw with a throwaway seed
(never the committed one, nothing published). The ward's view is
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

from shisetsu import dates
from shisetsu.auth.access import OPERATIONS, access
from shisetsu.db import utcnow
from shisetsu.extensions import db
from shisetsu.lottery import jobs, results, rounds
from shisetsu.lottery.labels import round_state
from shisetsu.lottery.models import LotteryRound
from shisetsu.routing import MAX_ID
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
    return render_template(
        "lottery/manage/round.html", rnd=rnd, stats=results.round_stats(session, rnd), preview=None
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
def preview(round_id: int) -> ResponseReturnValue:
    """A dry run over the current entries with a throwaway seed: nothing is published."""
    session = db.session()
    rnd = _round_or_404(round_id)
    result = results.dry_run(session, rnd)
    session.rollback()
    counts: dict[str, int] = {}
    for row in result.rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    return render_template(
        "lottery/manage/round.html",
        rnd=rnd,
        stats=results.round_stats(session, rnd),
        preview={"allocated": len(result.allocation), "statuses": counts},
    )
