"""Grid marks and national holiday names read in the page's language."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import force_locale

from shisetsu.slots.calendar import holiday_name
from shisetsu.slots.display import HOLIDAY_NAMES, holiday_label, symbol
from shisetsu.slots.operations import CLOSED, FREE, HOLD, LOTTERY, NOT_OPEN, TAKEN


def test_kanji_marks_become_letters_in_english() -> None:
    assert [symbol(s, "ja") for s in (FREE, TAKEN, CLOSED, LOTTERY, NOT_OPEN, HOLD)] == [
        "○", "×", "−", "抽", "前", "公",
    ]  # fmt: skip
    assert [symbol(s, "en") for s in (FREE, TAKEN, CLOSED, LOTTERY, NOT_OPEN, HOLD)] == [
        "○", "×", "−", "L", "S", "R",
    ]  # fmt: skip


def test_every_holiday_jpholiday_names_has_an_english_name(app: Flask) -> None:
    day, names = dt.date(2000, 1, 1), set()
    while day.year <= 2100:
        name = holiday_name(day)
        if name:
            names.add(name.removesuffix(" 振替休日"))
        day += dt.timedelta(days=1)
    assert names == set(HOLIDAY_NAMES)


def test_holiday_names_in_both_languages(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert holiday_label("元日", "en") == "New Year's Day"
        assert holiday_label("憲法記念日 振替休日", "en") == (
            "Substitute holiday for Constitution Memorial Day"
        )
        assert holiday_label(None, "en") == ""
    with app.test_request_context(), force_locale("ja"):
        assert holiday_label("元日", "ja") == "元日"
        assert holiday_label("憲法記念日 振替休日", "ja") == "憲法記念日 振替休日"
