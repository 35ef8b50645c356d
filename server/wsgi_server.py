"""Run the app under gunicorn from Python, so ``wardwalk serve`` is one command everywhere."""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


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


def run_gunicorn(app: Flask, *, bind: str, workers: int = 1, threads: int = 8) -> None:
    """Serve ``app`` until interrupted."""
    _Gunicorn(
        app,
        {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": "-",
            "timeout": 60,
            "graceful_timeout": 10,
        },
    ).run()


def wsgi_app() -> Flask:
    """Gunicorn entry point for deployments: ``gunicorn 'server.wsgi_server:wsgi_app()'``."""
    from server.app import create_app

    return create_app()
