"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server.

Each test gets the demo hospital (departments, location tree, users with ``demo-pass-1``) and
the shipped checklists, served by the root ``live_server`` fixture, and a fresh browser context
(its own IndexedDB, caches and service worker) with a 390×844 phone viewport, in China's time
zone like the demo hospital (so times typed on the phone carry a real offset, +08:00).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from server.client import bundle_problem
from tests import factories as f

pytest.importorskip("playwright")
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

PASSWORD = "demo-pass-1"
VIEWPORT = {"width": 390, "height": 844}
TIMEZONE = "Asia/Shanghai"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the run."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def xvfb():
    """A private X display for WebKitGTK; without WebKit installed the WebKit tests skip, except
    in CI, where they must run."""
    from tests.support.webkit import Display, WebKitUnavailable, check_installed

    try:
        check_installed()
        display = Display.start()
    except WebKitUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"WebKitGTK must run in CI: {exc}")
        pytest.skip(f"WebKitGTK unavailable: {exc}")
    yield display
    display.stop()


@pytest.fixture(params=["persistent", "ephemeral"])
def webkit(request, xvfb, tmp_path):
    """WebKitGTK in a profile that keeps its data on disk, or in one that keeps nothing."""
    from tests.support.webkit import WebKit

    browser = WebKit(xvfb, request.param, tmp_path / "webkit-profile")
    yield browser
    browser.stop()


@pytest.fixture
def demo(app, session):
    """The demo hospital and the real checklists, committed for the live server to see."""
    return f.demo(session, Path(app.config["CHECKLIST_DIR"]), PASSWORD)


@pytest.fixture
def base_url(app, demo, live_server) -> str:
    """The live server's address, with the demo data in place, serving the client's bundle
    (what phones get) — never the sources in its place because the bundle is missing or stale."""
    problem = bundle_problem(Path(app.config["CLIENT_DIR"]))
    assert problem is None, f"{problem}: run scripts/setup (or npm ci && npm run build)"
    return live_server


# Reports every CSP violation of a document to the console, in the words the check looks for.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`
    + ` in ${event.documentURI}`);
});
"""
# Chromium's own console words for a refused load or inline code, and for a header it rejects.
POLICY_WORDS = ("Content Security Policy", "CSP violation", "Permissions-Policy")


def policy_complaint(text: str) -> bool:
    """Whether a console message is a security policy violation or a policy header rejected."""
    return any(words in text for words in POLICY_WORDS)


@pytest.fixture
def context(chromium):
    """A fresh browser profile; JavaScript errors and security policy violations (CSP, a rejected
    Permissions-Policy) on any of its pages and frames fail the test."""
    with _watched(chromium, viewport=VIEWPORT) as context:
        yield context


@contextlib.contextmanager
def _watched(chromium, **options):
    """A fresh profile in China's time zone whose JavaScript errors and policy complaints (CSP, a
    rejected Permissions-Policy) on any page or frame fail the test."""
    context = chromium.new_context(
        locale="zh-CN", timezone_id=TIMEZONE, service_workers="allow", **options
    )
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    context.add_init_script(REPORT_VIOLATIONS)
    context.on(
        "console",
        lambda message: errors.append(message.text) if policy_complaint(message.text) else None,
    )
    yield context
    context.close()
    assert not errors, errors


def _touch_screen(chromium, viewport: dict):
    """A watched profile on a touch screen (a phone's fingers reach the page as pointer events)."""
    return _watched(chromium, viewport=viewport, has_touch=True, is_mobile=True)


@pytest.fixture
def touch_context(chromium):
    """Like ``context``, on a touch screen."""
    with _touch_screen(chromium, VIEWPORT) as context:
        yield context


@pytest.fixture
def small_touch_page(chromium):
    """A page on a small phone (320×568) with a touch screen."""
    with _touch_screen(chromium, {"width": 320, "height": 568}) as context:
        yield context.new_page()


@pytest.fixture
def page(context):
    """A page of the fresh profile."""
    return context.new_page()


# Demo users who record no inspections (department heads, the leader): their app opens on tasks.
TASKS_FIRST = {"depthead", "neike", "waike", "leader"}
RECORDS_FIRST = {"recorder", "porter", "sewage"}  # recorders keep logs: their app opens on them


def login(page, base_url: str, username: str = "inspector") -> None:
    """Log in through the form and wait for the first screen: the home screen, filled by the
    first sync, or — for those who record no inspections — the task list (a recorder's logs)."""
    page.goto(base_url + "/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    if username in TASKS_FIRST:
        expect(page.locator("body[data-view=tasks]")).to_be_attached(timeout=20_000)
    elif username in RECORDS_FIRST:
        expect(page.locator("body[data-view=records]")).to_be_attached(timeout=20_000)
    else:
        expect(page.get_by_test_id("start")).to_be_visible(timeout=20_000)
    # Waits are functions, never bare expressions: Playwright evals an expression again on every
    # poll, which the app's CSP (no 'unsafe-eval') refuses; a function is compiled once.
    wait_for_worker_control(page)


def wait_for_worker_control(page) -> None:
    """Wait until the service worker controls the page.

    Once in a full CI run (2026-12-03) a first visit stayed uncontrolled for 30 s although the
    worker had fetched every shell file: the claim did not reach the page. The worker being
    active, the next load of the page is controlled, as it would be for a user; so wait for the
    worker to be ready, and reload once if the page is still not controlled.
    """
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    try:
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)
    except PlaywrightTimeoutError:
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def choose_location(page, code: str) -> None:
    """Pick a location by typing its code (the fallback to scanning)."""
    search = page.get_by_test_id("location-search").first
    search.fill(code)
    search.press("Enter")
    expect(page.get_by_test_id("chosen-location").first).to_contain_text(code)


def start_inspection(page, checklist: str, code: str, show_all: bool = False) -> None:
    """From home: choose a checklist and a location, and open the first item — of the items that
    apply to the place's use, or (``show_all``) of every item, as the "show all" switch does."""
    page.goto(page.url.split("#")[0] + "#/")
    page.get_by_role("radio", name=checklist).check()
    choose_location(page, code)
    page.get_by_test_id("start").click()
    page.get_by_test_id("begin-walk").click()
    expect(page.get_by_test_id("progress")).to_contain_text("第 1 项")
    if show_all:
        page.get_by_test_id("show-all").check()
        expect(page.get_by_test_id("scope")).to_have_count(0)
        page.goto(page.url.rsplit("/", 1)[0] + "/0")
        expect(page.get_by_test_id("progress")).to_contain_text("第 1 项")


def answer(page, label: str) -> None:
    """Answer the current pass/fail item."""
    page.get_by_role("radio", name=label, exact=True).check()


def next_item(page) -> None:
    """Go to the next item and wait for it."""
    before = page.get_by_test_id("progress").inner_text()
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("progress")).not_to_have_text(before)


