"""At 320×568 (the smallest phone in use) the walk keeps most of the screen, and no answer
control sits under the fixed tab bar or the sticky walk buttons."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login, next_item, start_inspection

pytestmark = pytest.mark.browser

SMALL = {"width": 320, "height": 568}
CONTROLS = ".answer :is(.segment, input:not([type=radio]), textarea, select, .check label)"

# Scroll a control to the bottom edge (the worst place: where the bars are), the way the browser
# brings a focused field into view, and answer whether its top and bottom corners are its own.
UNCOVERED = """(element) => {
  element.scrollIntoView({ block: 'end' });
  const box = element.getBoundingClientRect();
  const points = [[box.left + 4, box.top + 4], [box.right - 4, box.bottom - 4]];
  return points.every(([x, y]) => {
    const hit = document.elementFromPoint(x, y);
    return hit !== null && (element.contains(hit) || element.control === hit);
  });
}"""
ROOM = """() => {
  window.scrollTo(0, 0);
  const bottom = (selector) => document.querySelector(selector).getBoundingClientRect().bottom;
  const top = (selector) => document.querySelector(selector).getBoundingClientRect().top;
  return top('.walk-nav') - bottom('.statusbar');
}"""


@pytest.fixture
def small_page(page):
    page.set_viewport_size(SMALL)
    return page


def test_the_walk_leaves_most_of_a_small_screen_to_the_item(small_page, base_url):
    page = small_page
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)

    assert page.evaluate(ROOM) >= 380  # was ~290 px with the brand bar and wrapped status line


def test_every_answer_control_is_clickable_and_visible_on_a_small_screen(small_page, base_url):
    page = small_page
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    total = int(re.search(r"共 (\d+) 项", page.get_by_test_id("progress").inner_text())[1])
    checked = []
    for index in range(total):
        controls = page.locator(CONTROLS)
        for number in range(controls.count()):
            control = controls.nth(number)
            where = f"item {index + 1}: {control.inner_text()!r}"
            assert control.evaluate(UNCOVERED), f"{where} is covered"
            control.click(trial=True)  # Playwright refuses a click that something else would take
            checked.append(control.evaluate("(element) => element.type || element.textContent"))
        if index < total - 1:
            next_item(page)
    # Pass/fail segments, number fields and their 不适用 box were all among them.
    assert {"合格", "不适用", "number"} <= set(checked)
