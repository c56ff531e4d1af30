"""No WTForms default text reaches a page: every form derives from ``forms_text.FlaskForm``,
whose translations answer WTForms' own messages from our catalogues, in natural Japanese
and English."""

from __future__ import annotations

import inspect

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale
from flask_wtf import FlaskForm as PlainFlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange

from shisetsu.forms_text import WTFORMS_MESSAGES, FlaskForm
from tests.core.test_translations import CATALOGUES


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_every_form_of_the_app_uses_our_messages(app: Flask) -> None:
    forms = [
        form
        for form in _subclasses(PlainFlaskForm)
        if form.__module__.startswith("shisetsu.") and form is not FlaskForm
    ]
    assert len(forms) > 30
    plain = [f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, FlaskForm)]
    assert plain == []


def test_the_list_holds_every_message_of_the_installed_wtforms() -> None:
    import wtforms

    root = inspect.getfile(wtforms).rsplit("/", 1)[0]
    with open(f"{root}/locale/ja/LC_MESSAGES/wtforms.po", "rb") as fh:
        shipped = {m.id for m in read_po(fh) if m.id}
    ids = set()
    for message in shipped:
        ids.update(message if isinstance(message, tuple) else (message,))
    ids.discard("Invalid field name '%s'.")  # a programming error, never shown to people
    assert ids <= set(WTFORMS_MESSAGES)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_wtforms_message_is_translated(lang: str) -> None:
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    missing = [m for m in WTFORMS_MESSAGES if not (catalogue.get(m) and catalogue[m].string)]
    assert missing == []
    if lang == "ja":  # our own words, not WTForms' machine-like Japanese
        assert catalogue["Not a valid date value."].string != "無効な日付型です。"


class _Sample(FlaskForm):
    day = DateField("day")
    count = IntegerField("count", validators=[NumberRange(min=1, max=100000)])
    name = StringField("name", validators=[Length(max=3)])
    pick = SelectField("pick", choices=[SelectChoice("a", "A")])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ja",
            {
                "day": "日付を 2027-04-01 のような形で入力してください。",
                "count": "1から100000までの数を入力してください。",
                "name": "3文字以内で入力してください。",
                "pick": "選択肢の中から選んでください。",
            },
        ),
        (
            "en",
            {
                "day": "Enter a date such as 2027-04-01.",
                "count": "Enter a number from 1 to 100000.",
                "name": "Enter at most 3 characters.",
                "pick": "Choose one of the options.",
            },
        ),
    ],
)
def test_wtforms_texts_read_in_our_words(app: Flask, lang: str, expected: dict[str, str]) -> None:
    data = {"day": "2026-13-45", "count": "0", "name": "abcd", "pick": "z"}
    with app.test_request_context(method="POST", data=data), force_locale(lang):
        form = _Sample(meta={"csrf": False})
        assert not form.validate()
        assert {name: errors[0] for name, errors in form.errors.items()} == expected
