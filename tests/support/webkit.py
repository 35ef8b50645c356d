"""WebKitGTK for the browser suite: Xvfb, WebKitWebDriver and a Selenium session in a profile.

The browser is ``webkit_browser.py``, a 390×844 WebKitGTK window (PyGObject), in one of two
profiles, as phones have them:

- ``ephemeral``: its data in memory only, like Safari's private browsing or a web view that
  stores nothing (and like Debian's MiniBrowser under automation). There IndexedDB refuses
  Blobs — the bug the photo store works around.
- ``persistent``: its data in a directory of its own, like Safari or WeChat's web view; a second
  session on the same directory is a cold start of the same phone.

WebKitWebDriver starts the browser with ``webkitgtk:browserOptions``; Debian's 2.50 passes it
no ``--automation`` of its own, so the arguments carry it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.remote.remote_connection import RemoteConnection

from tests.support.servers import free_port

DRIVER = "WebKitWebDriver"
BROWSER = Path(__file__).with_name("webkit_browser.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # has Debian's GObject bindings (python3-gi), the venv not


class WebKitUnavailable(RuntimeError):
    """WebKitWebDriver, Xvfb or the WebKit GObject bindings are missing."""


def check_installed() -> None:
    """Raise WebKitUnavailable naming what is missing (apt: webkit2gtk-driver xvfb ...)."""
    for program in (DRIVER, "Xvfb"):
        if not shutil.which(program):
            raise WebKitUnavailable(f"{program} not found")
    probe = [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('WebKit2', '4.1')"]
    if subprocess.run(probe, capture_output=True).returncode:
        raise WebKitUnavailable("python3-gi with gir1.2-webkit2-4.1 not found")


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise WebKitUnavailable(f"{process.args[0]} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise WebKitUnavailable(f"{process.args[0]} did not listen on {port}")


@dataclass
class Display:
    """A private X display (Xvfb) for the browsers' windows."""

    process: subprocess.Popen
    name: str

    @classmethod
    def start(cls) -> Display:
        """Start Xvfb on the first free display number it finds (``-displayfd``)."""
        read, write = os.pipe()
        process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            process.kill()
            raise WebKitUnavailable("Xvfb did not start")
        return cls(process, f":{number}")

    def stop(self) -> None:
        """Stop the display."""
        self.process.terminate()
        self.process.wait(timeout=10)


@dataclass
class WebKit:
    """WebKitWebDriver on a free port, starting sessions in one profile."""

    display: Display
    profile: str  # "persistent" or "ephemeral"
    directory: Path  # the persistent profile's data
    sessions: list = field(default_factory=list)

    def __post_init__(self):
        self.port = free_port()
        environment = {**os.environ, "DISPLAY": self.display.name}
        # No accessibility bus under Xvfb; WebKit's compositing needs no GPU in software mode.
        environment.update(NO_AT_BRIDGE="1", WEBKIT_DISABLE_COMPOSITING_MODE="1")
        self.driver = subprocess.Popen(
            [DRIVER, f"--port={self.port}"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, self.driver)

    def browser_options(self) -> dict:
        """The ``webkitgtk:browserOptions`` of this profile."""
        args = [str(BROWSER), "--automation"]
        if self.profile == "persistent":
            args.append(f"--profile={self.directory}")
        return {"binary": SYSTEM_PYTHON, "args": args}

    def session(self) -> webdriver.Remote:
        """A new browser session (for the persistent profile: the same data as the last one)."""
        options = ArgOptions()
        options.set_capability("webkitgtk:browserOptions", self.browser_options())
        options.set_capability("timeouts", {"script": 30_000, "pageLoad": 60_000, "implicit": 0})
        address = ClientConfig(remote_server_addr=f"http://127.0.0.1:{self.port}")
        driver = webdriver.Remote(RemoteConnection(client_config=address), options=options)
        driver.file_detector = UselessFileDetector()  # the driver reads files by path
        driver.set_window_size(390, 844)  # a phone's viewport, as the Chromium tests use
        self.sessions.append(driver)
        return driver

    def quit(self, driver: webdriver.Remote) -> None:
        """End one session (closes its browser; a persistent profile keeps its data)."""
        self.sessions.remove(driver)
        try:
            driver.quit()
        except Exception:  # noqa: BLE001 — the browser may already have gone with its window
            pass

    def stop(self) -> None:
        """End every session and the driver."""
        for driver in list(self.sessions):
            self.quit(driver)
        self.driver.terminate()
        self.driver.wait(timeout=10)
