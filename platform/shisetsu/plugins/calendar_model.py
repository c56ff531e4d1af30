"""One booking calendar per tenant: the horizon may not run ahead of the lottery.

For a tenant with a lottery, a usage month opens first come at its round's first-come
time. A horizon (``booking_rules.horizon_months``) long enough to reach into the next
usage month at that moment would promise first come for days whose lottery has not been
drawn, so such a ``tenant.toml`` is refused when its plugins are built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pluggy

from shisetsu.dates import first_of_month_after
from shisetsu.plugins.lottery import RoundSchedule

CHECKED_MONTHS = 24
"""Opening months checked (two years: every month length and leap February)."""


def calendar_conflict(
    pm: pluggy.PluginManager, categories: Sequence[str], *, start: dt.date = dt.date(2026, 1, 1)
) -> str | None:
    """Why the horizon and the lottery calendar contradict each other, or None.

    At each month's first-come time (for each category), the horizon must not yet reach
    the first day of the following usage month, whose round has not been drawn.
    """
    for i in range(CHECKED_MONTHS):
        schedule: RoundSchedule | None = pm.hook.lottery_calendar(
            month=first_of_month_after(start, i)
        )
        if schedule is None:
            return None
        following = first_of_month_after(schedule.usage_month, 1)
        for category in categories:
            opens = schedule.first_come_by_category.get(category, schedule.first_come_at)
            horizon_day = pm.hook.booking_opens_on(date=following, category=category)
            if horizon_day is not None and horizon_day <= opens.date():
                return (
                    f"booking_rules.horizon_months for {category!r} would open first come for "
                    f"{following:%Y-%m} on {horizon_day.isoformat()}, before its lottery: "
                    f"lottery_calendar opens that month first come only after its draw "
                    f"(usage_month_offset, first_come_day); at {opens:%Y-%m-%d %H:%M} the "
                    f"horizon may reach {schedule.usage_month:%Y-%m} at most"
                )
    return None
