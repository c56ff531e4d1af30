"""Lottery forms: declining a win is confirmed first (its slots go to first come); staff
acting before the published time give a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from shisetsu.forms_text import FlaskForm
from shisetsu.lottery.early import REASON_MAX


class DeclineForm(FlaskForm):
    """A member confirms declining a win after reading what it gives up."""

    confirm = BooleanField(
        _l("I understand that the slot is released to first come and want to decline this win."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class EarlyForm(FlaskForm):
    """Staff give the reason for closing or drawing before the published time."""

    reason = StringField(
        _l("Reason (published on the round's page)"),
        validators=[
            DataRequired(message=_l("This item is required.")),
            Length(max=REASON_MAX, message=_l("Write the reason in at most 300 characters.")),
            Regexp(
                r"^[^\x00-\x1f\x7f-\x9f]*\Z",
                message=_l("Write the reason on one line, without control characters."),
            ),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l(
            "Residents and the ward read it with your role (never your name). "
            "Do not write anyone's personal details."
        ),
    )


class DecisionForm(FlaskForm):
    """A bare POST with its CSRF token (approve or decline an early request)."""
