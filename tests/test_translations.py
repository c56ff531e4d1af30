"""Every user-facing string is translated in both catalogues (Japanese first, English complete)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "platform" / "shisetsu" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    messages = _source_messages()
    assert len(messages) > 20, "extraction found suspiciously few strings"
    return messages


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_string_is_translated(locale: str, source_messages: set[str]) -> None:
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id
        and all(m.string if isinstance(m.string, tuple) else [m.string])
        and "fuzzy" not in m.flags
    }
    missing = sorted(source_messages - translated)
    assert not missing, f"untranslated in {locale} (run `make messages`): {missing}"


def test_japanese_differs_from_english(source_messages: set[str]) -> None:
    """A Japanese entry that merely copies the English is not a translation."""
    with (CATALOGUES / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    copied = [
        m.id for m in catalogue if m.id and m.string == m.id and any(c.isalpha() for c in m.id)
    ]
    assert not copied
