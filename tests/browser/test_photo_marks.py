"""Marking up a photo on the spot: circles, arrows and words drawn with a finger or a mouse,
saved as a marked copy beside the untouched original, synced and shown first."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import (
    answer,
    expect_waiting,
    finish,
    jpeg,
    login,
    start_inspection,
    wait_for_photos,
)

pytestmark = pytest.mark.browser

GREEN = (60, 160, 90)  # the photo's colour outside its blue top-left corner
RED = (229, 57, 53)  # marks.js's red
ELLIPSE = ((0.6, 0.5), (0.9, 0.8))  # corners of the circle's box, as fractions of the photo
ARROW = ((0.4, 0.9), (0.6, 0.6))
TEXT_AT = (0.45, 0.35)


@pytest.fixture
def green_photo(tmp_path):
    return jpeg(tmp_path / "wall.jpg", (1200, 900), GREEN)


def add_photo(page, path) -> None:
    """On the first item of the smoke-free walk, fail it and add one photo from the gallery."""
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(str(path))
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(1)
    wait_for_photos(page, "thumbs")


def at(page, fraction) -> tuple[float, float]:
    """A point of the editor's canvas, given as fractions of the photo."""
    box = page.get_by_test_id("marks-canvas").bounding_box()
    return box["x"] + box["width"] * fraction[0], box["y"] + box["height"] * fraction[1]


def drag_with_mouse(page, start, end) -> None:
    page.mouse.move(*at(page, start))
    page.mouse.down()
    page.mouse.move(*at(page, end), steps=6)
    page.mouse.up()


def drag_with_finger(page, start, end) -> None:
    """One finger on the touch screen, as a phone sends it (touch → pointer events)."""
    cdp = page.context.new_cdp_session(page)
    (x0, y0), (x1, y1) = at(page, start), at(page, end)

    def touch(kind: str, x: float, y: float) -> None:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})

    touch("touchStart", x0, y0)
    for step in range(1, 7):
        touch("touchMove", x0 + (x1 - x0) * step / 6, y0 + (y1 - y0) * step / 6)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def draw_circle_arrow_and_words(page) -> None:
    """A circle with the mouse, an arrow with a finger, two words typed and tapped into place."""
    page.get_by_test_id("marks-ellipse").click()
    drag_with_mouse(page, *ELLIPSE)
    page.get_by_test_id("marks-arrow").click()
    drag_with_finger(page, *ARROW)
    page.get_by_test_id("marks-text").click()
    page.get_by_test_id("marks-words").fill("漏水")
    page.mouse.click(*at(page, TEXT_AT))
    expect(page.get_by_test_id("marks-words")).to_have_value("")


def stored_photos(page) -> list[dict]:
    """The photos in the phone's IndexedDB: id, original and shapes."""
    return page.evaluate(
        """() => new Promise((resolve) => {
          indexedDB.open('wardwalk').onsuccess = (event) => {
            const store = event.target.result.transaction('photos').objectStore('photos');
            const request = store.getAll();
            request.onsuccess = () => resolve(request.result.map(
              (p) => ({ id: p.id, original_id: p.original_id ?? null, marks: p.marks ?? null })));
          };
        })"""
    )


def pixel(image: Image.Image, fraction) -> tuple[int, int, int]:
    return image.getpixel((int(image.width * fraction[0]), int(image.height * fraction[1])))


