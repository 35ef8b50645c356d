"""The app is served as the bundle built from the present sources, and runs from it — online,
and offline from the service worker's precache of the hashed files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.client import bundle_problem, current_bundle
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client"


def manifest() -> dict:
    return json.loads((CLIENT / "dist" / "manifest.json").read_text(encoding="utf-8"))


def test_the_bundle_is_built_from_the_present_sources():
    # A stale or missing dist/ fails here instead of passing CI on other code than the sources.
    assert bundle_problem(CLIENT) is None
    assert "js/main.js" in manifest()["inputs"] and "css/app.css" in manifest()["inputs"]
    catalogues = {path.relative_to(CLIENT).as_posix() for path in (CLIENT / "i18n").glob("*.json")}
    assert current_bundle(CLIENT).precompressed == catalogues


def test_the_bundle_is_built_by_the_present_builder_and_pinned_esbuild():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    builder = hashlib.sha256((ROOT / "scripts" / "build-client.mjs").read_bytes()).hexdigest()
    assert manifest()["esbuild"] == lock["packages"]["node_modules/esbuild"]["version"]
    assert manifest()["builder"] == builder


def test_the_app_runs_from_the_bundle_alone(page, base_url):
    scripts: list[str] = []
    page.on(
        "request",
        lambda request: (
            scripts.append(request.url.removeprefix(base_url))
            if request.resource_type in {"script", "stylesheet"}
            else None
        ),
    )
    login(page, base_url)
    assert sorted(scripts) == sorted(["/" + manifest()["js"], "/" + manifest()["css"]])


def test_an_offline_reload_starts_from_the_precached_bundle(context, page, base_url):
    login(page, base_url)
    context.set_offline(True)
    from_worker: dict[str, bool] = {}
    page.on(
        "response",
        lambda response: from_worker.__setitem__(
            response.url.removeprefix(base_url), response.from_service_worker
        ),
    )
    page.reload()
    expect(page.get_by_test_id("network")).to_have_text("离线")
    expect(page.get_by_test_id("start")).to_be_visible()
    bundle = {"/" + manifest()["js"], "/" + manifest()["css"]}
    assert {url: from_worker.get(url) for url in bundle} == dict.fromkeys(bundle, True)
