"""What the public lottery pages read: the calendar of rounds and the rules in force.

Nothing here needs an account: rounds already opened come from the database, the next
ones from the tenant's calendar plugin, and the rules from the latest round (frozen at its
opening) or, before any round, from the plugins as configured now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from shisetsu.dates import first_of_month_after, local_today
from shisetsu.facilities.operations import list_facilities
from shisetsu.i18n import current_locale
from shisetsu.lottery import display, rounds
from shisetsu.lottery.bundle import LotteryPolicyError, frozen_policy
from shisetsu.lottery.models import LotteryRound
from shisetsu.lottery.results import RoundStats, round_stats
from shisetsu.tenancy.runtime import TenantRuntime

CALENDAR_PAST = 6
"""Rounds already finished that the calendar still lists."""
CALENDAR_AHEAD = 3
"""Months ahead whose scheduled (not yet opened) round the calendar shows."""


@dataclass
class CalendarRow:
    """One round on the calendar; ``rnd`` None: scheduled, not opened yet."""

    usage_month: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime
    draw_at: dt.datetime
    confirm_deadline: dt.datetime
    first_come_at: dt.datetime
    rnd: LotteryRound | None = None
    stats: RoundStats | None = None


@dataclass
class Rules:
    """The rules in words: entry, draw, calendar."""

    entry: list[str] = field(default_factory=list)
    draw: list[str] = field(default_factory=list)
    calendar: list[str] = field(default_factory=list)


def calendar(session: Session, runtime: TenantRuntime, now: dt.datetime) -> list[CalendarRow]:
    """Opened rounds (newest usage month first, a few finished ones) and the next scheduled."""
    opened = rounds.list_rounds(session)
    unfinished = [r for r in opened if r.state != "released"]
    finished = [r for r in opened if r.state == "released"][:CALENDAR_PAST]
    rows = [
        CalendarRow(
            r.usage_month,
            r.opens_at,
            r.closes_at,
            r.draw_at,
            r.confirm_deadline,
            r.first_come_at,
            rnd=r,
            stats=round_stats(session, r) if r.drawn else None,
        )
        for r in [*unfinished, *finished]
    ]
    months = {r.usage_month for r in opened}
    today = local_today(runtime.config, now)
    for ahead in range(CALENDAR_AHEAD):
        schedule = rounds.schedule_for(runtime, first_of_month_after(today.replace(day=1), ahead))
        if schedule is None or schedule.usage_month in months or schedule.closes_at <= now:
            continue
        months.add(schedule.usage_month)
        rows.append(
            CalendarRow(
                schedule.usage_month,
                schedule.opens_at,
                schedule.closes_at,
                schedule.draw_at,
                schedule.confirm_deadline,
                schedule.first_come_at,
            )
        )
    return sorted(rows, key=lambda row: row.usage_month, reverse=True)


def _facility_names(session: Session) -> dict[str, str]:
    locale = current_locale()
    return {f.code: f.name(locale) for f in list_facilities(session)}


def rules_of_round(session: Session, runtime: TenantRuntime, rnd: LotteryRound) -> Rules:
    """The rules frozen into ``rnd`` at its opening, in words."""
    by_category = {
        code: dt.datetime.fromisoformat(when) for code, when in rnd.first_come_by_category.items()
    }
    return Rules(
        entry=display.entry_rules_in_words(runtime.config, rnd.rules, _facility_names(session)),
        draw=display.policy_in_words(rnd.policy, rnd.policy_params),
        calendar=display.calendar_in_words(
            runtime.config,
            draw_at=rnd.draw_at,
            confirm_deadline=rnd.confirm_deadline,
            first_come_at=rnd.first_come_at,
            first_come_by_category=by_category,
        ),
    )


def current_rules(session: Session, runtime: TenantRuntime, now: dt.datetime) -> Rules | None:
    """The rules of the newest round, or as configured when none is open (None: no lottery)."""
    opened = rounds.list_rounds(session)
    if opened:
        return rules_of_round(session, runtime, opened[0])
    schedule = rounds.schedule_for(runtime, local_today(runtime.config, now))
    if schedule is None:
        return None
    try:
        spec = frozen_policy(runtime.plugins)
    except LotteryPolicyError:
        return None
    frozen: dict[str, Any] = {
        "entries_per_group": schedule.entries_per_group,
        "allowed_categories": list(schedule.allowed_categories),
        "facility_categories": {k: list(v) for k, v in schedule.facility_categories.items()},
    }
    return Rules(
        entry=display.entry_rules_in_words(runtime.config, frozen, _facility_names(session)),
        draw=display.policy_in_words(spec.name, dict(spec.params)),
        calendar=display.calendar_in_words(
            runtime.config,
            draw_at=schedule.draw_at,
            confirm_deadline=schedule.confirm_deadline,
            first_come_at=schedule.first_come_at,
            first_come_by_category=schedule.first_come_by_category,
        ),
    )
