"""The main offline-walk, photo and sync paths in WebKit (WebKitGTK: the engine of iPhone Safari
and of WeChat on iOS), in a profile that keeps its data and in one that keeps nothing."""

from __future__ import annotations

import pytest
import segno
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser.conftest import PASSWORD
from tests.browser.test_offline_walk import SIGNS_AT_ENTRANCES
from tests.browser.test_photo_storage import STORED_FORMS

pytestmark = [pytest.mark.browser, pytest.mark.webkit]

# How IndexedDB keeps photo bytes: Blobs where the engine stores them, ArrayBuffers where not.
PHOTO_FORM = {"persistent": "blob", "ephemeral": "buffer"}


class Phone:
    """One WebKit session, driven the way the Chromium tests drive a page."""

    def __init__(self, driver):
        self.driver = driver

    def wait(self, condition, timeout: float = 20, what: str = ""):
        """Wait until ``condition(driver)`` is truthy; answer it."""
        try:
            # The app redraws as it syncs: an element found a moment ago may be gone; look again.
            waiting = WebDriverWait(
                self.driver, timeout, 0.1, ignored_exceptions=[StaleElementReferenceException]
            )
            return waiting.until(condition)
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what or condition}") from None

    def testid(self, testid: str):
        """The first visible element with a ``data-testid``, once there is one."""

        def shown(driver):
            found = driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
            return next((element for element in found if element.is_displayed()), None)

        return self.wait(shown, what=testid)

    def click(self, testid: str) -> None:
        """Click the element with a ``data-testid`` (found afresh if it was redrawn meanwhile)."""

        def clicked(driver):
            element = self.testid(testid)
            # Out of the way of the fixed status and tab bars, as a thumb would scroll it.
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
            element.click()
            return True

        self.wait(clicked, what=f"a click on {testid}")

    def count(self, selector: str) -> int:
        """How many elements match a CSS selector now."""
        return len(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def choose(self, text: str) -> None:
        """Check the radio button labelled exactly ``text``."""
        xpath = f"//label[normalize-space(.)='{text}']//input[@type='radio']"
        radio = self.wait(lambda driver: driver.find_element(By.XPATH, xpath), what=text)
        self.driver.execute_script("arguments[0].click()", radio)

    def open(self, url: str) -> None:
        """Load a page and wait until the app has drawn its first screen."""
        self.driver.get(url)
        self.wait(lambda driver: driver.execute_script("return !!document.body.dataset.view"))

    def login(self, base_url: str) -> None:
        """Log in as the demo inspector; wait for home and the service worker's control."""
        self.open(base_url + "/")
        self.driver.find_element(By.NAME, "username").send_keys("inspector")
        self.driver.find_element(By.NAME, "password").send_keys(PASSWORD, Keys.ENTER)
        self.testid("start")
        self.wait(
            lambda driver: driver.execute_script("return !!navigator.serviceWorker.controller"),
            what="the service worker",
        )

    def start_inspection(self, checklist: str, code: str) -> None:
        """From home: a checklist, a place by its code, and every item of the checklist."""
        self.driver.get(self.driver.current_url.split("#")[0] + "#/")
        self.choose(checklist)
        search = self.testid("location-search")
        search.send_keys(code, Keys.ENTER)
        self.wait(lambda _: code in self.testid("chosen-location").text, what=code)
        self.click("start")
        self.click("begin-walk")
        self.wait(lambda _: "第 1 项" in self.testid("progress").text, what="the first item")
        self.driver.execute_script("arguments[0].click()", self.testid("show-all"))
        self.wait(lambda _: not self.count('[data-testid="scope"]'), what="every item")
        self.driver.get(self.driver.current_url.rsplit("/", 1)[0] + "/0")
        self.wait(lambda _: self.heading() == SIGNS_AT_ENTRANCES, what="the first item")

    def heading(self) -> str:
        """The text of the screen's heading."""
        headings = self.driver.find_elements(By.TAG_NAME, "h1")
        return headings[0].text if headings else ""

    def fail_with_photos(self, files) -> None:
        """Fail the current item with photos from the gallery and a note."""
        self.choose("不合格")
        gallery = self.driver.find_element(By.CSS_SELECTOR, '[data-testid="photo-gallery"]')
        gallery.send_keys("\n".join(str(path) for path in files))
        self.wait(
            lambda driver: driver.execute_script(
                """const images = [...document.querySelectorAll('[data-testid=thumbs] img')];
                   return images.length === 2
                     && images.every((image) => image.complete && image.naturalWidth > 0);"""
            ),
            what="two thumbnails drawn from the stored photos",
        )
        assert not self.count('[data-testid="problem"]')
        self.testid("note").send_keys("东门没有禁烟标识")

    def finish_walk(self) -> None:
        """Pass the next item and finish the inspection into the outbox."""
        before = self.testid("progress").text
        self.click("next")
        self.wait(lambda _: self.testid("progress").text != before, what="the next item")
        self.choose("合格")
        self.click("overview")
        self.click("finish")
        self.wait(lambda _: self.count('[data-testid="outbox"]') or self.count("dialog[open]"))
        if self.count("dialog[open]"):
            self.click("dialog-confirm")
        self.testid("outbox")

    def photo_forms(self) -> list[str]:
        """The form of each stored photo's bytes in IndexedDB."""
        done = "arguments[arguments.length - 1]"
        return self.driver.execute_async_script(f"({STORED_FORMS})().then({done}, {done});")

    def waiting(self) -> str:
        """How many records wait for the server, as the status bar says."""
        return self.driver.execute_script(  # read afresh: the bar is redrawn as counts change
            "return document.querySelector('[data-testid=waiting]')?.dataset.count ?? null"
        )

    def expect_waiting(self, count: int, timeout: float = 30) -> None:
        """Wait until the status bar says ``count`` records wait for the server."""
        self.wait(lambda _: self.waiting() == str(count), timeout, f"{count} waiting")


def check_synced(server_api) -> None:
    """The server holds the inspection, complete, with both photos."""
    inspections = server_api.inspections()
    assert len(inspections) == 1
    inspection = inspections[0]
    assert inspection["complete"] and inspection["photos_present"] == 2
    failed = next(f for f in inspection["findings"] if f["item_id"] == "signs.entrances")
    assert (failed["verdict"], failed["note"]) == ("fail", "东门没有禁烟标识")
    sizes = {server_api.photo_size(photo["id"]) for photo in failed["photos"]}
    assert sizes == {(1365, 2048), (1200, 900)}  # downscaled and turned upright in WebKit too


def test_a_walk_with_photos_is_finished_and_synced(webkit, base_url, photo_files, server_api):
    phone = Phone(webkit.session())
    phone.login(base_url)
    # WebKitGTK, like WeChat's web view, has no navigator.storage: the app says what that means.
    assert "可能清除本机数据" in phone.testid("storage-warning").text
    phone.start_inspection("无烟医院检查", "OPD-1F-WC")
    phone.fail_with_photos(photo_files)
    assert phone.photo_forms() == [PHOTO_FORM[webkit.profile]] * 2
    phone.finish_walk()
    phone.expect_waiting(0)
    check_synced(server_api)


def test_an_offline_cold_start_records_and_syncs_later(
    webkit, base_url, live_server_control, photo_files, server_api
):
    phone = Phone(webkit.session())
    phone.login(base_url)
    live_server_control.stop()

    def cold_start():
        """Open the app again: a new browser on the same profile, or a new load of the page."""
        if webkit.profile == "persistent":
            webkit.quit(phone.driver)
            phone.driver = webkit.session()
        phone.open(base_url + "/")

    cold_start()
    phone.testid("start")  # the shell and the reference data came from this phone
    phone.start_inspection("无烟医院检查", "OPD-1F-WC")
    phone.fail_with_photos(photo_files)
    phone.finish_walk()
    phone.expect_waiting(3)
    cold_start()
    phone.expect_waiting(3)  # nothing recorded is lost

    live_server_control.start()
    phone.click("sync-now")
    phone.expect_waiting(0)
    check_synced(server_api)


def test_a_photo_of_a_label_chooses_the_place(webkit, base_url, tmp_path):
    """WebKit has no BarcodeDetector: the vendored decoder reads the label's QR code."""
    segno.make_qr("IPD-5F-WARD", error="m").save(tmp_path / "qr.png", scale=12, border=4)
    photo = Image.new("RGB", (1600, 1200), (150, 150, 140))
    photo.paste(Image.open(tmp_path / "qr.png").convert("RGB"), (500, 300))
    photo.save(tmp_path / "label.jpg", quality=85)
    phone = Phone(webkit.session())
    phone.login(base_url)

    phone.click("scan")
    phone.driver.find_element(By.CSS_SELECTOR, '[data-testid="scan-photo"]').send_keys(
        str(tmp_path / "label.jpg")
    )

    phone.wait(lambda _: "IPD-5F-WARD" in phone.testid("chosen-location").text, what="the place")
