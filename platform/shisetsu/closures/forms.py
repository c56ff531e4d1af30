"""The closure confirmation form: the planned closure, what staff saw, what they keep."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from shisetsu.forms_text import FlaskForm
from shisetsu.slots.forms import MultiCheckboxField


class ConfirmClosureForm(FlaskForm):
    """Confirm a closure; bookings ticked under ``keep`` stay booked, for ``keep_reason``."""

    start = HiddenField()
    end = HiddenField()
    whole = HiddenField()
    reason_ja = HiddenField()
    reason_en = HiddenField()
    fingerprint = HiddenField()
    keep = MultiCheckboxField(
        _l("Keep these bookings (they stay booked on the closed days)"),
        choices=[],
        coerce=int,
        validate_choice=False,
    )
    keep_reason = TextAreaField(
        _l("Why these bookings are kept"), validators=[Optional(), Length(max=1000)]
    )
