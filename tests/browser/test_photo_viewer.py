"""Photos open full screen from any thumbnail and zoom; a deleted photo can be brought back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    answer,
    jpeg,
    login,
    start_inspection,
    wait_for_photos,
)

pytestmark = pytest.mark.browser


def scale(page) -> float:
    return float(page.get_by_test_id("viewer-image").get_attribute("data-scale"))


def add_photos(page, files) -> None:
    """On a failed item of the smoke-free walk, add photos from the gallery."""
    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files([str(path) for path in files])
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(len(files))
    wait_for_photos(page, "thumbs")


def pinch(page, spread_from: float, spread_to: float) -> None:
    """Two fingers on the photo's centre moving apart, as a phone's touch screen sends them."""
    cdp = page.context.new_cdp_session(page)
    box = page.get_by_test_id("viewer-image").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def touch(kind: str, spread: float) -> None:
        points = [{"x": x - spread, "y": y, "id": 1}, {"x": x + spread, "y": y, "id": 2}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", spread_from)
    for step in range(1, 6):
        touch("touchMove", spread_from + (spread_to - spread_from) * step / 5)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.fixture
def touch_page(chromium, base_url):
    """A phone: touch screen, 390×844."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True, is_mobile=True
    )
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context.new_page()
    context.close()
    assert not errors, errors


def test_a_walk_photo_opens_full_screen_and_zooms_with_two_fingers(
    touch_page, base_url, photo_files
):
    page = touch_page
    login(page, base_url)
    add_photos(page, photo_files)

    page.get_by_role("button", name="放大查看：照片 2").click()

    viewer = page.get_by_test_id("photo-viewer")
    expect(viewer).to_be_visible()
    expect(page.get_by_test_id("viewer-count")).to_have_text("2/2")
    image = page.get_by_test_id("viewer-image")
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 1200
    assert scale(page) == 1
    pinch(page, 40, 120)
    assert scale(page) == pytest.approx(3, abs=0.2)


def test_the_viewer_zooms_with_buttons_and_a_double_click_and_goes_between_photos(
    page, base_url, photo_files
):
    login(page, base_url)
    add_photos(page, photo_files)
    page.get_by_role("button", name="放大查看：照片 1").click()

    page.get_by_test_id("viewer-zoom-in").click()
    assert scale(page) == 2
    page.get_by_test_id("viewer-zoom-out").click()
    assert scale(page) == 1
    page.get_by_test_id("viewer-image").dblclick()
    assert scale(page) > 2
    page.get_by_test_id("viewer-image").dblclick()
    assert scale(page) == 1
    page.get_by_test_id("viewer-next").click()
    expect(page.get_by_test_id("viewer-count")).to_have_text("2/2")
    expect(page.get_by_test_id("viewer-image")).to_have_attribute("alt", "照片 2")


def test_escape_closes_the_viewer_and_keeps_the_item(page, base_url, photo_files):
    login(page, base_url)
    add_photos(page, photo_files[:1])
    walk = page.url

    page.get_by_role("button", name="放大查看：照片 1").click()
    expect(page.get_by_test_id("photo-viewer")).to_be_visible()
    page.keyboard.press("Escape")

    expect(page.get_by_test_id("photo-viewer")).to_have_count(0)
    assert page.url == walk
    expect(page.locator("body[data-view=walk]")).to_be_attached()


def test_the_back_button_closes_the_viewer_not_the_screen(page, base_url, photo_files):
    login(page, base_url)
    add_photos(page, photo_files[:1])
    walk = page.url

    page.get_by_role("button", name="放大查看：照片 1").click()
    expect(page.get_by_test_id("photo-viewer")).to_be_visible()
    page.go_back()

    expect(page.get_by_test_id("photo-viewer")).to_have_count(0)
    assert page.url == walk
    expect(page.get_by_test_id("progress")).to_contain_text("第 1 项")


def test_a_task_photo_opens_full_size_from_the_server(page, base_url, failed_task):
    login(page, base_url)
    page.goto(f"{base_url}/#/task/{failed_task}")
    wait_for_photos(page, "task-failures")

    page.get_by_test_id("task-failures").get_by_role("button", name="放大查看").click()

    image = page.get_by_test_id("viewer-image")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=viewer-image]').naturalWidth > 0"
    )
    assert image.evaluate("(img) => img.naturalWidth") == 800  # the photo, not its thumbnail


def test_evidence_photos_open_in_the_viewer_and_come_back_after_undo(
    page, base_url, failed_task, tmp_path
):
    after = jpeg(tmp_path / "after.jpg", (1600, 1200), (40, 160, 90))
    login(page, base_url, "depthead")
    page.goto(f"{base_url}/#/task/{failed_task}")
    form = page.get_by_test_id("evidence-form")
    form.get_by_test_id("picker-gallery").set_input_files(str(after))
    expect(form.locator(".thumb img")).to_have_count(1)

    form.get_by_role("button", name="放大查看：照片 1").click()
    expect(page.get_by_test_id("viewer-image")).to_be_visible()
    page.keyboard.press("Escape")
    form.get_by_role("button", name="删除照片 1").click()
    expect(form.locator(".thumb img")).to_have_count(0)
    page.get_by_test_id("snackbar").get_by_role("button", name="撤销").click()

    expect(form.locator(".thumb img")).to_have_count(1)


def test_a_deleted_walk_photo_comes_back_with_undo(page, base_url, photo_files):
    login(page, base_url)
    add_photos(page, photo_files)

    page.get_by_role("button", name="删除照片 1").click()

    expect(page.locator("[data-testid=thumbs] img")).to_have_count(1)
    snackbar = page.get_by_test_id("snackbar")
    expect(snackbar).to_contain_text("已删除")
    snackbar.get_by_role("button", name="撤销").click()
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(2)
    expect(snackbar).to_have_count(0)
    page.reload()  # the draft holds both photos again, in their order
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(2)
    expect(page.get_by_test_id("photo-status")).to_have_text("2 张照片")


def test_a_deleted_walk_photo_is_gone_once_the_undo_has_passed(page, base_url, photo_files):
    login(page, base_url)
    add_photos(page, photo_files)
    page.clock.install()

    page.get_by_role("button", name="删除照片 2").click()
    expect(page.get_by_test_id("snackbar")).to_be_visible()
    page.clock.run_for(10_000)

    expect(page.get_by_test_id("snackbar")).to_have_count(0)
    page.reload()
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(1)
    stored = page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open('wardwalk');
          open.onsuccess = () => {
            const count = open.result.transaction('photos').objectStore('photos').count();
            count.onsuccess = () => resolve(count.result);
          };
        })"""
    )
    assert stored == 1


def test_the_delete_target_is_at_least_44_px(page, base_url, photo_files):
    login(page, base_url)
    add_photos(page, photo_files[:1])

    box = page.get_by_role("button", name="删除照片 1").bounding_box()

    assert box["width"] >= 44 and box["height"] >= 44


def test_the_undo_snackbar_leaves_the_walk_buttons_free(page, base_url, photo_files):
    login(page, base_url)
    add_photos(page, photo_files[:1])

    page.get_by_role("button", name="删除照片 1").click()

    snackbar = page.get_by_test_id("snackbar").bounding_box()
    buttons = page.locator(".walk-nav").bounding_box()
    assert snackbar["y"] + snackbar["height"] <= buttons["y"]
