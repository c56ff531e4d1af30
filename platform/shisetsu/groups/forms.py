"""Forms of the group pages (Flask-WTF: CSRF on every one).

Field names match the ``field`` of the eligibility plugins' violations
(``member_count``, ``resident_count``, ``representative_is_resident``,
``representative_is_adult``, ``category``), so each "no" is shown next to its input.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from shisetsu.accounts.forms import EMAIL_PATTERN, required
from shisetsu.forms_text import FlaskForm
from shisetsu.groups.models import MESSAGE_MAX
from shisetsu.groups.operations import Application
from shisetsu.groups.review import MAX_REASON
from shisetsu.tenancy.config import TenantConfig

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
PHONE_PATTERN = r"^\+?[0-9][0-9 -]{7,18}[0-9]$"
MAX_COUNT = 100_000
PERSON_BLOCKS = ("representative", "contact")


def normalize(value: Any) -> Any:
    """Full-width digits and letters to ASCII, surrounding spaces removed (NFKC)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFKC", value).strip()
    return value


def text(label: Any, autocomplete: str, max_length: int, **kw: Any) -> StringField:
    """A required one-line text input."""
    return StringField(
        label,
        validators=[required(), Length(max=max_length)],
        filters=[normalize],
        render_kw={"autocomplete": autocomplete},
        **kw,
    )


def phone(label: Any, autocomplete: str) -> TelField:
    """An optional phone number (at least one of home/mobile is checked by the form)."""
    return TelField(
        label,
        validators=[
            Optional(),
            Regexp(PHONE_PATTERN, message=_l("Enter a phone number like 03-1234-5678.")),
        ],
        filters=[normalize],
        render_kw={"autocomplete": autocomplete, "inputmode": "tel"},
    )


def count(label: Any, minimum: int, description: Any) -> IntegerField:
    """A required whole number."""
    return IntegerField(
        label,
        validators=[
            InputRequired(message=_l("This item is required.")),
            NumberRange(min=minimum, max=MAX_COUNT, message=_l("Enter a number of people.")),
        ],
        description=description,
        render_kw={"inputmode": "numeric", "min": minimum, "autocomplete": "off"},
    )


def yes_no(label: Any, description: Any, *, optional: bool = False) -> RadioField:
    """A yes/no question; an optional one may stay unanswered (``None``)."""
    validators = [Optional()] if optional else [InputRequired(message=_l("Choose yes or no."))]
    return RadioField(label, choices=YES_NO, validators=validators, description=description)


def to_bool(field: Field) -> bool | None:
    """``"yes"``/``"no"`` to True/False; unanswered to None."""
    return {"yes": True, "no": False}.get(field.data or "")


def from_bool(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class ApplicationForm(FlaskForm):
    """仮登録: the group, its representative and contact person, counts and declarations."""

    name = text(_l("Group name"), "organization", 200)
    category = SelectField(_l("Category"), validators=[required()])

    representative_name = text(_l("Name"), "name", 100)
    representative_address = text(_l("Address"), "street-address", 300)
    representative_phone_home = phone(_l("Home phone"), "home tel")
    representative_phone_mobile = phone(_l("Mobile phone"), "mobile tel")
    representative_is_resident = yes_no(
        _l("Does the representative live in Shinjuku City?"),
        _l("Checked against an ID document at the counter."),
    )
    representative_is_adult = yes_no(
        _l("Is the representative 18 or older?"),
        _l(
            "Some categories require an adult representative; checked against an ID document "
            "at the counter. The date of birth is not recorded."
        ),
        optional=True,
    )

    contact_name = text(_l("Name"), "section-contact name", 100)
    contact_address = text(_l("Address"), "section-contact street-address", 300)
    contact_phone_home = phone(_l("Home phone"), "section-contact home tel")
    contact_phone_mobile = phone(_l("Mobile phone"), "section-contact mobile tel")
    contact_email = EmailField(
        _l("Email address"),
        validators=[
            required(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an email address like name@example.jp.")),
        ],
        filters=[normalize],
        render_kw={"autocomplete": "section-contact email", "inputmode": "email"},
    )

    member_count = count(
        _l("Number of members"),
        1,
        _l("Everyone in the group, including the representative."),
    )
    resident_count = count(
        _l("Members who live in Shinjuku City"),
        0,
        _l("Bring the member list to the counter; staff check these numbers."),
    )
    privacy_accepted = BooleanField(
        _l("I have read the notice on personal information above and agree."),
        validators=[DataRequired(message=_l("Please read the notice and tick the box to agree."))],
    )

    def __init__(self, config: TenantConfig, locale: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [
            SelectChoice(c.code, c.name.get(locale)) for c in config.group_categories
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        """The field rules, then: each person needs a home or a mobile phone."""
        ok = super().validate(extra_validators)
        for block in PERSON_BLOCKS:
            home, mobile = self[f"{block}_phone_home"], self[f"{block}_phone_mobile"]
            if not home.data and not mobile.data and not home.errors and not mobile.errors:
                home.errors = [*home.errors, _l("Enter a home or a mobile phone number.")]
                ok = False
        return ok

    def facts_ready(self) -> bool:
        """Whether the fields eligibility looks at are valid, so the plugins can be asked."""
        return (
            all(
                not self[name].errors and self[name].data is not None
                for name in (
                    "category",
                    "member_count",
                    "resident_count",
                    "representative_is_resident",
                )
            )
            and not self.representative_is_adult.errors
        )

    def application(self) -> Application:
        """The submitted data (call after validation)."""
        return Application(
            name=self.name.data,
            category=self.category.data,
            representative_name=self.representative_name.data,
            representative_address=self.representative_address.data,
            representative_phone_home=self.representative_phone_home.data or None,
            representative_phone_mobile=self.representative_phone_mobile.data or None,
            contact_name=self.contact_name.data,
            contact_address=self.contact_address.data,
            contact_phone_home=self.contact_phone_home.data or None,
            contact_phone_mobile=self.contact_phone_mobile.data or None,
            contact_email=self.contact_email.data,
            member_count=self.member_count.data,
            resident_count=self.resident_count.data,
            representative_is_resident=bool(to_bool(self.representative_is_resident)),
            representative_is_adult=to_bool(self.representative_is_adult),
        )

    def fill(self, application: Application) -> None:
        """Pre-fill from an earlier application (renewal); the notice must be agreed again."""
        for name, value in vars(application).items():
            if name.startswith("representative_is_"):
                self[name].data = from_bool(value)
            else:
                self[name].data = value


class VerifyForm(FlaskForm):
    """本登録: the counts staff found on the member list and ID documents."""

    verified_member_count = count(_l("Members on the checked member list"), 1, None)
    verified_resident_count = count(_l("Of them, living in Shinjuku City"), 0, None)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        members, residents = self.verified_member_count.data, self.verified_resident_count.data
        if ok and residents > members:
            self.verified_resident_count.errors = [_l("Cannot be more than the number of members.")]
            ok = False
        return ok


class RejectForm(FlaskForm):
    """Rejection: the reason is required (the applicant reads it)."""

    reason = TextAreaField(
        _l("Reason for the rejection"),
        validators=[required(), Length(max=MAX_REASON)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description=_l("Sent to the applicant by mail and shown on their page."),
    )


class MessageForm(FlaskForm):
    """A message from the facility to the group, shown on the group's My page."""

    body = TextAreaField(
        _l("Message to the group"),
        validators=[required(), Length(max=MESSAGE_MAX)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description=_l("Shown on the group's My page. Do not write personal details."),
    )


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (approve, withdraw)."""
