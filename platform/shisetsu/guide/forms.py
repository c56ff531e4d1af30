"""The staff form for a facility's descriptive fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from shisetsu.forms_text import FlaskForm

TEXT_MAX = 1000


def _text(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )


class FacilityDetailsForm(FlaskForm):
    """What the public facility page says; empty fields are simply not shown."""

    address = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=300, message=_l("Write at most %(max)d characters."))],
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=40, message=_l("Write at most %(max)d characters.")),
            Regexp(
                r"^[0-9０-９()（）+\- ー]+$", message=_l("Write digits, hyphens and brackets only.")
            ),
        ],
    )
    access_ja = _text(_l("Access (Japanese)"))
    access_en = _text(_l("Access (English)"))
    hours_ja = _text(_l("Opening hours (Japanese)"))
    hours_en = _text(_l("Opening hours (English)"))
    closed_note_ja = _text(_l("About closed days (Japanese)"))
    closed_note_en = _text(_l("About closed days (English)"))
