"""Forms of the staff and auditor sign-in (password, then a code)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from shisetsu.accounts.forms import new_password_fields
from shisetsu.forms_text import FlaskForm


class LoginForm(FlaskForm):
    """Login and password."""

    login = StringField(
        _l("Login"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app, or a recovery code where accepted."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (confirming "sign out everywhere")."""


class PasswordForm(FlaskForm):
    """The current password and the new one twice."""

    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class FirstPasswordForm(FlaskForm):
    """The person's own password in place of the initial one, twice."""

    password, confirm = new_password_fields()
