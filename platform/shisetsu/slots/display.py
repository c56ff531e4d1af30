"""How slots and days read to people: dates, state symbols and their text alternatives.

The symbols are the ones residents know (○ free, × taken, − closed, 抽 lottery, 公 official
hold, and 前 for a slot whose first come has not opened yet); every symbol is paired with
a text label, so nothing depends on the glyph or on colour alone.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from shisetsu import dates
from shisetsu.slots.calendar import holiday_name
from shisetsu.slots.operations import CLOSED, FREE, HOLD, LOTTERY, NOT_OPEN, TAKEN

SYMBOLS = {FREE: "○", TAKEN: "×", CLOSED: "−", LOTTERY: "抽", NOT_OPEN: "前", HOLD: "公"}
STATE_LABELS: dict[str, LazyString] = {
    FREE: _l("free"),
    TAKEN: _l("taken"),
    CLOSED: _l("closed or not bookable"),
    LOTTERY: _l("in the lottery"),
    NOT_OPEN: _l("not yet open for first come"),
    HOLD: _l("official use"),
}
LEGEND_ORDER = (FREE, TAKEN, CLOSED, LOTTERY, NOT_OPEN, HOLD)


def is_english(locale: str) -> bool:
    """True for English locales; everything else is shown in Japanese."""
    return dates.is_english(locale)


def format_day(day: dt.date, locale: str) -> str:
    """``2026年2月1日(日)`` in Japanese, ``2026-02-01 (Sun)`` in English."""
    return dates.format_day(day, locale)


def format_month(day: dt.date, locale: str) -> str:
    """``2026年2月`` in Japanese, ``2026-02`` in English."""
    return dates.format_month(day, locale)


def day_kind(day: dt.date) -> str:
    """``holiday``, ``sunday``, ``saturday`` or ``weekday`` (for row styling and text)."""
    if holiday_name(day):
        return "holiday"
    return {5: "saturday", 6: "sunday"}.get(day.weekday(), "weekday")


def state_label(state: str) -> str:
    """The words for ``state`` in the current language."""
    return str(STATE_LABELS[state])


def cell_label(day: dt.date, slot_name: str, state: str, locale: str) -> str:
    """The full text alternative of one grid cell ("2026-02-01 (Sun) Morning: free")."""
    return gettext(
        "%(day)s %(slot)s: %(state)s",
        day=format_day(day, locale),
        slot=slot_name,
        state=state_label(state),
    )


class Formatter:
    """The display helpers above bound to one language, for templates (``fmt``).

    A month grid asks for the same day and state labels many times; they are computed once
    per page here (gettext dominates a grid's render time).
    """

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._days: dict[dt.date, str] = {}
        self._states: dict[str, str] = {}
        self._cell_template: str | None = None
        self._opens: dict[dt.datetime, str] = {}

    def day(self, day: dt.date) -> str:
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = format_day(day, self.locale)
        return text

    def month(self, day: dt.date) -> str:
        return format_month(day, self.locale)

    def kind(self, day: dt.date) -> str:
        return day_kind(day)

    def holiday(self, day: dt.date) -> str:
        """The national holiday's name ("" on other days)."""
        return holiday_name(day) or ""

    def symbol(self, state: str) -> str:
        return SYMBOLS[state]

    def state(self, state: str) -> str:
        text = self._states.get(state)
        if text is None:
            text = self._states[state] = state_label(state)
        return text

    def cell(self, day: dt.date, slot_name: str, state: str) -> str:
        """Same text as :func:`cell_label`, from a once-translated template."""
        if self._cell_template is None:
            self._cell_template = gettext("%(day)s %(slot)s: %(state)s")
        return self._cell_template % {
            "day": self.day(day),
            "slot": slot_name,
            "state": self.state(state),
        }

    def opens(self, moment: dt.datetime) -> str:
        """``先着受付 2027年1月21日(木) 9:00から`` / ``First come from 2027-01-21 09:00``."""
        text = self._opens.get(moment)
        if text is None:
            when = dates.format_day_time(moment, self.locale)
            text = self._opens[moment] = gettext("First come from %(when)s", when=when)
        return text

    def times(self, start: dt.time | None, end: dt.time | None) -> str:
        """``9:00–12:00`` (empty for a full-day set, whose times vary)."""
        if start is None or end is None:
            return ""
        return dates.time_range(start, end)
