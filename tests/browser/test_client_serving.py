"""The server serves the client: the shell, the manifest, and a service worker whose version is
a hash of the client files (so a release can never forget to bump it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.client import client_version, shell_urls

pytestmark = pytest.mark.browser

CLIENT = Path(__file__).resolve().parents[2] / "client"


def test_worker_carries_the_version_and_the_shell(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    policy = app.extensions["security_policies"].app
    assert f"const VERSION = '{client_version(CLIENT, policy)}';" in source
    assert "__WARDWALK" not in source
    urls = shell_urls(CLIENT)
    assert {"/", "/js/main.js", "/i18n/zh-CN.json", "/manifest.webmanifest"} <= set(urls)
    assert "/sw.js" not in urls and "/index.html" not in urls
    assert not [url for url in urls if url.endswith((".py", ".md"))]


def test_every_shell_file_is_served(client):
    for url in shell_urls(CLIENT):
        with client.get(url) as response:
            assert response.status_code == 200, url
            if url.endswith(".webmanifest"):
                assert response.mimetype == "application/manifest+json"


def test_any_change_to_a_client_file_is_a_new_version(tmp_path):
    copy = tmp_path / "client"
    shutil.copytree(CLIENT, copy)
    before = client_version(copy)
    assert client_version(copy) == before  # stable
    (copy / "i18n" / "en.json").write_text((copy / "i18n" / "en.json").read_text() + " ")
    assert client_version(copy) != before


def test_a_changed_app_policy_is_a_new_version():
    # Cached shells carry the policy they were served with; a new one must replace them.
    assert client_version(CLIENT, "style-src 'self'") != client_version(
        CLIENT, "default-src 'self'"
    )