def finish(page) -> None:
    """Open the overview and finish the inspection into the outbox, confirming it when the app
    asks because items are left unanswered."""
    page.get_by_test_id("overview").click()
    page.get_by_test_id("finish").click()
    asked = page.locator("dialog[open]")
    expect(page.get_by_test_id("outbox").or_(asked)).to_be_visible()
    if asked.count():
        asked.get_by_test_id("dialog-confirm").click()
    expect(page.get_by_test_id("outbox")).to_be_visible()


def open_overview(page) -> None:
    """From the walk, open the inspection's overview."""
    page.get_by_test_id("overview").click()
    expect(page.get_by_test_id("records")).to_be_visible()


def add_record(page, title: str) -> None:
    """On the overview, add a record form of a type and wait for the form."""
    page.get_by_label("记录表类型").select_option(label=title)
    page.get_by_test_id("record-add").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def save_record(page) -> None:
    """Save the form and wait for the overview."""
    page.get_by_test_id("record-save").click()
    expect(page.get_by_test_id("records")).to_be_visible()


def sign(page, where, wave: float = 0.25) -> None:
    """Write a signature on the pad inside ``where`` (the mouse sends pointer events, as a finger
    does) and wait until its image is stored on the phone."""
    canvas = where.get_by_test_id("signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(left + width * 0.1, top + height * 0.6)
    page.mouse.down()
    for step in range(1, 31):
        x = left + width * (0.1 + 0.8 * step / 30)
        y = top + height * (0.5 + wave * math.sin(step / 2.5))
        page.mouse.move(x, y, steps=2)
    page.mouse.up()
    expect(where.get_by_test_id("signature-preview")).to_be_visible()


def sign_by_touch(page, where) -> None:
    """Write a signature with one finger (touch events, as a phone's screen sends them)."""
    cdp = page.context.new_cdp_session(page)
    box = where.get_by_test_id("signature-canvas").bounding_box()
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]

    def touch(kind: str, step: int) -> None:
        x = left + width * (0.1 + 0.8 * step / 20)
        y = top + height * (0.5 + 0.3 * math.cos(step / 2))
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})

    touch("touchStart", 0)
    for step in range(1, 21):
        touch("touchMove", step)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(where.get_by_test_id("signature-preview")).to_be_visible()


def sign_field(page, field_id: str) -> None:
    """Sign a record form's signature field by hand."""
    sign(page, page.locator(f'[data-testid="record-field"][data-field="{field_id}"]'))


def expect_waiting(page, count: int, timeout: float = 20_000) -> None:
    """Wait until the status bar says ``count`` records wait for the server."""
    expect(page.get_by_test_id("waiting")).to_have_attribute(
        "data-count", str(count), timeout=timeout
    )


