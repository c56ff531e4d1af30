"""Forms of the staff management pages, and what each role may do."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from shisetsu.forms_text import FlaskForm
from shisetsu.people.models import STAFF_ROLES
from shisetsu.people.roles import ROLE_LABELS

ROLE_DUTIES: dict[str, LazyString] = {
    "responsible": _l("Manages staff accounts, and everything a handler does."),
    "handler": _l("Runs all operations: groups, bookings, rooms, lottery, payments."),
    "counter": _l("Bookings and payments at the counter only."),
}


def _role_choices() -> list[tuple[str, LazyString]]:
    return [(role, ROLE_LABELS[role]) for role in STAFF_ROLES]


class AddStaffForm(FlaskForm):
    """A new staff member (the initial password is generated)."""

    login = StringField(
        _l("Login"),
        validators=[DataRequired(), Length(min=2, max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=100)], render_kw={"autocomplete": "off"}
    )
    email = EmailField(
        _l("Email (optional)"),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired()])


class RoleForm(FlaskForm):
    """Change one staff member's role."""

    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """An explicit confirmation step (CSRF token only)."""
