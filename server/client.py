"""Serve the PWA in ``client/`` from the same origin as the API (no CDN).

The client is served as the **bundle** that ``scripts/build-client.mjs`` (run by
``scripts/setup``) writes into ``client/dist/``: ``js/main.js`` with all it imports and
``css/app.css``, minified, in content-hashed files named by ``dist/manifest.json``. The shell
``index.html`` is rewritten on the way out to load them instead of the sources. When there is no
bundle, or it was built from other sources than the present ones (the manifest records the hash
of every file that went into it), the sources themselves are served, and the log says so once.

The service worker is the one file that is not sent as it is stored: ``client/sw.js`` is a
template into which this module writes the app-shell file list and a version that is a hash of
every shell file. A release therefore changes the worker byte for byte, the browser installs the
new worker, and the page offers "update available" — nobody has to remember to bump a number.

Caching: the hashed files never change under their name, so they are cached for a year
(``immutable``); everything else is ``no-cache`` (the service worker decides). Text files go out
gzip-compressed when the browser accepts it: the bundle's ``.gz`` copies were made at build time,
the other few shell files (the catalogues, the page) are compressed once and kept in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, send_from_directory

bp = Blueprint("client", __name__)
log = logging.getLogger(__name__)

# What the service worker precaches: the files the app needs to start and run offline.
SHELL_SUFFIXES = {".html", ".js", ".css", ".json", ".webmanifest", ".png", ".svg", ".ico"}
WORKER = "sw.js"
VERSION_MARK = "__WARDWALK_VERSION__"
SHELL_MARK = "__WARDWALK_SHELL__"
MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript"}
DIST = "dist"
MANIFEST = f"{DIST}/manifest.json"
# What index.html loads as sources, replaced by the bundle's files when it is served.
ENTRIES = {"js": "/js/main.js", "css": "/css/app.css"}
COMPRESSIBLE = {".html", ".js", ".css", ".json", ".webmanifest", ".svg"}
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Bundle:
    """The built client: its hashed files and the sources they were built from."""

    js: str
    css: str
    inputs: frozenset[str]


def _client_dir() -> Path:
    return Path(current_app.config["CLIENT_DIR"])


def bundle_problem(root: Path) -> str | None:
    """Say why ``root/dist`` cannot be served (missing, or built from other sources), or None."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"no client bundle ({root / MANIFEST} missing or unreadable)"
    for source, digest in manifest.get("inputs", {}).items():
        try:
            current = hashlib.sha256((root / source).read_bytes()).hexdigest()
        except OSError:
            current = None
        if current != digest:
            return f"the client bundle is stale ({source} changed since it was built)"
    missing = [manifest.get(kind) for kind in ("js", "css")]
    if not all(missing) or not all((root / name).is_file() for name in missing):
        return "the client bundle is incomplete (a file named by its manifest is missing)"
    return None


def current_bundle(root: Path) -> Bundle | None:
    """Return the bundle to serve, or None to serve the sources (logged once per change)."""
    problem = bundle_problem(root)
    _log_mode(str(root), problem)
    if problem:
        return None
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    return Bundle(manifest["js"], manifest["css"], frozenset(manifest["inputs"]))


_logged: dict[str, str | None] = {}


def _log_mode(root: str, problem: str | None) -> None:
    if root in _logged and _logged[root] == problem:
        return
    _logged[root] = problem
    if problem:
        log.warning(
            "%s: serving the unbundled sources (slower first load). "
            "Build the bundle with scripts/setup or `npm ci && npm run build`.",
            problem,
        )
    else:
        log.info("serving the client bundle from %s", Path(root) / DIST)


def shell_files(root: Path, bundle: Bundle | None = None) -> list[Path]:
    """List the app-shell files under ``root`` in a stable order (the worker itself excluded).

    With a bundle, the sources it contains give way to its two files; a file it does not
    contain (loaded by URL rather than imported) stays in the shell.
    """
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or path.suffix not in SHELL_SUFFIXES or path.name == WORKER:
            continue
        if relative.startswith(f"{DIST}/"):
            continue
        if bundle is not None and relative in bundle.inputs:
            continue
        files.append(path)
    if bundle is not None:
        files += [root / bundle.js, root / bundle.css]
    return sorted(files, key=lambda path: path.relative_to(root).as_posix())