def wait_for_photos(page, testid: str) -> None:
    """Wait until every photo in the element ``testid`` has been fetched and decoded.

    (An <img> with no ``src`` yet counts as ``complete``, so that property proves nothing.)
    """
    page.wait_for_function(
        """(testid) => {
          const images = [...document.querySelectorAll(`[data-testid="${testid}"] img`)];
          return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
        }""",
        arg=testid,
    )


def jpeg(path: Path, size: tuple[int, int], colour: tuple[int, int, int], orientation=None):
    """Write a JPEG like a phone camera's (with an EXIF orientation if given)."""
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 3, size[1] // 3), fill=(20, 20, 200))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, quality=90, exif=exif)
    return path


@pytest.fixture
def photo_files(tmp_path) -> list[Path]:
    """A 3000×2000 camera photo stored sideways (EXIF orientation 6) and a small 1200×900 one."""
    return [
        jpeg(tmp_path / "sideways.jpg", (3000, 2000), (200, 60, 40), orientation=6),
        jpeg(tmp_path / "small.jpg", (1200, 900), (60, 160, 90)),
    ]


class ServerApi:
    """The inspector's view of the server through the HTTP API (what the device sent)."""

    def __init__(self, base_url: str, username: str = "inspector", password: str = PASSWORD):
        self.base_url = base_url
        answer = self.call("POST", "/auth/login", {"username": username, "password": password})
        self.user = answer["user"]
        self.token = answer["token"]

    def call(self, method: str, path: str, body=None, raw: bool = False, headers=None):
        """Send JSON (or bytes, with their own headers); answer the JSON (or the raw bytes)."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if getattr(self, "token", None):
            sent["Authorization"] = f"Bearer {self.token}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}",
            data=data if body is not None else None,
            method=method,
            headers=sent,
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            self.etag = response.headers.get("ETag")
            data = response.read()
        return data if raw else json.loads(data)

    def put_photo(self, photo_id: str, data: bytes) -> None:
        """Upload a photo's bytes the way the app does."""
        sha = hashlib.sha256(data).hexdigest()
        headers = {"Content-Type": "image/jpeg", "X-Content-SHA256": sha}
        self.call("PUT", f"/photos/{photo_id}", data, headers=headers)

    def inspections(self) -> list[dict]:
        """Every inspection, each with its findings and photo completeness."""
        return [
            self.call("GET", f"/inspections/{row['id']}")
            for row in self.call("GET", "/inspections")
        ]

    def photo_size(self, photo_id: str) -> tuple[int, int]:
        """The stored photo's pixel size."""
        return Image.open(io.BytesIO(self.call("GET", f"/photos/{photo_id}", raw=True))).size

    def location_id(self, code: str) -> int:
        """The id of the location with ``code``."""
        return next(row["id"] for row in self.call("GET", "/locations") if row["code"] == code)


@pytest.fixture
def server_api(base_url) -> ServerApi:
    """The API, logged in as the demo inspector."""
    return ServerApi(base_url)


# A civilized-city item the general affairs office (the demo department head's) fixes.
FAILED_ITEM = "environment.frontage_duties"
FAILED_AT = "OPD-1F-HALL"


def photo_slot(data: bytes, **extra) -> dict:
    """The slot a finding names for a photo with these bytes."""
    sha = hashlib.sha256(data).hexdigest()
    return {"id": str(uuid.uuid4()), "sha256": sha, "bytes": len(data), **extra}


def push_failed_frontage(server_api, photos: list[tuple[dict, bytes]]) -> int:
    """Fail the frontage at the outpatient hall with ``photos`` (slot, bytes); return the task."""
    inspection_id = str(uuid.uuid4())
    body = {
        "device_id": "d-test",
        "inspections": [
            {
                "id": inspection_id,
                "checklist_id": "civilized-city",
                "checklist_version": 1,
                "location_id": server_api.location_id(FAILED_AT),
                "kind": "supervision",
                "started_at": "2026-11-23T09:00:00+08:00",
                "finished_at": "2026-11-23T09:30:00+08:00",
                "note": "",
            }
        ],
        "findings": [
            {
                "id": str(uuid.uuid4()),
                "inspection_id": inspection_id,
                "item_id": FAILED_ITEM,
                "result": "fail",
                "value": None,
                "note": "门前堆放杂物",
                "photos": [slot for slot, _ in photos],
                "recorded_at": "2026-11-23T09:10:00+08:00",
            }
        ],
        "records": [],
    }
    answer = server_api.call("POST", "/sync/push", body)
    for slot, data in photos:
        server_api.put_photo(slot["id"], data)
    return answer["tasks"][0]["id"]


