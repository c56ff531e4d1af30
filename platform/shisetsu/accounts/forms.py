"""Forms of the resident account pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from shisetsu.auth.passwords import MIN_PASSWORD_LENGTH
from shisetsu.forms_text import FlaskForm

# What the outbox accepts as one plain address (shisetsu.notify.outbox).
EMAIL_PATTERN = r"^[^@\s<>,;:\"()\[\]\\]+@[^@\s<>,;:\"()\[\]\\]+\.[^@\s<>,;:\"()\[\]\\]+$"
LOGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$"
# Each language named in itself, marked with its lang for screen readers.
LANGUAGE_CHOICES = [
    SelectChoice("ja", "日本語", render_kw={"lang": "ja"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
]

PASSWORD_MESSAGES = {
    "too_short": _l(
        "Use at least %(count)s characters for the password.", count=MIN_PASSWORD_LENGTH
    ),
    "same_as_login": _l("The password must differ from the login ID and the email address."),
    "wrong_current": _l("The current password is not correct."),
    "same_as_initial": _l("Choose a password of your own, not the initial one you were given."),
    "too_guessable": _l("This password would be easy to guess."),
    "personal": _l(
        "Leave out your login ID, name and email address: they are the first things tried."
    ),
    "common": _l(
        "It is, or is close to, a commonly used password. Choose three or four unrelated "
        "words instead."
    ),
    "repeats": _l("Avoid repeated characters or words such as “aaa” or “abcabc”."),
    "sequence": _l("Avoid runs such as “abc”, “123” or “987”."),
    "keyboard": _l("Avoid keys next to each other on the keyboard, such as “qwerty” or “asdf”."),
    "dates": _l("Avoid dates and years: they are easy to guess."),
    "words": _l(
        "Make it longer: three or four unrelated words, or a short sentence only you would "
        "think of."
    ),
}


def required() -> DataRequired:
    """A required field, with our own (translated) message."""
    return DataRequired(message=_l("This item is required."))


def new_password_fields(
    label: LazyString | None = None, again: LazyString | None = None
) -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation."""
    password = PasswordField(
        label or _l("New password"),
        validators=[
            required(),
            Length(min=MIN_PASSWORD_LENGTH, message=PASSWORD_MESSAGES["too_short"]),
            Length(max=200),
        ],
        description=_l(
            "At least %(count)s characters, hard to guess: three or four unrelated words work "
            "well.",
            count=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm = PasswordField(
        again or _l("New password (again)"),
        validators=[
            required(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class SignupForm(FlaskForm):
    """新規登録: login id (optional), email, password twice, language."""

    email = EmailField(
        _l("Email address"),
        validators=[
            required(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an email address like name@example.jp.")),
        ],
        description=_l("We send a confirmation link to this address."),
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    login = StringField(
        _l("Login ID (optional)"),
        validators=[
            Optional(),
            Length(min=3, max=64, message=_l("Use 3 to 64 characters for the login ID.")),
            Regexp(
                LOGIN_PATTERN,
                message=_l("Use only letters, digits and . _ @ + - for the login ID."),
            ),
        ],
        description=_l("If you leave it empty, your email address is your login ID."),
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password, confirm = new_password_fields(_l("Password"), _l("Password (again)"))
    locale = SelectField(
        _l("Language for mail and pages"), choices=LANGUAGE_CHOICES, validators=[required()]
    )


class LoginForm(FlaskForm):
    """ログイン: login id or email, and password. The field name ``login`` keys the rate limit."""

    login = StringField(
        _l("Login ID or email address"),
        validators=[required(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[required(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ResendForm(FlaskForm):
    """Send the verification mail again (the answer is the same whatever is entered)."""

    login = StringField(
        _l("Login ID or email address"),
        validators=[required(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


class ResetRequestForm(FlaskForm):
    """パスワード再設定: ask for a reset link."""

    login = StringField(
        _l("Email address or login ID"),
        validators=[required(), Length(max=254)],
        description=_l("We send a link to the email address registered for the account."),
        render_kw={"autocomplete": "email", "autocapitalize": "none"},
    )


class ResetForm(FlaskForm):
    """Set a new password from a reset link."""

    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    """パスワード変更: current password and the new one twice."""

    current = PasswordField(
        _l("Current password"),
        validators=[required(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class LocaleForm(FlaskForm):
    """The language of mail to the resident."""

    locale = SelectField(
        _l("Language for mail and pages"), choices=LANGUAGE_CHOICES, validators=[required()]
    )


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (confirming an email address)."""
