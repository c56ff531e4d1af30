"""Names, not codes, wherever a person reads: every page of every role, and every mail the
small world sends, on demo-like data.

A page's visible text (and the text of ``title``, ``aria-label``, ``alt`` and
``placeholder``, which people hear or see) must not carry an internal slot id
(``12-20270206-pm``), a snake_case key (``rank_order``), JSON or a Python repr (``None``,
``True``, ``{'a': 1}``, ``<… object at 0x…>``). Mails are read through the development mail
page, which shows the world's outbox. Reference numbers meant for people (予約番号,
受付番号) are plain numbers and pass.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import Flask

from tests.core.test_page_matrix import NEEDS_A_RECORD, NOT_PAGES, get_rules
from tests.support.matrix import PRINCIPALS, admitted, make_world

CODES = {
    "slot id": re.compile(r"\b\d+-\d{8}-[a-z][a-z0-9_]*\b"),
    "snake_case key": re.compile(r"(?<![\w@./:=-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?![\w@.(])"),
    "JSON or dict": re.compile(r"\{\s*[\"'][\w-]+[\"']\s*:"),
    "Python value": re.compile(r"(?<![\w-])(?:None|True|False)(?![\w-])"),
    "Python repr": re.compile(r"<[\w.]+ object at 0x|\bdatetime\.(?:date|datetime)\("),
}
SPOKEN = ("title", "aria-label", "alt", "placeholder")


class VisibleText(HTMLParser):
    """The text a person reads or hears: not scripts, styles or code listings."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts.extend(value for name, value in attrs if name in SPOKEN and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def codes_in(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    found = []
    for name, pattern in CODES.items():
        for match in pattern.finditer(text):
            around = text[max(0, match.start() - 30) : match.end() + 30]
            found.append(f"{name} {match.group(0)!r} in …{around}…")
    return found


def test_the_detector_finds_each_kind_of_code() -> None:
    page = (
        "<p>第1希望：3-20270206-pm</p><p>抽選方式 rank_order</p>"
        '<p>{"win_cap_per_group": 2}</p><p>祝日 None</p><p title="<Room object at 0x7f>">x</p>'
        "<script>var never_shown = None;</script><p>予約番号 000123、2026-10-14、a@b_c.jp</p>"
    )
    kinds = [problem.split(" '")[0] for problem in codes_in(page)]
    assert sorted(set(kinds)) == sorted(CODES)
    assert codes_in("<p>予約番号 000123 2026年10月14日(水) 午後 13:00–17:00</p>") == []


def test_no_page_of_any_role_shows_a_code(app: Flask) -> None:
    world = make_world(app)
    problems = []
    opened = 0
    for rule in get_rules(app):
        if rule.endpoint in NOT_PAGES or rule.endpoint in NEEDS_A_RECORD:
            continue
        path = world.path(rule)
        for who in (w for w in PRINCIPALS if admitted(app, rule, w)):
            for lang in ("ja", "en"):
                client = world.client(who)
                client.set_cookie("lang", lang)
                response = client.get(path)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                opened += 1
                problems += [
                    f"{who} {lang} {path}: {p}" for p in codes_in(response.get_data(as_text=True))
                ]
    assert opened > 300  # every role's pages in both languages, the mail page among them
    assert problems == []
