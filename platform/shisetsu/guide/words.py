"""Closed-day rules in words (current locale), so no page shows a rule's codes."""

from __future__ import annotations

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from shisetsu.tenancy.config import ClosedDays

WEEKDAY_NAMES: dict[str, LazyString] = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}
ORDINALS: dict[int, LazyString] = {
    1: _l("1st"),
    2: _l("2nd"),
    3: _l("3rd"),
    4: _l("4th"),
    5: _l("5th"),
}


def _month_day(value: str) -> str:
    month, day = (int(part) for part in value.split("-"))
    return gettext("%(month)s/%(day)s", month=month, day=day)


def closed_days_in_words(rules: ClosedDays) -> list[str]:
    """Each recurring closed day as a sentence; an empty list when there is none."""
    lines = []
    for rule in rules.nth_weekdays:
        if rule.next_day_if_holiday:
            line = gettext(
                "The %(nth)s %(weekday)s of every month (the next day when that is a national "
                "holiday).",
                nth=ORDINALS[rule.n],
                weekday=WEEKDAY_NAMES[rule.weekday],
            )
        else:
            line = gettext(
                "The %(nth)s %(weekday)s of every month.",
                nth=ORDINALS[rule.n],
                weekday=WEEKDAY_NAMES[rule.weekday],
            )
        lines.append(line)
    for span in rules.date_ranges:
        lines.append(
            gettext(
                "Every year from %(start)s to %(end)s.",
                start=_month_day(span.start),
                end=_month_day(span.end),
            )
        )
    if rules.national_holidays_closed:
        lines.append(gettext("National holidays."))
    return lines