@pytest.fixture
def failed_task(server_api, tmp_path) -> int:
    """An open task: the inspector failed the frontage at the outpatient hall, with a photo."""
    data = jpeg(tmp_path / "frontage.jpg", (800, 600), (120, 90, 60)).read_bytes()
    return push_failed_frontage(server_api, [(photo_slot(data), data)])


@pytest.fixture
def marked_task(server_api, tmp_path) -> int:
    """Like ``failed_task``, its photo marked up on the phone: the copy, then the original."""
    original = jpeg(tmp_path / "frontage.jpg", (800, 600), (120, 90, 60)).read_bytes()
    marked = jpeg(tmp_path / "marked.jpg", (800, 600), (200, 40, 40)).read_bytes()
    original_slot = photo_slot(original)
    copy_slot = photo_slot(marked, original_id=original_slot["id"])
    return push_failed_frontage(server_api, [(copy_slot, marked), (original_slot, original)])


@pytest.fixture
def checked_this_week(server_api) -> None:
    """Just now at the outpatient hall: two items passed, one failed (its photo not yet sent).

    This week's ranking: general affairs 0.00 per 100 checks (1st), outpatient 100.00 (2nd).
    """
    now = datetime.now(UTC).isoformat()
    inspection_id = str(uuid.uuid4())
    inspection = {
        "id": inspection_id,
        "checklist_id": "civilized-city",
        "checklist_version": 1,
        "location_id": server_api.location_id(FAILED_AT),
        "kind": "supervision",
        "started_at": now,
        "finished_at": now,
        "note": "",
    }
    findings = [
        {
            "id": str(uuid.uuid4()),
            "inspection_id": inspection_id,
            "item_id": item,
            "result": "pass",
            "value": None,
            "note": "",
            "photos": [],
            "recorded_at": now,
        }
        for item in (FAILED_ITEM, "environment.public_areas_clean")
    ]
    photo = {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(b"later").hexdigest(), "bytes": 5}
    failure = {**findings[1], "id": str(uuid.uuid4()), "item_id": "environment.no_dead_corners"}
    findings.append({**failure, "result": "fail", "note": "楼梯间堆放杂物", "photos": [photo]})
    body = {"device_id": "d-test", "inspections": [inspection], "findings": findings}
    answer = server_api.call("POST", "/sync/push", {**body, "records": []})
    assert {result["status"] for result in answer["results"]} == {"created"}, answer


# A problem list as a hospital's week leaves it: (place, department, severity, source, deadline in
# days from now, status, title zh/en). Made in the database (and announced to the pull log like
# any change) so the list screens have something to search, filter and sort.
# fmt: off
PROBLEMS = (
    ("IPD-5F-WARD", "internal_medicine", "major", "finding", 2, "open",
     "内科病区：走廊堆放杂物", "Medical ward: corridor cluttered"),
    ("IPD-5F-NS", "internal_medicine", "critical", "finding", 0.5, "open",
     "内科护士站：缺少速干手消毒剂", "Medical nurses' station: no hand rub"),
    ("IPD-5F-WC", "property", "minor", "finding", 6, "open",
     "五层卫生间：水龙头漏水", "5F toilets: leaking tap"),
    ("IPD-6F-WARD", "surgery", "minor", "finding", -1, "open",
     "外科病区：床头卡写有诊断", "Surgical ward: diagnosis on bed cards"),
    ("SVC-WASTE", "general_affairs", "major", "record", 3, "submitted",
     "医疗废物暂存处：交接双方签名不全", "Waste store: handover not signed by both"),
    ("OPD-1F-ENT", "general_affairs", "critical", "finding", -3, "closed",
     "门诊入口：禁烟标识缺失", "Outpatient entrance: no no-smoking sign"),
)
# fmt: on


@pytest.fixture
def problem_list(demo, session) -> dict[str, int]:
    """The demo hospital's problem list; answers task ids by English title."""
    from datetime import timedelta

    from sqlalchemy import select

    from server.models import Department, Location
    from server.services.changes import record_changes
    from server.timeutil import utcnow

    def by_code(model, code):
        return session.scalars(
            select(model).where(model.hospital_id == demo.id, model.code == code)
        ).one()

    ids = {}
    for place, department, severity, source, days, status, zh, en in PROBLEMS:
        task = f.task(
            session,
            demo,
            location=by_code(Location, place),
            department_id=by_code(Department, department).id,
            title_zh=zh,
            title_en=en,
            severity=severity,
            source=source,
            status=status,
            due_at=utcnow() + timedelta(days=days),
            created_at=utcnow() - timedelta(days=7 - days),
            closed_at=utcnow() if status == "closed" else None,
        )
        ids[en] = task.id
    record_changes(session, "task", [(task_id, demo.id) for task_id in ids.values()])
    session.commit()
    return ids
