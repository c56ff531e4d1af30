"""How slots and days read to people: dates, state symbols and their text alternatives.

The symbols are the ones residents know (○ free, × taken, − closed, 抽 lottery, 公 official
hold, and 前 for a slot whose first come has not opened yet); every symbol is paired with
a text label, so nothing depends on the glyph or on colour alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from shisetsu import dates
from shisetsu.slots.calendar import holiday_name
from shisetsu.slots.ids import InvalidSlotId, SlotRef, parse_slot_id
from shisetsu.slots.operations import CLOSED, FREE, HOLD, LOTTERY, NOT_OPEN, TAKEN, load_rooms
from shisetsu.tenancy.config import TenantConfig

SYMBOLS = {FREE: "○", TAKEN: "×", CLOSED: "−", LOTTERY: "抽", NOT_OPEN: "前", HOLD: "公"}
# On English pages the kanji marks become letters (the legend says what each one means).
SYMBOLS_EN = {**SYMBOLS, LOTTERY: "L", NOT_OPEN: "S", HOLD: "R"}
# jpholiday's names (Japanese only) in English; a substitute holiday is "<name> 振替休日".
HOLIDAY_NAMES: dict[str, LazyString] = {
    "元日": _l("New Year's Day"),
    "成人の日": _l("Coming of Age Day"),
    "建国記念の日": _l("National Foundation Day"),
    "天皇誕生日": _l("The Emperor's Birthday"),
    "春分の日": _l("Vernal Equinox Day"),
    "昭和の日": _l("Showa Day"),
    "憲法記念日": _l("Constitution Memorial Day"),
    "みどりの日": _l("Greenery Day"),
    "こどもの日": _l("Children's Day"),
    "海の日": _l("Marine Day"),
    "山の日": _l("Mountain Day"),
    "敬老の日": _l("Respect for the Aged Day"),
    "秋分の日": _l("Autumnal Equinox Day"),
    "体育の日": _l("Health and Sports Day"),
    "スポーツの日": _l("Sports Day"),
    "文化の日": _l("Culture Day"),
    "勤労感謝の日": _l("Labour Thanksgiving Day"),
    "国民の休日": _l("Citizens' Holiday"),
    "即位礼正殿の儀": _l("Enthronement Ceremony Day"),
    "天皇の即位の日": _l("Enthronement Day"),
}
SUBSTITUTE = " 振替休日"
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


def holiday_label(name: str | None, locale: str) -> str:
    """A national holiday's name in the reader's language ("" for None)."""
    if not name or not is_english(locale):
        return name or ""
    base = name.removesuffix(SUBSTITUTE)
    known = HOLIDAY_NAMES.get(base)
    if known is None:
        return name
    if base != name:
        return gettext("Substitute holiday for %(name)s", name=str(known))
    return str(known)


def symbol(state: str, locale: str) -> str:
    """The grid mark of ``state``: kanji marks in Japanese, letters in English."""
    return (SYMBOLS_EN if is_english(locale) else SYMBOLS)[state]


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


def slot_labels(
    session: Session, config: TenantConfig, slot_ids: Iterable[str], locale: str
) -> dict[str, str]:
    """People-readable names of slot ids, never the id itself: facility, room, date and time
    band, ``新宿文化センター 多目的室 2027年2月6日(土) 午後 13:00–17:00``. Ids of rooms that no
    longer exist are left out."""
    refs: dict[str, SlotRef] = {}
    for sid in slot_ids:
        try:
            refs[sid] = parse_slot_id(sid)
        except InvalidSlotId:
            continue
    if not refs:
        return {}
    wanted = {ref.room_id for ref in refs.values()}
    rooms = {room.id: room for room in load_rooms(session, room_ids=wanted, include_inactive=True)}
    labels = {}
    for sid, ref in refs.items():
        room = rooms.get(ref.room_id)
        if room is None:
            continue
        scheme = config.slot_schemes.get(room.slot_scheme)
        band = ref.code
        if scheme is not None:
            slots = {d.code: d for d in scheme.slots_for(ref.date)}
            sets = {f.code: f for f in scheme.full_day}
            if ref.code in slots:
                d = slots[ref.code]
                band = f"{d.name.get(locale)} {dates.time_range(d.start, d.end)}"
            elif ref.code in sets:
                band = sets[ref.code].name.get(locale)
        where = f"{room.facility.name(locale)} {room.name(locale)}"
        labels[sid] = f"{where} {format_day(ref.date, locale)} {band}"
    return labels


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

    def holiday_of(self, day: dt.date) -> str:
        """The national holiday's name on ``day`` in the reader's language ("" on other days)."""
        return holiday_label(holiday_name(day), self.locale)

    def symbol(self, state: str) -> str:
        return symbol(state, self.locale)

    def holiday(self, name: str | None) -> str:
        return holiday_label(name, self.locale)

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
