"""Form text: the request check, and the messages every form shows in our own words.

**Messages.** Every form derives from :class:`FlaskForm` here, whose translations send the
texts WTForms writes by itself ("Not a valid date value.", "Number must be between …") through
this application's catalogues, so they read as natural Japanese and English rather than
WTForms' own translations. Their msgids are listed in :data:`WTFORMS_MESSAGES` (the
translation tests check each has an entry in both catalogues).

**The request check** refuses text no form field, URL or JSON body may carry, before any view.

NUL, C0 and C1 controls (tab and newline only in multi-line fields), bidirectional overrides
and zero-width characters make names that look like other names, break CSV and logs, or
crash drivers (PostgreSQL refuses NUL), so they are refused with a 400 in the reader's
language. JSON bodies are parsed once here with a depth bound, and dates outside the years
the calendar supports are refused wherever they are sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from flask_babel import LazyString
from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from werkzeug.exceptions import BadRequest
from wtforms import Form, TextAreaField
from wtforms.fields.core import UnboundField

from shisetsu.dates import MAX_YEAR, MIN_YEAR

WTFORMS_MESSAGES = (
    "Field must be equal to %(other_name)s.",
    "Field must be at least %(min)d character long.",
    "Field must be at least %(min)d characters long.",
    "Field cannot be longer than %(max)d character.",
    "Field cannot be longer than %(max)d characters.",
    "Field must be exactly %(max)d character long.",
    "Field must be exactly %(max)d characters long.",
    "Field must be between %(min)d and %(max)d characters long.",
    "Number must be at least %(min)s.",
    "Number must be at most %(max)s.",
    "Number must be between %(min)s and %(max)s.",
    "This field is required.",
    "Invalid input.",
    "Invalid email address.",
    "Invalid IP address.",
    "Invalid Mac address.",
    "Invalid URL.",
    "Invalid UUID.",
    "Invalid value, must be one of: %(values)s.",
    "Invalid value, can't be any of: %(values)s.",
    "This field cannot be edited.",
    "This field is disabled and cannot have a value.",
    "Invalid CSRF Token.",
    "CSRF token missing.",
    "CSRF failed.",
    "CSRF token expired.",
    "Invalid Choice: could not coerce.",
    "Choices cannot be None.",
    "Not a valid choice.",
    "Invalid choice(s): one or more data inputs could not be coerced.",
    "'%(value)s' is not a valid choice for this field.",
    "'%(value)s' are not valid choices for this field.",
    "Not a valid datetime value.",
    "Not a valid date value.",
    "Not a valid time value.",
    "Not a valid week value.",
    "Not a valid integer value.",
    "Not a valid decimal value.",
    "Not a valid float value.",
)
"""Every message WTForms writes by itself (wtforms 3), each translated in our catalogues."""


class _OwnMessages:
    """WTForms' translations object, answered from this application's catalogues."""

    def gettext(self, string: str) -> str:
        return _gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Japanese has one form; both English forms are separate entries of the catalogue.
        return _gettext(singular if n == 1 else plural)


OWN_MESSAGES = _OwnMessages()


class FlaskForm(_FlaskForm):
    """Flask-WTF's form (CSRF on every one) with WTForms' own texts in our words."""

    class Meta(_FlaskForm.Meta):
        def get_translations(self, form: Any) -> _OwnMessages:
            return OWN_MESSAGES


# Deepest nesting of arrays and objects a JSON body may have (the API's bodies are flat).
MAX_JSON_DEPTH = 32
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u200b-\u200d\u2060\ufeff"
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
SINGLE_LINE = re.compile(f"[\t\n\r{_CONTROLS}{_BIDI}{_ZERO_WIDTH}]")
MULTI_LINE = re.compile(f"[{_CONTROLS}{_BIDI}{_ZERO_WIDTH}]")
# A value that starts like an ISO date (2026-04-01, 2026-04-01T09:00 …), with its year.
ISO_DATE = re.compile(r"\s*([+-]?\d{4,})-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])(?:$|[T ])")
_MULTI_LINE_KEY = "shisetsu.multi_line_fields"


class InvalidInput(BadRequest):
    """A 400 that carries the API error code and the message the reader is shown."""

    def __init__(self, error_code: str, message: LazyString) -> None:
        super().__init__(str(message))
        self.error_code = error_code
        self.error_message = message


INVALID_CHARACTERS = _l(
    "What you entered contains invisible or control characters that cannot be accepted. "
    "Please retype it without them."
)
BAD_JSON = _l("The request body is not valid JSON, or it is nested too deeply.")
BAD_DATE = _l(
    "Dates must lie between the years %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR
)


def init_app(app: Flask) -> None:
    """Check every request before its view (after hooks registered earlier, such as tokens)."""
    app.before_request(check_request)


def check_request() -> None:
    """Raise :class:`InvalidInput` when the path, query, form or JSON body carries bad text."""
    _check_text(request.path, multi_line=False)
    for key, value in request.args.items(multi=True):
        _check_pair(key, value, multi_line=False)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        multi = multi_line_fields()
        for key, value in request.form.items(multi=True):
            _check_pair(key, value, multi_line=_is_multi_line(key, multi))
        for key, upload in request.files.items(multi=True):
            _check_pair(key, upload.filename or "", multi_line=False)
    elif request.is_json and request.get_data(cache=True).strip():
        for value in _json_strings(_parsed_json()):
            _check_text(value, multi_line=True)
            _check_date(value)


def _check_pair(key: str, value: str, *, multi_line: bool) -> None:
    _check_text(key, multi_line=False)
    _check_text(value, multi_line=multi_line)
    _check_date(value)


def _check_text(value: str, *, multi_line: bool) -> None:
    if (MULTI_LINE if multi_line else SINGLE_LINE).search(value):
        raise InvalidInput("invalid_characters", INVALID_CHARACTERS)


def _check_date(value: str) -> None:
    match = ISO_DATE.match(value)
    if match and not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise InvalidInput("bad_request", BAD_DATE)


def _parsed_json() -> Any:
    """The body parsed once (Flask's ``get_json`` reuses it); bad or too deep is a 400."""
    try:
        data = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        raise InvalidInput("bad_json", BAD_JSON) from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise InvalidInput("bad_json", BAD_JSON)
    return data


def _depth(data: Any) -> int:
    """Nesting depth of arrays and objects, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _json_strings(data: Any) -> Iterator[str]:
    """Every key and string value of a parsed JSON document."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from (str(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def multi_line_fields() -> frozenset[str]:
    """Names of every ``TextAreaField`` of the app's forms (the fields that take newlines)."""
    cached = current_app.extensions.get(_MULTI_LINE_KEY)
    if cached is None:
        cached = frozenset(_text_area_names(Form))
        current_app.extensions[_MULTI_LINE_KEY] = cached
    return frozenset(cached)


def _text_area_names(base: type[Form]) -> Iterator[str]:
    form: type[Form]
    for form in base.__subclasses__():
        for name, value in vars(form).items():
            if isinstance(value, UnboundField) and issubclass(value.field_class, TextAreaField):
                yield name
        yield from _text_area_names(form)


def _is_multi_line(key: str, names: frozenset[str]) -> bool:
    # Forms with a prefix name their fields "<prefix>-<field>".
    return key in names or key.rpartition("-")[2] in names