def shell_urls(root: Path, bundle: Bundle | None = None) -> list[str]:
    """Return the URLs the worker precaches; ``index.html`` is served as ``/``."""
    urls = []
    for path in shell_files(root, bundle):
        relative = path.relative_to(root).as_posix()
        urls.append("/" if relative == "index.html" else f"/{relative}")
    return urls


def client_version(root: Path, policy: str = "", bundle: Bundle | None = None) -> str:
    """Hash every shell file, the worker template and the app's CSP into the client's version.

    The worker stores the shell *with its headers*, and documents the app writes a printable page
    into inherit the shell's policy; a changed policy (a report's new style hash) must therefore
    reach devices that start from the cache, as a new version does.
    """
    digest = hashlib.sha256()
    for path in [*shell_files(root, bundle), root / WORKER]:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(policy.encode())
    return digest.hexdigest()[:16]


def render_worker(root: Path, policy: str = "", bundle: Bundle | None = None) -> str:
    """Return ``sw.js`` with the version and the shell list written in."""
    template = (root / WORKER).read_text(encoding="utf-8")
    return template.replace(VERSION_MARK, client_version(root, policy, bundle)).replace(
        SHELL_MARK, json.dumps(shell_urls(root, bundle))
    )


def render_index(root: Path, bundle: Bundle | None) -> str:
    """Return ``index.html`` loading the bundle's files (or the sources, without a bundle)."""
    page = (root / "index.html").read_text(encoding="utf-8")
    if bundle is None:
        return page
    for kind, url in ENTRIES.items():
        if f'"{url}"' not in page:
            raise RuntimeError(f"index.html no longer loads {url}; update ENTRIES")
        page = page.replace(f'"{url}"', f'"/{getattr(bundle, kind)}"')
    return page


@bp.get("/")
def index():
    """Serve the app shell, loading the bundle when there is a current one."""
    root = _client_dir()
    page = render_index(root, current_bundle(root)).encode()
    return _text_response(page, "text/html", "index.html")


@bp.get(f"/{WORKER}")
def service_worker():
    """Serve the service worker with its computed version and precache list."""
    root = _client_dir()
    policy = current_app.extensions["security_policies"].app
    source = render_worker(root, policy, current_bundle(root)).encode()
    return _text_response(source, "text/javascript", WORKER)


@bp.get("/<path:filename>")
def static_file(filename: str):
    """Serve a client file; unknown paths under /api are left to the API's 404."""
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _accepts_gzip() -> bool:
    return bool(request.accept_encodings["gzip"])


def _text_response(body: bytes, mimetype: str, name: str) -> Response:
    """Answer a generated text (the page, the worker), compressed when the browser accepts it."""
    response = Response(body, mimetype=mimetype)
    if _accepts_gzip():
        response.set_data(gzip.compress(body, compresslevel=9, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-cache"
    return response


@lru_cache(maxsize=64)
def _compressed(path: str, _mtime_ns: int, _size: int) -> bytes:
    """Compress a shell file once; the cache key holds its mtime and size, so edits count."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _send(filename: str):
    root = _client_dir()
    suffix = Path(filename).suffix
    mimetype = MIMETYPES.get(suffix)
    hashed = filename.startswith(f"{DIST}/") and not filename.endswith(".json")
    precompressed = root / f"{filename}.gz"
    if hashed and _accepts_gzip() and precompressed.is_file():
        response = send_from_directory(root, f"{filename}.gz", max_age=0)
        response.mimetype = mimetype or mimetypes.guess_type(filename)[0]
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = send_from_directory(root, filename, max_age=0, mimetype=mimetype)
        if suffix in COMPRESSIBLE and _accepts_gzip() and response.status_code == 200:
            path = root / filename
            stat = path.stat()
            response.close()  # the opened file gives way to its compressed copy
            response.direct_passthrough = False
            response.set_data(_compressed(str(path), stat.st_mtime_ns, stat.st_size))
            response.headers["Content-Encoding"] = "gzip"
    if suffix in COMPRESSIBLE:
        response.headers["Vary"] = "Accept-Encoding"
    # Hashed files never change under their name; the rest the service worker keeps current.
    response.headers["Cache-Control"] = IMMUTABLE if hashed else "no-cache"
    return response


def register_client(app: Flask) -> None:
    """Mount the client at ``/``."""
    app.register_blueprint(bp)
