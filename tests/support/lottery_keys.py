"""Keyboard-only steps on the lottery entry page in Chromium (no tests here).

Every step presses Tab (or Shift+Tab), arrow keys and Enter only: what a resident without
a mouse does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shisetsu.slots.ids import parse_slot_id

if TYPE_CHECKING:
    from playwright.sync_api import Page


def press_until(page: Page, key: str, check: str, limit: int = 400) -> None:
    """Press ``key`` until the JavaScript expression ``check`` holds for the focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(check):
            return
    raise AssertionError(f"{check} never held after {limit} × {key}")


def assert_focus_visible(page: Page) -> None:
    """The focused element shows a focus indicator (an outline or a box shadow)."""
    outline, width, shadow = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"""
    )
    assert (outline != "none" and width != "0px") or shadow != "none", (outline, width, shadow)


def tab_to(page: Page, check: str, *, back: bool = False) -> None:
    """Tab (Shift+Tab with ``back``) to the element ``check`` holds for; it shows its focus."""
    press_until(page, "Shift+Tab" if back else "Tab", check)
    assert_focus_visible(page)


def focus_links_to(part: str) -> str:
    """The check that the focus is on a link whose address contains ``part``."""
    return f"(document.activeElement.getAttribute('href') || '').includes({part!r})"


def focus_is_button(value: str) -> str:
    return (
        f"document.activeElement.tagName === 'BUTTON' && document.activeElement.value === {value!r}"
    )


def choose_room(page: Page, room_id: int) -> None:
    """Pick the room in the room picker and show it (Tab, arrow keys, Enter)."""
    if page.locator("#room").input_value() == str(room_id):
        return
    tab_to(page, "document.activeElement.id === 'room'")
    values = page.locator("#room option").evaluate_all("os => os.map(o => o.value)")
    now = values.index(page.locator("#room").input_value())
    wanted = values.index(str(room_id))
    for _ in range(abs(wanted - now)):
        page.keyboard.press("ArrowDown" if wanted > now else "ArrowUp")
    assert page.locator("#room").input_value() == str(room_id)
    page.keyboard.press("Tab")  # to "Show this room"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def add_slot(page: Page, slot_id: str) -> None:
    """Add one slot from the room's grid to the draft (choosing its room first)."""
    choose_room(page, parse_slot_id(slot_id).room_id)
    tab_to(page, focus_is_button(f"add:{slot_id}"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