def near(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_marks_drawn_offline_sync_as_a_marked_copy_beside_the_original(
    touch_context, base_url, green_photo, server_api
):
    page = touch_context.new_page()
    login(page, base_url)
    touch_context.set_offline(True)
    add_photo(page, green_photo)

    page.get_by_test_id("mark-up").click()
    expect(page.get_by_test_id("mark-editor")).to_be_visible()
    draw_circle_arrow_and_words(page)
    page.get_by_test_id("marks-save").click()
    expect(page.get_by_test_id("mark-editor")).to_have_count(0)
    thumb = page.get_by_role("button", name="放大查看：照片 1（已标注）")
    expect(thumb).to_contain_text("已标注")
    expect(page.get_by_test_id("show-original")).to_be_visible()
    finish(page)
    expect_waiting(page, 2)

    touch_context.set_offline(False)
    expect_waiting(page, 0)
    [inspection] = server_api.inspections()
    finding = inspection["findings"][0]
    marked, original = finding["photos"]
    assert marked["original_id"] == original["id"] and original["original_id"] is None
    assert marked["present"] and original["present"]
    images = {
        photo["id"]: Image.open(
            io.BytesIO(server_api.call("GET", f"/photos/{photo['id']}", raw=True))
        ).convert("RGB")
        for photo in (marked, original)
    }
    before, after = images[original["id"]], images[marked["id"]]
    assert after.size == before.size == (1200, 900)  # drawn at the stored resolution
    (x0, y0), (x1, y1) = ELLIPSE
    circle_edge = (x1, (y0 + y1) / 2)
    arrow_middle = tuple((a + b) / 2 for a, b in zip(*ARROW, strict=True))
    for spot in (circle_edge, arrow_middle):
        assert near(pixel(before, spot), GREEN) and near(pixel(after, spot), RED), spot
    assert near(pixel(after, (0.95, 0.1)), GREEN)  # nothing drawn there
    words = after.crop((int(1200 * 0.45), int(900 * 0.3), int(1200 * 0.6), int(900 * 0.4)))
    assert any(near(colour, RED) for _, colour in words.getcolors(1 << 16))

    report = server_api.call("GET", f"/inspections/{inspection['id']}/report", raw=True)
    assert b'<figure class="marked">' in report


def test_marking_again_starts_from_the_original_with_the_shapes_kept(page, base_url, green_photo):
    login(page, base_url)
    add_photo(page, green_photo)
    page.get_by_test_id("mark-up").click()
    page.get_by_test_id("marks-ellipse").click()
    drag_with_mouse(page, *ELLIPSE)
    page.get_by_test_id("marks-save").click()
    expect(page.get_by_test_id("show-original")).to_be_visible()

    # From the full-screen viewer this time: the shapes come back, each can be undone.
    page.get_by_role("button", name="放大查看：照片 1（已标注）").click()
    page.get_by_test_id("viewer-mark-up").click()
    expect(page.get_by_test_id("photo-viewer")).to_have_count(0)
    expect(page.get_by_test_id("marks-undo")).to_be_enabled()
    page.get_by_test_id("marks-undo").click()
    expect(page.get_by_test_id("marks-undo")).to_be_disabled()
    page.get_by_test_id("marks-arrow").click()
    drag_with_mouse(page, *ARROW)
    page.get_by_test_id("marks-save").click()
    expect(page.get_by_test_id("mark-editor")).to_have_count(0)

    # The copy is made after the editor closes, and the first copy deleted after that: wait for
    # the arrow's copy to be stored and the first copy to be gone.
    for _ in range(50):
        stored = stored_photos(page)
        arrow = any((p["marks"] or [{}])[0].get("tool") == "arrow" for p in stored)
        if arrow and len(stored) == 2:
            break
        page.wait_for_timeout(200)
    assert len(stored) == 2  # the original and one marked copy: the first copy is gone
    original = next(p for p in stored if p["original_id"] is None)
    copy = next(p for p in stored if p["original_id"] == original["id"])
    assert [shape["tool"] for shape in copy["marks"]] == ["arrow"]


def test_the_editor_fits_a_small_phone(page, base_url, green_photo):
    page.set_viewport_size({"width": 320, "height": 568})
    login(page, base_url)
    add_photo(page, green_photo)
    page.get_by_test_id("mark-up").click()
    page.get_by_test_id("marks-text").click()
    editor = page.get_by_test_id("mark-editor")
    buttons = editor.locator("button").all() + [page.get_by_test_id("marks-words")]
    for control in [*buttons, page.get_by_test_id("marks-canvas")]:
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, control
        assert box["x"] + box["width"] <= 320 and box["y"] + box["height"] <= 568, control
    for button in editor.locator("button").all():
        assert button.bounding_box()["height"] >= 44  # a finger's target


def test_cancel_leaves_the_photo_unmarked(page, base_url, green_photo):
    login(page, base_url)
    add_photo(page, green_photo)
    page.get_by_test_id("mark-up").click()
    drag_with_mouse(page, *ELLIPSE)
    page.get_by_test_id("marks-cancel").click()
    expect(page.get_by_test_id("mark-editor")).to_have_count(0)
    expect(page.get_by_role("button", name="放大查看：照片 1")).to_be_visible()
    expect(page.get_by_test_id("show-original")).to_have_count(0)


def test_a_task_shows_the_marked_copy_with_its_original_one_swipe_away(page, base_url, marked_task):
    login(page, base_url, "supervisor")
    page.goto(f"{base_url}/#/task/{marked_task}")
    failures = page.get_by_test_id("task-failures")
    expect(failures.locator("img")).to_have_count(1)
    wait_for_photos(page, "task-failures")
    expect(failures.get_by_role("button", name="放大查看")).to_contain_text("已标注")

    failures.get_by_role("button", name="放大查看").click()
    expect(page.get_by_test_id("viewer-count")).to_have_text("1/2")
    page.get_by_test_id("viewer-next").click()
    expect(page.get_by_test_id("viewer-image")).to_have_attribute("alt", re.compile("原图"))
    expect(page.get_by_test_id("viewer-mark-up")).to_be_hidden()  # a stored photo stays as sent
