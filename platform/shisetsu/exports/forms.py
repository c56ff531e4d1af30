"""The export forms: a format for each, a period and place for bookings, a day for the
daily list. Each form has its own prefix so the three can share one page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, Field, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from shisetsu.auth.access import OPERATIONS, permits
from shisetsu.exports.content import MAX_DAYS, BookingScope
from shisetsu.exports.disposal import METHODS, NOTE_LENGTH
from shisetsu.exports.operations import FORMATS
from shisetsu.facilities.models import Facility
from shisetsu.forms_text import FlaskForm


def format_field() -> Any:
    """CSV (UTF-8 with BOM or cp932) or PDF; required, one of the known formats."""
    return RadioField(
        _l("File format"),
        choices=[SelectChoice(value, label) for value, (label, _ext) in FORMATS.items()],
        default="csv-utf-8",
        validators=[InputRequired(message=_l("Choose a file format."))],
    )


def required_date(label: Any) -> Any:
    """A date (YYYY-MM-DD) that must be given."""
    return DateField(
        label,
        validators=[InputRequired(message=_l("Enter a date."))],
        format="%Y-%m-%d",
    )


class GroupsExportForm(FlaskForm):
    """Every registered group."""

    format = format_field()


class DailyExportForm(FlaskForm):
    """One day's processing list."""

    day = required_date(_l("Date"))
    format = format_field()


class BookingsExportForm(FlaskForm):
    """Bookings used in a period, optionally in one facility or room."""

    first = required_date(_l("Use date from"))
    last = required_date(_l("Use date to"))
    facility = SelectField(_l("Facility"), choices=[], default="")
    room = SelectField(_l("Room"), choices=[], default="")
    format = format_field()

    def offer(self, facilities: list[Facility], locale: str) -> BookingsExportForm:
        """Fill the facility and room choices from this tenant's facilities."""
        self.facility.choices = [("", str(_l("All facilities")))] + [
            (str(f.id), f.name(locale)) for f in facilities
        ]
        self.room.choices = [("", str(_l("All rooms")))] + [
            (str(r.id), f"{f.name(locale)} {r.name(locale)}") for f in facilities for r in f.rooms
        ]
        self._rooms = {r.id: f.id for f in facilities for r in f.rooms}
        return self

    def validate_last(self, field: Field) -> None:
        """Not before the start, and at most :data:`MAX_DAYS` days in all."""
        first, last = self.first.data, field.data
        if not isinstance(first, dt.date) or not isinstance(last, dt.date):
            return
        if last < first:
            raise ValidationError(_l("The end date must be on or after the start date."))
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError(_l("Choose a period of at most %(days)s days.", days=MAX_DAYS))

    def validate_room(self, field: Field) -> None:
        """A room and a facility chosen together must agree."""
        facility, room = str(self.facility.data or ""), str(field.data or "")
        if not (facility.isdigit() and room.isdigit()):
            return  # "all", or not a choice (the field says so)
        if self._rooms.get(int(room)) != int(facility):
            raise ValidationError(_l("This room is not in the chosen facility."))

    def scope(self) -> BookingScope:
        """The validated form as a :class:`BookingScope`."""
        assert self.first.data is not None and self.last.data is not None
        return BookingScope(
            self.first.data,
            self.last.data,
            facility_id=int(self.facility.data) if self.facility.data else None,
            room_id=int(self.room.data) if self.room.data else None,
        )


def daily_export_form(day: dt.date) -> DailyExportForm | None:
    """The daily list's export form for ``day``, or None when the user may not export."""
    if not permits(frozenset(OPERATIONS), current_user.kind, current_user.role):
        return None
    return DailyExportForm(prefix="daily", formdata=None, day=day)


class PrintForm(FlaskForm):
    """The print button of a page with personal data (a POST: printing is recorded)."""


class DailyPrintForm(FlaskForm):
    """The daily list's print button: which day."""

    day = required_date(_l("Date"))


class DisposalForm(FlaskForm):
    """How an export's file or paper was done away with, and the handler's confirmation."""

    method = RadioField(
        _l("How it was disposed of"),
        choices=[SelectChoice(value, label) for value, label in METHODS.items()],
        validators=[InputRequired(message=_l("Please choose how it was disposed of."))],
    )
    note = StringField(
        _l("Note (optional)"),
        description=_l("For example: shredded at the counter; USB memory no. 3 wiped."),
        validators=[
            Length(max=NOTE_LENGTH, message=_l("At most %(max)d characters.", max=NOTE_LENGTH))
        ],
    )
    confirm = BooleanField(
        _l("I confirm that no copy of this export remains: the record cannot be undone."),
        validators=[DataRequired(message=_l("Please tick the confirmation."))],
    )
