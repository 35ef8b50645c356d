"""Run the app under gunicorn from Python, so ``wardwalk serve`` is one command everywhere."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import NamedTuple

from flask import Flask
from gunicorn.app.base import BaseApplication


class TlsFiles(NamedTuple):
    """A certificate chain and its private key, PEM files."""

    cert: Path
    key: Path


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def run_gunicorn(
    app: Flask,
    *,
    bind: str,
    workers: int = 1,
    threads: int = 8,
    with_scheduler: bool = False,
    tls: TlsFiles | None = None,
) -> None:
    """Serve ``app`` until interrupted; optionally run the scheduler inside the single worker.

    With ``tls`` gunicorn wraps each connection in TLS itself (its ``certfile``/``keyfile``
    settings, an ``ssl.SSLContext`` with the default server protocol), and the app sees https.
    """
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 60,
        "graceful_timeout": 10,
    }
    if tls:
        options.update(certfile=str(tls.cert), keyfile=str(tls.key))
    if with_scheduler:
        if workers != 1:
            raise ValueError("the embedded scheduler needs exactly one worker")

        def start_scheduler(_worker) -> None:
            # Started after the fork: scheduler threads do not survive fork().
            from server.jobs.scheduler import background_scheduler

            background_scheduler(app).start()

        options["post_worker_init"] = start_scheduler
    leave_app_to_the_collector_alone()
    _Gunicorn(app, options).run()


def wsgi_app() -> Flask:
    """Gunicorn entry point for deployments: ``gunicorn 'server.wsgi_server:wsgi_app()'``."""
    from server.app import create_app

    app = create_app()
    leave_app_to_the_collector_alone()
    return app


def leave_app_to_the_collector_alone() -> None:
    """Freeze what exists now (the app, models, checklists, modules) out of the collector's walks.

    A server process builds the app once and keeps it, while a push allocates tens of thousands
    of objects, so collections run often and each full one walked all of it. Measured in-process
    on the ingest bench's pushes, three runs each: mean of per-push minima 39.5 → 38.0 ms, run
    means 40.7–46.3 → 39.3–40.6 ms (docs/performance.md). Where the master builds the app and
    forks (``wardwalk serve``), it also keeps collections from writing to pages workers share.
    """
    gc.freeze()
