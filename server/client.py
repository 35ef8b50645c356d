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
compressed when the browser accepts it: brotli or gzip copies of the bundle and the catalogues
were made at build time; the other few text files (the page, the worker, the web manifest, the
sources when there is no bundle) are gzip-compressed once and kept in memory.
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
# Compressed copies the build makes, in the order they are preferred: (encoding, suffix).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


@dataclass(frozen=True)
class Bundle:
    """The built client: its two hashed files and the sources inside them.

    ``precompressed``: the catalogues whose compressed copies under dist/ are of their content.
    """

    js: str
    css: str
    bundled: frozenset[str]
    precompressed: frozenset[str]


@dataclass(frozen=True)
class _State:
    problem: str | None
    bundle: Bundle | None


def _client_dir() -> Path:
    return Path(current_app.config["CLIENT_DIR"])


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _state(root: Path) -> _State:
    """Read the manifest and compare it with the sources.

    The answer is kept while the manifest and every file it names keep their size and mtime, so
    a request costs a few dozen ``stat`` calls, not reading and hashing the sources again.
    """
    key = _stat_key(root)
    cached = _states.get(str(root))
    if cached is None or cached[0] != key:
        cached = _states[str(root)] = (key, _check(root))
    return cached[1]


_states: dict[str, tuple[tuple, _State]] = {}


def _stat_key(root: Path) -> tuple:
    """Size and mtime of the manifest and of every file it names (None when missing)."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        names = [MANIFEST, *manifest.get("inputs", {}), *manifest.get("precompressed", {})]
    except (OSError, ValueError):
        return ()
    key = []
    for name in names:
        try:
            stat = (root / name).stat()
            key.append((name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            key.append((name, None, None))
    return tuple(key)


def _check(root: Path) -> _State:
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _State(f"no client bundle ({root / MANIFEST} missing or unreadable)", None)
    for source, digest in manifest.get("inputs", {}).items():
        if _sha256(root / source) != digest:
            return _State(f"the client bundle is stale ({source} changed since it was built)", None)
    files = [manifest.get(kind) for kind in ("js", "css")]
    if not all(files) or not all((root / name).is_file() for name in files):
        return _State("the client bundle is incomplete (a file of its manifest is missing)", None)
    # A catalogue edited since the build loses its compressed copies, not the bundle.
    precompressed = frozenset(
        name
        for name, digest in manifest.get("precompressed", {}).items()
        if _sha256(root / name) == digest
    )
    bundled = frozenset(manifest["inputs"])
    return _State(None, Bundle(manifest["js"], manifest["css"], bundled, precompressed))


def bundle_problem(root: Path) -> str | None:
    """Say why ``root/dist`` cannot be served (missing, or built from other sources), or None."""
    return _state(root).problem


def current_bundle(root: Path) -> Bundle | None:
    """Return the bundle to serve, or None to serve the sources (logged once per change)."""
    state = _state(root)
    _log_mode(str(root), state.problem)
    return state.bundle


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
        if bundle is not None and relative in bundle.bundled:
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
    return _text_response(page, "text/html")


@bp.get(f"/{WORKER}")
def service_worker():
    """Serve the service worker with its computed version and precache list."""
    root = _client_dir()
    policy = current_app.extensions["security_policies"].app
    source = render_worker(root, policy, current_bundle(root)).encode()
    return _text_response(source, "text/javascript")


@bp.get("/<path:filename>")
def static_file(filename: str):
    """Serve a client file; unknown paths under /api are left to the API's 404."""
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _accepts(encoding: str) -> bool:
    return bool(request.accept_encodings[encoding])


def _text_response(body: bytes, mimetype: str) -> Response:
    """Answer a generated text (the page, the worker), compressed when the browser accepts it."""
    response = Response(body, mimetype=mimetype)
    if _accepts("gzip"):
        response.set_data(gzip.compress(body, compresslevel=9, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-cache"
    return response


@lru_cache(maxsize=64)
def _compressed(path: str, _mtime_ns: int, _size: int) -> bytes:
    """Compress a client file once; the cache key holds its mtime and size, so edits count."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def _precompressed_copy(root: Path, filename: str, hashed: bool) -> tuple[str, str] | None:
    """Return the build's compressed copy of ``filename`` the browser accepts, and its encoding.

    A hashed file has its copies beside it; a catalogue under dist/ while the bundle is current.
    """
    if hashed:
        base = filename
    else:
        bundle = current_bundle(root)
        if bundle is None or filename not in bundle.precompressed:
            return None
        base = f"{DIST}/{filename}"
    for encoding, suffix in ENCODINGS:
        if _accepts(encoding) and (root / f"{base}{suffix}").is_file():
            return f"{base}{suffix}", encoding
    return None


def _send(filename: str):
    root = _client_dir()
    suffix = Path(filename).suffix
    mimetype = MIMETYPES.get(suffix) or mimetypes.guess_type(filename)[0]
    hashed = filename.startswith(f"{DIST}/") and not filename.endswith(".json")
    copy = _precompressed_copy(root, filename, hashed) if suffix in COMPRESSIBLE else None
    if copy is not None:
        response = send_from_directory(root, copy[0], max_age=0, mimetype=mimetype)
        response.headers["Content-Encoding"] = copy[1]
    else:
        response = send_from_directory(root, filename, max_age=0, mimetype=mimetype)
        if suffix in COMPRESSIBLE and _accepts("gzip") and response.status_code == 200:
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
    """Mount the client at ``/``, saying at once (in the log) whether the bundle is served."""
    app.register_blueprint(bp)
    current_bundle(Path(app.config["CLIENT_DIR"]))
