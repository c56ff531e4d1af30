"""Forms of the booking pages (Flask-WTF: CSRF on every one).

Field names match the ``field`` of the rules' violations (``attendees``, ``purpose``,
``slots``), so :func:`show_violations` puts each "no" next to its input and into the
error summary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from shisetsu.accounts.forms import required
from shisetsu.booking.operations import PURPOSE_MAX
from shisetsu.booking.payments import MAX_REASON
from shisetsu.forms_text import FlaskForm
from shisetsu.plugins import Violation
from shisetsu.refusals import Refusal
from shisetsu.slots.holds import SlotTaken

MAX_ATTENDEES = 100_000
SLOT_SPLIT = re.compile(r"[\s,]+")


def normalize(value: Any) -> Any:
    """Full-width digits and letters to ASCII, surrounding spaces removed (NFKC)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return value


def split_slots(text: str | None) -> list[str]:
    """Slot ids typed or carried in one field (spaces or commas between them)."""
    return [part for part in SLOT_SPLIT.split(text or "") if part]


def attendees_field() -> IntegerField:
    return IntegerField(
        _l("Number of people"),
        validators=[
            InputRequired(message=_l("This item is required.")),
            NumberRange(min=1, max=MAX_ATTENDEES, message=_l("Enter a number from 1.")),
        ],
        filters=[normalize],
        render_kw={"inputmode": "numeric", "min": 1},
    )


def purpose_field() -> StringField:
    return StringField(
        _l("Purpose of use"),
        validators=[Length(max=PURPOSE_MAX)],
        filters=[normalize],
        description=_l("For example: choir practice, a meeting, a table-tennis club."),
    )


class BookingForm(FlaskForm):
    """A member books for one of their groups."""

    slots = HiddenField()
    group = SelectField(_l("Group"), coerce=int, validators=[required()])
    attendees = attendees_field()
    purpose = purpose_field()


class CounterForm(FlaskForm):
    """Staff book on a group's behalf (窓口): same rules, reductions, overrides."""

    slots = StringField(
        _l("Time slots"),
        validators=[required(), Length(max=1000)],
        filters=[normalize],
    )
    attendees = attendees_field()
    purpose = purpose_field()
    reduction = SelectField(_l("Fee reduction"), choices=[], validate_choice=True)
    override_reason = TextAreaField(
        _l("Reason for overriding a rule"),
        validators=[Optional(), Length(max=MAX_REASON)],
        filters=[normalize],
        description=_l(
            "Only if the booking breaks one of the operator's rules and you book it anyway. "
            "Closed, past and lottery slots can never be overridden."
        ),
    )


class CancelForm(FlaskForm):
    """A member confirms the cancellation after seeing the refund."""

    confirm = BooleanField(
        _l("I understand the refund shown above and want to cancel this booking."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )


class StaffCancelForm(FlaskForm):
    """Staff cancel with a recorded reason."""

    reason = TextAreaField(
        _l("Reason for the cancellation"),
        validators=[required(), Length(max=MAX_REASON)],
        filters=[normalize],
        description=_l("The group sees this reason in the cancellation mail."),
    )
    full_refund = BooleanField(_l("Refund the whole fee (cancelled for the facility's reasons)"))


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (record a payment, rotate a feed URL)."""


def show_refusal(form: FlaskForm, refusal: Refusal, locale: str) -> tuple[int, bool]:
    """A refused booking on its form: ``(409, True)`` when someone holds a slot, else
    ``(422, False)`` with the violations shown."""
    if isinstance(refusal, SlotTaken):
        return 409, True
    show_violations(form, refusal.violations, locale)
    return 422, False


def show_violations(form: FlaskForm, violations: Iterable[Violation], locale: str) -> None:
    """Attach each violation to its field, or to the form when it names none we show."""
    for violation in violations:
        message = violation.message(locale)
        target = getattr(form, violation.field or "", None)
        visible = getattr(getattr(target, "widget", None), "input_type", "") != "hidden"
        if target is not None and visible and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)
