"""The resident's deletion form: password again, and an explicit confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from shisetsu.forms_text import FlaskForm


class DeleteAccountForm(FlaskForm):
    """Deleting the account cannot be undone, so the password is asked again."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
    confirm = BooleanField(
        _l(
            "I understand that my account and my personal data will be erased and cannot be "
            "restored."
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
