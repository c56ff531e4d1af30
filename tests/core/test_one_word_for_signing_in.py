"""One word for signing in throughout: ログイン / ログアウト in Japanese, "sign in" / "sign
out" in English."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from tests.core.test_translations import CATALOGUES

OTHER_WORDS = {
    "ja": re.compile("サインイン|サインアウト"),
    "en": re.compile(r"\blog(ged)? (in|out)\b", re.I),
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_catalogue_uses_one_word(lang: str) -> None:
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    found = [m.string for m in catalogue if m.id and OTHER_WORDS[lang].search(str(m.string))]
    assert found == []
