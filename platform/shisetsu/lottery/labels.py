"""Words people read for the round and win states stored as codes."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

ROUND_STATES: dict[str, LazyString] = {
    "open": _l("Accepting entries"),
    "closed": _l("Entries closed, waiting for the draw"),
    "drawn": _l("Drawn, waiting for confirmations"),
    "released": _l("Finished; first come open"),
}
WIN_STATES: dict[str, LazyString] = {
    "pending": _l("Won, not confirmed yet"),
    "confirmed": _l("Confirmed and booked"),
    "declined": _l("Declined"),
    "released": _l("Released (not confirmed in time)"),
}


def round_state(code: str) -> str:
    """The label of a round state (the code itself if unknown)."""
    return str(ROUND_STATES.get(code, code))


def win_state(code: str | None) -> str:
    """The label of a win state."""
    return str(WIN_STATES.get(code or "", code or ""))


def init_app(app: Flask) -> None:
    """Template filters ``round_state`` and ``win_state``."""
    app.add_template_filter(round_state, "round_state")
    app.add_template_filter(win_state, "win_state")
