"""The lottery's rules and results in words, for the public pages (current locale).

A round freezes its policy (name and integer parameters) and its entry rules at opening;
these functions turn them into sentences so that no page shows a policy's JSON. An
unknown policy (a third party's plugin) is named, with its parameters as words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from shisetsu.dates import format_day_time, format_deadline, last_moment
from shisetsu.i18n import current_locale
from shisetsu.lottery import engine
from shisetsu.lottery.models import LotteryOutcome
from shisetsu.tenancy.config import TenantConfig


def policy_in_words(name: str, params: Mapping[str, Any]) -> list[str]:
    """How the draw works under policy ``name`` with ``params`` (one sentence each)."""
    cap = params.get("win_cap_per_group")
    lines: list[str] = []
    if name in (engine.RANK_ORDER, engine.HISTORY_WEIGHTED):
        lines.append(
            gettext(
                "All 1st choices are drawn first, then all 2nd choices, and so on; "
                "a choice whose slot went to an earlier choice is not drawn."
            )
        )
    if name == engine.HISTORY_WEIGHTED:
        lines.append(
            gettext(
                "Groups that lost in the last %(rounds)s rounds are drawn ahead more often: "
                "each loss adds %(per)s to the group's weight (1 to start, %(max)s at most).",
                rounds=params.get("lookback_rounds", 0),
                per=params.get("weight_per_loss", 0),
                max=params.get("max_weight", 1),
            )
        )
    elif name != engine.RANK_ORDER:
        lines.append(gettext("Draw policy: %(name)s.", name=name))
    if cap is not None:
        lines.append(gettext("A group wins at most %(num)s choices in one round.", num=int(cap)))
    return lines


def _category_names(config: TenantConfig, codes: list[str]) -> str:
    names = []
    for code in codes:
        category = config.category(code)
        names.append(category.name.get(current_locale()) if category else code)
    return ("、" if current_locale() != "en" else ", ").join(names)


def entry_rules_in_words(
    config: TenantConfig, rules: Mapping[str, Any], facility_names: Mapping[str, str]
) -> list[str]:
    """Who may enter and how many choices (from a round's frozen ``rules``)."""
    lines: list[str] = []
    per_group = rules.get("entries_per_group")
    if per_group:
        lines.append(
            gettext(
                "Each registered group may enter up to %(num)s choices, in order of preference.",
                num=int(per_group),
            )
        )
    allowed = list(rules.get("allowed_categories") or [])
    if allowed:
        lines.append(
            gettext("Who may enter: %(categories)s.", categories=_category_names(config, allowed))
        )
    else:
        lines.append(gettext("Every category of registered group may enter."))
    for code, categories in sorted((rules.get("facility_categories") or {}).items()):
        lines.append(
            gettext(
                "%(facility)s: only %(categories)s may enter.",
                facility=facility_names.get(code, code),
                categories=_category_names(config, list(categories)),
            )
        )
    return lines


def calendar_in_words(
    config: TenantConfig,
    *,
    draw_at: dt.datetime,
    confirm_deadline: dt.datetime,
    first_come_at: dt.datetime,
    first_come_by_category: Mapping[str, dt.datetime],
) -> list[str]:
    """When results come, until when wins must be confirmed, when first come opens."""
    locale, zone = current_locale(), config.timezone
    lines = [
        gettext(
            "Results are published at the draw, %(when)s, here and by mail.",
            when=format_day_time(draw_at, locale, zone),
        ),
        gettext(
            "Wins must be confirmed %(deadline)s; wins not confirmed by then are released.",
            deadline=format_deadline(last_moment(confirm_deadline), locale, zone),
        ),
        gettext(
            "Slots nobody won open first come from %(when)s.",
            when=format_day_time(first_come_at, locale, zone),
        ),
    ]
    for code, when in sorted(first_come_by_category.items()):
        lines.append(
            gettext(
                "%(categories)s: first come from %(when)s.",
                categories=_category_names(config, [code]),
                when=format_day_time(when, locale, zone),
            )
        )
    return lines


def explain(outcome: LotteryOutcome) -> str:
    """One choice's result in plain words: how many groups entered and where yours came."""
    if outcome.status == engine.SKIPPED_CAP:
        return gettext(
            "Choice %(rank)s: not drawn, because your group had already won as many choices "
            "as a group may.",
            rank=outcome.rank,
        )
    if outcome.status == engine.SKIPPED_TAKEN:
        return gettext(
            "Choice %(rank)s: not drawn, because a slot of it went to one of your group's "
            "earlier choices.",
            rank=outcome.rank,
        )
    won = outcome.status == engine.WON
    verdict = gettext("Won.") if won else gettext("Not won.")
    if outcome.entrants <= 1:
        drawn = gettext(
            "Choice %(rank)s: yours was the only group that entered.", rank=outcome.rank
        )
    else:
        drawn = gettext(
            "Choice %(rank)s: %(entrants)s groups entered; your group was number %(position)s "
            "in the draw order.",
            rank=outcome.rank,
            entrants=outcome.entrants,
            position=outcome.position,
        )
    return f"{drawn} {verdict}"
