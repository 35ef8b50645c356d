"""Serve the PWA in ``client/`` from the same origin as the API (no CDN, no build step)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, send_from_directory

bp = Blueprint("client", __name__)


def _client_dir() -> Path:
    return Path(current_app.config["CLIENT_DIR"])


@bp.get("/")
def index():
    """Serve the app shell."""
    return _send("index.html")


@bp.get("/<path:filename>")
def static_file(filename: str):
    """Serve a client file; unknown paths under /api are left to the API's 404."""
    if filename.startswith("api/"):
        abort(404)
    return _send(filename)


def _send(filename: str):
    response = send_from_directory(_client_dir(), filename, max_age=0)
    # The service worker decides caching; the browser's HTTP cache must not serve stale shells.
    response.headers["Cache-Control"] = "no-cache"
    return response


def register_client(app: Flask) -> None:
    """Mount the client at ``/``."""
    app.register_blueprint(bp)
