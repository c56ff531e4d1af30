"""Forms of the availability search and of the staff room console."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from shisetsu.forms_text import FlaskForm

MAX_EQUIPMENT = 30


def required() -> InputRequired:
    """A required field, with our own (translated) message."""
    return InputRequired(message=_l("This item is required."))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """Availability search over a period (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    facility = SelectField(_l("Facility"), choices=[], default="", validate_choice=True)
    room = SelectField(_l("Room"), choices=[], default="", validate_choice=True)
    purpose = SelectField(_l("Purpose or sport"), choices=[], default="", validate_choice=True)
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    weekdays = MultiCheckboxField(
        _l("Days of the week"),
        description=_l("Leave all unticked for every day."),
        choices=[],
        validate_choice=True,
    )
    band = SelectField(_l("Time of day"), choices=[], default="", validate_choice=True)
    slot = SelectField(_l("Time slot"), choices=[], default="", validate_choice=True)
    capacity = IntegerField(
        _l("At least this many people"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
    )


class DaySearchForm(FlaskForm):
    """One day across rooms and facilities (GET, no CSRF)."""

    class Meta:
        csrf = False

    date = DateField(_l("Date"), validators=[Optional()])
    band = SelectField(_l("Time of day"), choices=[], default="", validate_choice=True)
    purpose = SelectField(_l("Purpose or sport"), choices=[], default="", validate_choice=True)
    facility = SelectField(_l("Facility"), choices=[], default="", validate_choice=True)
    capacity = IntegerField(
        _l("At least this many people"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
    )


class RoomDetailsForm(FlaskForm):
    """What residents see about a room."""

    capacity = IntegerField(
        _l("Capacity (people)"), validators=[required(), NumberRange(min=1, max=100000)]
    )
    area_m2 = FloatField(
        _l("Area (m²)"), validators=[Optional(), NumberRange(min=0.1, max=1000000)]
    )
    equipment = TextAreaField(
        _l("Equipment"),
        description=_l("One item per line."),
        validators=[Optional(), Length(max=3000)],
    )
    active = BooleanField(_l("Open for booking"))

    def equipment_items(self) -> list[str]:
        """The equipment lines, trimmed, without empty ones."""
        lines = (self.equipment.data or "").splitlines()
        return [line.strip() for line in lines if line.strip()][:MAX_EQUIPMENT]


class ClosureForm(FlaskForm):
    """An ad-hoc closure of a room or its whole facility."""

    start = DateField(_l("First day"), validators=[required()])
    end = DateField(
        _l("Last day"), description=_l("Leave empty for a single day."), validators=[Optional()]
    )
    whole_facility = BooleanField(_l("Close the whole facility, not only this room"))
    reason_ja = StringField(
        _l("Reason (Japanese)"),
        validators=[DataRequired(_l("This item is required.")), Length(max=300)],
    )
    reason_en = StringField(_l("Reason (English)"), validators=[Optional(), Length(max=300)])


class OfficialHoldForm(FlaskForm):
    """Official holds (公用予約) on some slots of a room over a period."""

    start = DateField(_l("First day"), validators=[required()])
    end = DateField(
        _l("Last day"), description=_l("Leave empty for a single day."), validators=[Optional()]
    )
    slots = MultiCheckboxField(
        _l("Time slots"), choices=[], validators=[DataRequired(_l("Choose at least one slot."))]
    )
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("This item is required.")), Length(max=500)]
    )


class ConfirmForm(FlaskForm):
    """A bare form: the CSRF token of a confirmation button."""


def first_error(form: Any) -> str | None:
    """The first validation message of ``form``, for a flash message."""
    for messages in form.errors.values():
        if messages:
            return str(messages[0])
    return None
