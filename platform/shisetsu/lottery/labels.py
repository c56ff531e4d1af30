"""Words people read for the round and win states stored as codes."""

from __future__ import annotations

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from shisetsu.people.roles import ROLE_LABELS

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

EARLY_ACTIONS: dict[str, LazyString] = {
    "close": _l("Close applications early"),
    "draw": _l("Draw early"),
}
REQUEST_STATES: dict[str, LazyString] = {
    "pending": _l("Waiting for a second staff member's approval"),
    "done": _l("Done"),
    "declined": _l("Declined or withdrawn"),
    "lapsed": _l("Lapsed at the published time"),
}
STEPS: dict[str, LazyString] = {
    "open": _l("Applications opened"),
    "close": _l("Applications closed"),
    "draw": _l("Draw"),
    "first_come": _l("First come opened"),
}
ACTOR_ROLES: dict[str, LazyString] = {**ROLE_LABELS, "system": _l("System operator")}
EARLY_REFUSALS: dict[str, LazyString] = {
    "reason_required": _l("Write why the round is closed or drawn before its published time."),
    "reason_too_long": _l("Write the reason in at most 300 characters."),
    "reason_control": _l("Write the reason on one line, without control characters."),
    "not_early": _l(
        "The published time has passed or the round has moved on: nothing to do early."
    ),
    "already_pending": _l("Another early request for this round is waiting for approval."),
    "self_approval": _l("You asked for this yourself: another staff member must approve it."),
    "lapsed": _l("This request lapsed at the published time; the calendar acted on time."),
    "not_pending": _l("This request has already been decided."),
}
PREVIEW_STATUSES: dict[str, LazyString] = {
    "won": _l("choices would win"),
    "lost": _l("choices would not win (another group drawn first)"),
    "skipped_cap": _l("choices would be skipped (the group already has its most wins)"),
    "skipped_taken": _l("choices would be skipped (a slot went to an earlier rank)"),
}


def label(table: dict[str, LazyString], code: str | None) -> str:
    """The words for ``code`` in ``table`` (the code itself if unknown)."""
    return str(table.get(code or "", code or ""))


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
    app.add_template_filter(lambda code: label(ACTOR_ROLES, code), "actor_role")
    app.add_template_filter(lambda code: label(STEPS, code), "lottery_step")
    app.add_template_filter(lambda code: label(EARLY_ACTIONS, code), "early_action")
    app.add_template_filter(lambda code: label(REQUEST_STATES, code), "early_state")
