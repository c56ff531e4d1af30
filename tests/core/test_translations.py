"""Every user-facing string is translated in both catalogues (Japanese first, English complete).

Three gates: every msgid extracted from Python (``_``, ``gettext``, ``_l`` …: flash messages
included) and templates has a non-empty, non-fuzzy entry in ``ja`` and ``en``; no
``flash()`` is given a bare literal (it would never reach a catalogue); no template shows
literal text outside ``_()``. Each checker is also run on a planted mistake.
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "platform" / "shisetsu" / "translations"
TEMPLATES = ROOT / "platform" / "shisetsu" / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
# Intentionally fixed text: language names in their own language (layouts/base.html), and the
# 記 ("as follows") that Japanese permits alone carry (booking/print/permit.html). Printed forms
# that are Japanese whatever the reader's language (the erasure certificate) say
# so with a fixed ``<html lang="ja">`` and are not checked.
TEMPLATE_EXCEPTIONS = {
    "layouts/base.html": {"日本語", "English"},
    "booking/print/permit.html": {"記"},
}
JAPANESE_ONLY = '<html lang="ja">'

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
UNSHOWN = re.compile(r"<(script|style|code|pre)\b.*?</\1>", re.S | re.I)
SHOWN_ATTRIBUTE = re.compile(r"""\b(?:alt|title|placeholder|aria-label)\s*=\s*["']([^"']*)["']""")
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[#\w]+;")
WORDS = re.compile(r"[A-Za-z]{2,}|[\u3040-\u30ff\u3400-\u9fff]")


def _message_id(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


def _source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        _message_id(message)
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS
        )
    }


def _catalogue(locale: str) -> Catalog:
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh)


def untranslated(messages: Iterable[str], catalogue: Catalog) -> list[str]:
    """The msgids of ``messages`` that ``catalogue`` lacks, leaves empty or marks fuzzy."""
    translated = {
        _message_id(m.id)
        for m in catalogue
        if m.id
        and all(m.string if isinstance(m.string, tuple) else [m.string])
        and "fuzzy" not in m.flags
    }
    return sorted(set(messages) - translated)


def literal_flashes(source: str) -> list[int]:
    """Lines where ``flash()`` gets a plain or f-string literal instead of a translation."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        first = node.args[0]
        literal = isinstance(first, ast.JoinedStr) or (
            isinstance(first, ast.Constant) and isinstance(first.value, str)
        )
        if name == "flash" and literal:
            lines.append(node.lineno)
    return lines


def template_literals(source: str, allowed: set[str] | None = None) -> list[str]:
    """Text a template shows that is not wrapped in ``_()`` (tags, code and Jinja removed)."""
    without_jinja = UNSHOWN.sub(" ", JINJA.sub(" ", source))
    pieces = SHOWN_ATTRIBUTE.findall(without_jinja)
    pieces += ENTITY.sub(" ", TAG.sub("\n", without_jinja)).splitlines()
    return [
        text.strip()
        for text in pieces
        if WORDS.search(text) and text.strip() not in (allowed or set())
    ]


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    messages = _source_messages()
    assert len(messages) > 20, "extraction found suspiciously few strings"
    return messages


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_string_is_translated(locale: str, source_messages: set[str]) -> None:
    missing = untranslated(source_messages, _catalogue(locale))
    assert not missing, f"untranslated in {locale} (run `make messages`): {missing}"


def test_japanese_differs_from_english(source_messages: set[str]) -> None:
    """A Japanese entry that merely copies the English is not a translation."""
    copied = [
        m.id
        for m in _catalogue("ja")
        if m.id and m.string == m.id and any(c.isalpha() for c in m.id)
    ]
    assert not copied


def test_no_flash_message_bypasses_translation() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for base in ("platform", "plugins")
        for path in sorted((ROOT / base).rglob("*.py"))
        for line in literal_flashes(path.read_text(encoding="utf-8"))
    }
    assert not found, f"flash() with an untranslated literal: {sorted(found)}"


def test_templates_show_no_untranslated_text() -> None:
    found: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        source = path.read_text(encoding="utf-8")
        if JAPANESE_ONLY in source:
            continue
        literals = template_literals(source, TEMPLATE_EXCEPTIONS.get(name))
        if literals:
            found[name] = literals
    assert not found, f"template text outside _(): {found}"


# --- the gates catch planted mistakes ---------------------------------------------------


def _catalogue_of(entries: dict[str, str], *, fuzzy: Iterable[str] = ()) -> Catalog:
    catalogue = Catalog(locale="ja")
    for msgid, text in entries.items():
        catalogue.add(msgid, text, flags=["fuzzy"] if msgid in set(fuzzy) else [])
    return catalogue


def test_checker_catches_a_missing_flash_translation() -> None:
    planted = b"""
from flask import flash
from flask_babel import gettext as _
def view():
    flash(_("Booking saved."), "success")
    flash(_("Room %(name)s is closed.", name="x"), "error")
"""
    messages = {_message_id(m[1]) for m in extract("python", io.BytesIO(planted), KEYWORDS)}
    assert messages == {"Booking saved.", "Room %(name)s is closed."}
    catalogue = _catalogue_of({"Booking saved.": "予約しました。"})
    assert untranslated(messages, catalogue) == ["Room %(name)s is closed."]
    # an empty or fuzzy entry counts as missing too
    catalogue = _catalogue_of(
        {"Booking saved.": "", "Room %(name)s is closed.": "%(name)s は休館です。"},
        fuzzy=["Room %(name)s is closed."],
    )
    assert untranslated(messages, catalogue) == ["Booking saved.", "Room %(name)s is closed."]
    complete = _catalogue_of(
        {"Booking saved.": "予約しました。", "Room %(name)s is closed.": "%(name)sは休館です。"}
    )
    assert untranslated(messages, complete) == []


def test_checker_catches_a_missing_template_translation() -> None:
    planted = b'<h1>{{ _("Daily processing list") }}</h1><p>{{ _("Net received") }}</p>'
    messages = {_message_id(m[1]) for m in extract("jinja2", io.BytesIO(planted), KEYWORDS)}
    assert untranslated(messages, _catalogue_of({"Net received": "差引収入"})) == [
        "Daily processing list"
    ]


def test_checker_catches_literal_flashes_and_template_text() -> None:
    source = 'flash("Saved")\nflash(f"Saved {n}")\nflash(_("Saved"))\nflash(str(exc.message))\n'
    assert literal_flashes(source) == [1, 2]
    template = (
        '<h1>{{ _("Bookings") }}</h1>\n<p>Opening hours</p>\n'
        '<img alt="Map" src="x.png"><input placeholder="{{ _(\'Name\') }}">\n'
        "<p>予約一覧</p><code>python3 engine.py</code><p>{{ n }} / 5 &middot;</p>"
    )
    assert template_literals(template) == ["Map", "Opening hours", "予約一覧"]
