"""Scanning a location label where the engine has no BarcodeDetector (iPhone, WeChat)."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import (
    CHROMIUM_ARGS,
    REPORT_VIOLATIONS,
    TIMEZONE,
    VIEWPORT,
    login,
    policy_complaint,
)

pytestmark = pytest.mark.browser

NO_BARCODE_DETECTOR = "delete window.BarcodeDetector;"
DECODER = "/vendor/jsqr/"
CODE = "IPD-5F-WARD"


@pytest.fixture
def label_photo(context, server_api, tmp_path):
    """A phone's photo of the printed label of ``CODE``: the server's label sheet, rendered,
    cut to the one label, enlarged onto a grey desk and turned a little, as a JPEG."""
    sheet = context.new_page()
    sheet.set_content(server_api.call("GET", "/locations/labels.html", raw=True).decode())
    sheet.locator(f'section.label[data-code="{CODE}"]').screenshot(path=tmp_path / "label.png")
    sheet.close()
    label = Image.open(tmp_path / "label.png").convert("RGB")
    label = label.resize((label.width * 3, label.height * 3))
    photo = Image.new("RGB", (label.width + 600, label.height + 400), (150, 150, 140))
    photo.paste(label, (300, 200))
    photo = photo.rotate(6, expand=True, fillcolor=(150, 150, 140))
    photo.save(tmp_path / "label.jpg", quality=85)
    return tmp_path / "label.jpg"


def y4m(image: Image.Image, path, frames: int = 3):
    """Write ``image`` as a short raw video (YUV4MPEG2, 4:2:0), as Chromium's fake camera reads."""
    image = image.convert("RGB").resize((640, 480))
    luma, blue, red = image.convert("YCbCr").split()
    planes = luma.tobytes() + blue.resize((320, 240)).tobytes() + red.resize((320, 240)).tobytes()
    with open(path, "wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            video.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def camera_page(chromium, label_photo, tmp_path):
    """A page of a Chromium whose camera films the label (the camera permission granted)."""
    video = y4m(Image.open(label_photo), tmp_path / "label.y4m")
    browser = chromium.browser_type.launch(
        executable_path="/usr/bin/chromium",
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = browser.new_context(
        viewport=VIEWPORT, locale="zh-CN", timezone_id=TIMEZONE, permissions=["camera"]
    )
    context.add_init_script(REPORT_VIOLATIONS)
    context.add_init_script(NO_BARCODE_DETECTOR)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.on(
        "console",
        lambda message: errors.append(message.text) if policy_complaint(message.text) else None,
    )
    yield context.new_page()
    browser.close()
    assert not errors, errors


def decoder_loaded(page) -> bool:
    """Whether the page has fetched the QR decoder."""
    return page.evaluate(
        "(part) => performance.getEntriesByType('resource').some((e) => e.name.includes(part))",
        DECODER,
    )


def test_a_photo_of_a_label_chooses_the_place_without_barcode_detector(
    context, page, base_url, label_photo
):
    context.add_init_script(NO_BARCODE_DETECTOR)
    login(page, base_url)
    assert not decoder_loaded(page)  # not part of the first load

    page.get_by_test_id("scan").click()
    # No camera on the test machine: the panel says so and offers the photo instead.
    expect(page.get_by_test_id("scan-status")).to_have_text(
        "无法打开相机：请点“拍照识别”，或直接输入位置编码。"
    )
    page.get_by_test_id("scan-photo").set_input_files(label_photo)

    expect(page.get_by_test_id("chosen-location")).to_contain_text(CODE)
    expect(page.get_by_test_id("scanner")).to_be_hidden()
    assert decoder_loaded(page)


def test_the_camera_reads_a_label_without_barcode_detector(camera_page, base_url):
    login(camera_page, base_url)

    camera_page.get_by_test_id("scan").click()

    expect(camera_page.get_by_test_id("chosen-location")).to_contain_text(CODE)
    expect(camera_page.get_by_test_id("scanner")).to_be_hidden()  # and the camera is off
