"""Serve the PWA in ``client/`` from the same origin as the API (no CDN, no build step).

The service worker is the one file that is not sent as it is stored: ``client/sw.js`` is a
template into which this module writes the app-shell file list and a version that is a hash of
every shell file. A release therefore changes the worker byte for byte, the browser installs the
new worker, and the page offers "update available" — nobody has to remember to bump a number.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory

bp = Blueprint("client", __name__)

# What the service worker precaches: the files the app needs to start and run offline.
SHELL_SUFFIXES = {".html", ".js", ".css", ".json", ".webmanifest", ".png", ".svg", ".ico"}
WORKER = "sw.js"
VERSION_MARK = "__WARDWALK_VERSION__"
SHELL_MARK = "__WARDWALK_SHELL__"
MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript"}


def _client_dir() -> Path:
    return Path(current_app.config["CLIENT_DIR"])


def shell_files(root: Path) -> list[Path]:
    """List the app-shell files under ``root`` in a stable order (the worker itself excluded)."""
    files = [
        path
        for path in root.rglob("*")
        if path.is_file() and path.suffix in SHELL_SUFFIXES and path.name != WORKER
    ]
    return sorted(files, key=lambda path: path.relative_to(root).as_posix())


def shell_urls(root: Path) -> list[str]:
    """Return the URLs the worker precaches; ``index.html`` is served as ``/``."""
    urls = []
    for path in shell_files(root):
        relative = path.relative_to(root).as_posix()
        urls.append("/" if relative == "index.html" else f"/{relative}")
    return urls


def client_version(root: Path, policy: str = "") -> str:
    """Hash every shell file, the worker template and the app's CSP into the client's version.

    The worker stores the shell *with its headers*, and documents the app writes a printable page
    into inherit the shell's policy; a changed policy (a report's new style hash) must therefore
    reach devices that start from the cache, as a new version does.
    """
    digest = hashlib.sha256()
    for path in [*shell_files(root), root / WORKER]:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(policy.encode())
    return digest.hexdigest()[:16]


def render_worker(root: Path, policy: str = "") -> str:
    """Return ``sw.js`` with the version and the shell list written in."""
    template = (root / WORKER).read_text(encoding="utf-8")
    return template.replace(VERSION_MARK, client_version(root, policy)).replace(
        SHELL_MARK, json.dumps(shell_urls(root))
    )


@bp.get("/")
def index():
    """Serve the app shell."""
    return _send("index.html")


@bp.get(f"/{WORKER}")
def service_worker():
    """Serve the service worker with its computed version and precache list."""
    policy = current_app.extensions["security_policies"].app
    response = Response(render_worker(_client_dir(), policy), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<path:filename>")
def static_file(filename: str):
    """Serve a client file; unknown paths under /api are left to the API's 404."""
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _send(filename: str):
    suffix = Path(filename).suffix
    response = send_from_directory(
        _client_dir(), filename, max_age=0, mimetype=MIMETYPES.get(suffix)
    )
    # The service worker decides caching; the browser's HTTP cache must not serve stale shells.
    response.headers["Cache-Control"] = "no-cache"
    return response


def register_client(app: Flask) -> None:
    """Mount the client at ``/``."""
    app.register_blueprint(bp)
