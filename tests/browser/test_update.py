"""A new client release — a new bundle, so a new worker — prompts "update available" and never
costs the inspection in progress."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from server.client import client_version, current_bundle
from tests.browser.conftest import answer, login, start_inspection

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client"


def served_version(client_dir: Path, policy: str) -> str:
    """The version the worker carries: the bundle's, which the server must be serving."""
    bundle = current_bundle(client_dir)
    assert bundle is not None
    return client_version(client_dir, policy, bundle)


@pytest.fixture
def app_config(app_config, tmp_path):
    """Serve a copy of the client, so that the test can release a new version of it."""
    copy = tmp_path / "client"
    shutil.copytree(CLIENT, copy)
    return {**app_config, "CLIENT_DIR": str(copy)}


def test_a_new_version_prompts_for_update_without_losing_the_inspection(
    app, page, base_url, app_config
):
    client_dir = Path(app_config["CLIENT_DIR"])
    policy = app.extensions["security_policies"].app  # the served version includes it
    old_version = served_version(client_dir, policy)
    old_bundle = current_bundle(client_dir)
    login(page, base_url)
    start_inspection(page, "无烟医院检查", "OPD-1F-WC")
    answer(page, "不合格")
    page.get_by_test_id("note").fill("更新前写下的备注")
    page.evaluate("window.sameDocument = true")

    with (client_dir / "css" / "app.css").open("a") as stylesheet:
        stylesheet.write("\n.release-2 { color: red; }\n")
    # The release as scripts/setup builds it: a new bundle under new hashed names.
    build = [shutil.which("node"), ROOT / "scripts" / "build-client.mjs", client_dir]
    subprocess.run(build, check=True, capture_output=True)
    assert current_bundle(client_dir).css != old_bundle.css
    assert not (client_dir / old_bundle.css).exists()
    new_version = served_version(client_dir, policy)
    assert new_version != old_version

    page.get_by_test_id("sync-now").click()  # each sync also asks for a new worker
    expect(page.get_by_test_id("update-apply")).to_be_visible(timeout=20_000)
    # The prompt did not reload anything: what was typed is still on screen.
    assert page.evaluate("window.sameDocument") is True
    expect(page.get_by_test_id("note")).to_have_value("更新前写下的备注")

    page.get_by_test_id("update-apply").click()
    page.wait_for_function("() => window.sameDocument === undefined")
    expect(page.get_by_test_id("progress")).to_contain_text("第 1 项")
    expect(page.get_by_test_id("note")).to_have_value("更新前写下的备注")
    expect(page.get_by_role("radio", name="不合格", exact=True)).to_be_checked()
    caches = page.evaluate("caches.keys()")
    assert f"shell-{new_version}" in caches and f"shell-{old_version}" not in caches
    stylesheet = page.evaluate("document.querySelector('link[rel=stylesheet]').href")
    assert stylesheet.endswith(current_bundle(client_dir).css)
