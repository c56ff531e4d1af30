"""Lottery forms: declining a win is confirmed first (its slots go to first come)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired


class DeclineForm(FlaskForm):
    """A member confirms declining a win after reading what it gives up."""

    confirm = BooleanField(
        _l("I understand that the slot is released to first come and want to decline this win."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )
