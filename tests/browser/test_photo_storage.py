"""Photos where IndexedDB refuses Blobs (WebKit keeping no data): stored as ArrayBuffers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    answer,
    expect_waiting,
    finish,
    login,
    next_item,
    start_inspection,
    wait_for_photos,
)
from tests.browser.test_offline_walk import SIGNS_AT_ENTRANCES, check_export

pytestmark = pytest.mark.browser

# What WebKit's ephemeral session does to any value holding a Blob (the native error, thrown).
REFUSE_BLOBS = """
(() => {
  const holdsBlob = (value) => value instanceof Blob
    || (value !== null && typeof value === 'object'
      && Object.values(value).some((field) => field instanceof Blob));
  for (const method of ['put', 'add']) {
    const native = IDBObjectStore.prototype[method];
    IDBObjectStore.prototype[method] = function (value, ...rest) {
      if (holdsBlob(value)) {
        throw new DOMException(
          'Error preparing Blob/File data to be stored in object store', 'UnknownError');
      }
      return native.call(this, value, ...rest);
    };
  }
})();
"""

# The photos as IndexedDB holds them: which field carries the bytes.
STORED_FORMS = """
() => new Promise((resolve, reject) => {
  const request = indexedDB.open('wardwalk');
  request.onerror = () => reject(request.error);
  request.onsuccess = () => {
    const read = request.result.transaction('photos').objectStore('photos').getAll();
    const form = (photo) => (photo.blob instanceof Blob ? 'blob'
      : photo.buffer instanceof ArrayBuffer ? 'buffer' : 'none');
    read.onsuccess = () => resolve(read.result.map(form));
    read.onerror = () => reject(read.error);
  };
})
"""


def test_photos_refused_as_blobs_are_kept_as_buffers_and_synced(
    context, page, base_url, photo_files, server_api
):
    context.add_init_script(REFUSE_BLOBS)
    login(page, base_url)
    context.set_offline(True)

    start_inspection(page, "无烟医院检查", "OPD-1F-WC", show_all=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGNS_AT_ENTRANCES)
    answer(page, "不合格")
    page.get_by_test_id("photo-gallery").set_input_files(photo_files)
    expect(page.locator("[data-testid=thumbs] img")).to_have_count(2)
    wait_for_photos(page, "thumbs")  # the thumbnails read the stored buffers back
    expect(page.get_by_test_id("problem")).to_have_count(0)
    page.get_by_test_id("note").fill("东门没有禁烟标识")
    next_item(page)
    answer(page, "合格")
    finish(page)
    assert page.evaluate(STORED_FORMS) == ["buffer", "buffer"]

    # A second inspection stays a draft, as the export expects.
    start_inspection(page, "消毒与医疗废物检查", "IPD-5F-WARD")
    answer(page, "合格")
    page.get_by_role("link", name="待同步").first.click()
    check_export(page)  # the export inlines the buffers' bytes with their sha256

    context.set_offline(False)
    expect_waiting(page, 0)
    inspection = server_api.inspections()[0]
    assert inspection["complete"] and inspection["photos_present"] == 2
    failed = next(f for f in inspection["findings"] if f["item_id"] == "signs.entrances")
    sizes = {server_api.photo_size(photo["id"]) for photo in failed["photos"]}
    assert sizes == {(1365, 2048), (1200, 900)}
