"""A browser walk from page to page, each checked with axe-core and captured.

Shared by the accessibility walks and the page walks of other domains (exports, ward).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask

from tests.fixtures.axe import preload_axe, run_axe
from tests.fixtures.browser import LiveServer, shot
from tests.support.staff import PASSWORD as STAFF_PASSWORD
from tests.support.staff import Person, fresh_code

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Stricter than assert_accessible's default (serious, critical): these pages have no
# violation of any impact, and should stay that way.
IMPACTS = ("minor", "moderate", "serious", "critical")
LANGUAGES = ("ja", "en")

# Japanese text on an English page must sit in an element with lang="ja" (WCAG 3.1.2), so
# a screen reader reads it with a Japanese voice. Not counted: text hidden from assistive
# technology (the ○/×/抽/公 symbols come with text), values of form controls, and "公"
# quoted as a symbol in an English sentence on the rooms console.
PAGE_FACTS = """() => {
  const japanese = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]+/g;
  const allowed = new Set(['公']);
  const unmarked = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const runs = (node.data.match(japanese) || []).filter((run) => !allowed.has(run));
    const el = node.parentElement;
    if (!runs.length || el.closest('[aria-hidden="true"], textarea, select, script, style')) {
      continue;
    }
    if (el.closest('[lang]').getAttribute('lang') !== 'ja') {
      unmarked.push(`<${el.tagName.toLowerCase()}> ${node.data.trim().slice(0, 60)}`);
    }
  }
  return {
    lang: document.documentElement.getAttribute('lang'),
    unmarked,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    summaryFocused: document.activeElement.matches('.error-summary[role=alert]'),
  };
}"""


@dataclass
class Walk:
    """One browser context going from page to page, checking each with axe."""

    page: Page
    server: LiveServer
    name: str
    phone: bool = False
    lang: str = "ja"
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        preload_axe(self.page.context)

    def language(self, code: str) -> None:
        """Choose the language as the switch in the header does (the ``lang`` cookie)."""
        self.lang = code
        self.page.context.add_cookies([{"name": "lang", "value": code, "url": self.server.url}])

    def visit(self, path: str, label: str, *, status: int = 200, refused: bool = False) -> None:
        url = path if path.startswith("http") else self.server.url_for(path)
        response = self.page.goto(url)
        assert response is not None
        if response.status != status:
            self.problems.append(f"{label}: {path} answered {response.status}, not {status}")
        self.check(label, refused=refused)

    def check(self, label: str, *, lang: str | None = None, refused: bool = False) -> None:
        """axe, the page's language, Japanese marked on English pages, sideways scrolling
        on a phone, the focus on the error summary of a refused form; then a screenshot."""
        lang = lang or self.lang
        where = f"{label} ({lang}, {self.page.url})"
        report = run_axe(self.page)
        failing = [v for v in report.violations if v.get("impact") in IMPACTS]
        if failing:
            self.problems.append(f"{where}:\n{report.describe(failing)}")
        facts = self.page.evaluate(PAGE_FACTS)
        if facts["lang"] != lang:
            self.problems.append(f"{where}: <html lang={facts['lang']!r}>")
        if lang != "ja":
            for text in facts["unmarked"]:
                self.problems.append(f"{where}: Japanese without lang=ja: {text}")
        # A mobile browser zooms out to fit a too-wide page, which widens innerWidth too:
        # compare with the device's width.
        viewport = self.page.viewport_size
        width = viewport["width"] if viewport else 0
        if self.phone and max(facts["scrollWidth"], facts["innerWidth"]) > width:
            self.problems.append(
                f"{where}: scrolls sideways ({facts['scrollWidth']}px wide, "
                f"window {facts['innerWidth']}px, screen {width}px)"
            )
        if refused and not facts["summaryFocused"]:
            self.problems.append(f"{where}: the error summary does not have the focus")
        shot(self.page, f"a11y-{self.name}-{lang}-{label}")
        self.page.evaluate("window.scrollTo(0, 0)")  # see test_browser_registration.snap
        self.checked.append(where)

    def fill(self, values: dict[str, str]) -> None:
        for selector, value in values.items():
            self.page.locator(f"main {selector}").fill(value)

    def submit(self, action: str) -> None:
        """Press the submit button of the form in <main> posting to ``…action``."""
        with self.page.expect_navigation():
            self.page.locator(f'main form[action*="{action}"] button[type="submit"]').click()

    def assert_clean(self) -> None:
        assert self.checked
        assert not self.problems, "\n".join(self.problems)


def in_both_languages(walk: Walk, pages: Callable[[Walk], None]) -> None:
    for code in LANGUAGES:
        walk.language(code)
        pages(walk)
    walk.assert_clean()


def console_sign_in(walk: Walk, app: Flask, person: Person, base: str) -> None:
    """Password, then a TOTP code as an authenticator app shows it (and the refusals)."""
    walk.page.goto(walk.server.url_for(f"{base}/login"))
    walk.fill({"#login": person.login, "#password": "wrong password"})
    walk.submit(f"{base}/login")
    walk.check("console-login-refused", refused=True)
    walk.fill({"#login": person.login, "#password": STAFF_PASSWORD})
    walk.submit(f"{base}/login")
    walk.check("console-code")
    walk.fill({"#code": "000000"})
    walk.submit(f"{base}/verify")
    walk.check("console-code-refused", refused=True)
    walk.fill({"#code": fresh_code(app, person)})
    walk.submit(f"{base}/verify")
    assert walk.page.url.endswith(f"{base}/"), walk.page.url
