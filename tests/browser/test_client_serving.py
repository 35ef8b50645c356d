"""The server serves the client: the shell loading the bundle, the manifest, a service worker
whose version is a hash of the client files (so a release can never forget to bump it), hashed
files cached for good, text compressed — and the sources when there is no current bundle."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.client import client_version, current_bundle, shell_urls

pytestmark = pytest.mark.browser

CLIENT = Path(__file__).resolve().parents[2] / "client"
GZIP = {"Accept-Encoding": "gzip, deflate"}
BROTLI = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends


def unbrotli(data: bytes) -> bytes:
    """Decompress brotli with Node's zlib (Node builds the bundle; Python has no brotli)."""
    script = "process.stdout.write(require('zlib').brotliDecompressSync(fs.readFileSync(0)))"
    node = subprocess.run(["node", "-e", script], input=data, capture_output=True, check=True)
    return node.stdout


DECOMPRESS = {"gzip": (GZIP, gzip.decompress), "br": (BROTLI, unbrotli)}


@pytest.fixture
def bundle():
    """The bundle in client/dist (scripts/setup builds it; test_bundle.py checks it is current)."""
    found = current_bundle(CLIENT)
    assert found is not None, "no current client bundle: run scripts/setup"
    return found


@pytest.fixture
def client_copy(app_config, tmp_path):
    """A copy of the client with its bundle, served by the app."""
    copy = tmp_path / "client"
    shutil.copytree(CLIENT, copy)
    app_config["CLIENT_DIR"] = str(copy)
    return copy


@pytest.fixture
def unbundled_client(app_config, tmp_path):
    """A copy of the client without dist/, served by the app."""
    copy = tmp_path / "client"
    shutil.copytree(CLIENT, copy, ignore=shutil.ignore_patterns("dist"))
    app_config["CLIENT_DIR"] = str(copy)
    return copy


def test_worker_carries_the_version_and_the_bundled_shell(app, client, bundle):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    policy = app.extensions["security_policies"].app
    assert f"const VERSION = '{client_version(CLIENT, policy, bundle)}';" in source
    assert "__WARDWALK" not in source
    urls = shell_urls(CLIENT, bundle)
    assert f"const SHELL = {urls!r}".replace("'", '"') in source
    assert {"/", f"/{bundle.js}", f"/{bundle.css}", "/i18n/zh-CN.json"} <= set(urls)
    assert "/manifest.webmanifest" in urls
    assert "/js/main.js" not in urls and "/css/app.css" not in urls  # inside the bundle
    assert "/sw.js" not in urls and "/index.html" not in urls
    assert not [url for url in urls if url.endswith((".py", ".md", ".gz"))]


def test_the_page_loads_the_hashed_bundle(client, bundle):
    page = client.get("/").get_data(as_text=True)
    assert re.fullmatch(r"dist/app-\w+\.js", bundle.js)
    assert f'<script type="module" src="/{bundle.js}"></script>' in page
    assert f'<link rel="stylesheet" href="/{bundle.css}">' in page
    assert "/js/main.js" not in page and "/css/app.css" not in page


def test_every_shell_file_is_served(client, bundle):
    for url in shell_urls(CLIENT, bundle):
        with client.get(url) as response:
            assert response.status_code == 200, url
            if url.endswith(".webmanifest"):
                assert response.mimetype == "application/manifest+json"


def test_hashed_files_are_cached_for_good_and_the_rest_revalidated(client, bundle):
    for url in (f"/{bundle.js}", f"/{bundle.css}"):
        with client.get(url) as response:
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for url in ("/", "/sw.js", "/i18n/zh-CN.json", "/manifest.webmanifest"):
        with client.get(url) as response:
            assert response.headers["Cache-Control"] == "no-cache", url


@pytest.mark.parametrize("encoding", DECOMPRESS)
def test_the_bundle_and_catalogues_go_out_compressed_as_the_build_made_them(
    client, bundle, encoding
):
    headers, decompress = DECOMPRESS[encoding]
    for url in (f"/{bundle.js}", f"/{bundle.css}", "/i18n/zh-CN.json", "/i18n/en.json"):
        with client.get(url) as plain, client.get(url, headers=headers) as packed:
            assert "Content-Encoding" not in plain.headers
            assert packed.headers["Content-Encoding"] == encoding, url
            assert packed.headers["Vary"] == "Accept-Encoding"
            assert packed.mimetype == plain.mimetype
            assert int(packed.headers["Content-Length"]) < len(plain.data) / 2
            assert decompress(packed.data) == plain.data, url


def test_a_changed_catalogue_is_not_sent_from_its_old_compressed_copy(client_copy, client):
    catalogue = client_copy / "i18n" / "en.json"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert current_bundle(client_copy) is not None  # the bundle itself is still current
    with client.get("/i18n/en.json", headers=BROTLI) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"  # compressed now, from the file
        assert gzip.decompress(packed.data) == catalogue.read_bytes()


def test_the_page_worker_and_web_manifest_go_out_gzipped_too(client):
    for url in ("/", "/sw.js", "/manifest.webmanifest"):
        with client.get(url) as plain, client.get(url, headers=GZIP) as packed:
            assert packed.headers["Content-Encoding"] == "gzip", url
            assert packed.headers["Vary"] == "Accept-Encoding", url
            assert gzip.decompress(packed.data) == plain.data, url


def test_without_a_bundle_the_sources_are_served_and_logged(unbundled_client, client, caplog):
    # Logged when the app is made (in the test's setup), so `wardwalk serve` says it at start.
    logged = [r.getMessage() for r in caplog.get_records("setup") if r.name == "server.client"]
    assert [m for m in logged if "serving the unbundled sources" in m and "no client bundle" in m]
    page = client.get("/").get_data(as_text=True)
    assert '<script type="module" src="/js/main.js"></script>' in page
    urls = shell_urls(unbundled_client)
    assert "/js/main.js" in urls and not [url for url in urls if url.startswith("/dist/")]
    assert '"/js/main.js"' in client.get("/sw.js").get_data(as_text=True)


def test_a_stale_bundle_is_not_served(client_copy, client):
    copy = client_copy
    assert current_bundle(copy) is not None
    with (copy / "js" / "ui" / "dom.js").open("a") as module:
        module.write("\n// edited after the build\n")
    assert current_bundle(copy) is None
    assert '"/js/main.js"' in client.get("/").get_data(as_text=True)


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
