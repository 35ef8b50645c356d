"""Scanning a location label where the engine has no BarcodeDetector (iPhone, WeChat)."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login

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
