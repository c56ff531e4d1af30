"""Language: Japanese by default, English complete; the choice is kept in a cookie."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from shisetsu import dates
from shisetsu.paths import PACKAGE_DIR

LANG_COOKIE = "lang"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
# Kana, CJK ideographs and half-width katakana: text people typed in Japanese.
JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def select_locale() -> str:
    """The cookie's language when it is one we serve, else Japanese."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    return chosen if chosen in current_app.config["LANGUAGES"] else default


def current_locale() -> str:
    """The language of the current request as a plain string ("ja" or "en")."""
    locale = get_locale()
    return locale.language if locale else "ja"


def init_app(app: Flask) -> None:
    """Expose the language helpers to templates."""
    app.add_template_filter(mark_japanese, "ja")

    # ``|local_time`` in templates reads like ``|day_time`` (the reader's language); the
    # ``local_time`` function stays ISO-style for messages built outside templates.
    app.add_template_filter(day_time_filter, "local_time")
    app.add_template_filter(day_filter, "day")
    app.add_template_filter(day_time_filter, "day_time")
    app.add_template_filter(deadline_filter, "deadline")
    app.add_template_filter(deadline_end_filter, "deadline_end")
    app.add_template_filter(month_filter, "month")
    app.add_template_filter(dates.format_wareki, "wareki")
    app.add_template_filter(clock_filter, "clock")

    @app.context_processor
    def _language_context() -> dict[str, Any]:
        return {
            "lang": current_locale(),
            "languages": app.config["LANGUAGES"],
            "logout_endpoint": _logout_endpoint(),
        }


def mark_japanese(value: Any) -> Markup:
    """``value`` escaped, in ``<span lang="ja">`` when it is Japanese on a page in another
    language (names, reasons, equipment typed in Japanese), so screen readers switch voice
    (WCAG 3.1.2). Templates use it as the ``ja`` filter: ``{{ group.name|ja }}``."""
    text = "" if value is None else str(value)
    if current_locale() != "ja" and JAPANESE_SCRIPT.search(text):
        return Markup('<span lang="ja">%s</span>') % text
    return escape(text)


def day_filter(value: date | None) -> str:
    """``{{ booking.date|day }}``: ``2026年2月1日(日)`` or ``2026-02-01 (Sun)``; "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = dates.local_day(value)
    return dates.format_day(value, current_locale())


def day_time_filter(value: datetime | None) -> str:
    """``{{ rnd.closes_at|day_time }}``: ``2026年2月1日(日) 9:05`` or ``2026-02-01 09:05``
    (Tokyo time; stored times are UTC); "" for None."""
    return "" if value is None else dates.format_day_time(value, current_locale())


def deadline_filter(value: datetime | None) -> str:
    """``{{ deadline|deadline }}`` for a deadline's last moment: ``2026年12月28日(月) 17:00まで``
    or ``until 2026-12-28 (Mon) 17:00``; "" for None."""
    return "" if value is None else dates.format_deadline(value, current_locale())


def deadline_end_filter(value: datetime | None) -> str:
    """``{{ rnd.confirm_deadline|deadline_end }}`` for a stored exclusive end (the next
    midnight): written as the last moment before it, ``2027年1月20日(水) 23:59まで``."""
    return "" if value is None else deadline_filter(dates.last_moment(value))


def clock_filter(value: datetime | time | None) -> str:
    """``{{ slot.start|clock }}``: ``9:00`` (a stored moment in Tokyo time); "" for None."""
    if value is None:
        return ""
    return dates.clock(dates.to_local(value) if isinstance(value, datetime) else value)


def month_filter(value: date | None) -> str:
    """``{{ rnd.usage_month|month }}``: ``2026年2月`` or ``2026-02``; "" for None."""
    return "" if value is None else dates.format_month(value, current_locale())


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every messages.po whose .mo is missing or older; returns what was written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo_path)
    return written


def _logout_endpoint() -> str:
    """Sign-out endpoint of whoever is signed in (each kind of user has its own)."""
    kind = getattr(current_user, "kind", None)
    return {"staff": "staff.logout", "auditor": "ward.logout"}.get(kind or "", "accounts.logout")
