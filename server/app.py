"""The application factory: no app exists at import time, tests and commands build their own."""

from __future__ import annotations

from typing import Any

from flask import Flask

from server.config import PROJECT_ROOT, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app in order: config → extensions → API → errors → headers → CLI → client."""
    app = Flask(__name__, instance_path=load_config(config)["INSTANCE_DIR"])

    # 1. Configuration: environment first, then the caller's overrides.
    app.config.from_mapping(load_config(config))
    app.json.ensure_ascii = False  # Chinese stays readable in responses and exports
    app.json.sort_keys = False
    # The embedded database's file and folder, private, before SQLite would create them 0644.
    from server.files import prepare_sqlite_file

    prepare_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if hops := app.config["TRUSTED_PROXIES"]:
        # The client's address (login limits) and scheme (HSTS) as the trusted proxies saw them.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # 2. Extensions, created unbound in server.extensions.
    from server import models  # noqa: F401  (registers every table on the metadata)
    from server.extensions import api, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    limiter.init_app(app)
    from server.limits import configure_login_limits

    configure_login_limits(app)
    from server.storage import LocalPhotoStorage

    app.extensions["photo_storage"] = LocalPhotoStorage(app.config["PHOTO_DIR"])
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})

    # 3. API blueprints under /api/v1; ``<id:…>`` in their URLs is a row id the columns can hold.
    from server.api.routes import register_blueprints
    from server.schemas.common import IdConverter

    app.url_map.converters["id"] = IdConverter
    register_blueprints(app)

    # 4. Error handlers: after the Api so that ours answer every HTTP error.
    from server.errors import register_error_handlers

    register_error_handlers(app)

    # 5. Security headers on every answer, errors included (server/headers.py).
    from server.headers import register_security_headers

    register_security_headers(app)

    # 6. Command line (`wardwalk …`).
    from server.cli import register_commands

    register_commands(app)

    # 7. The offline client, served as static files.
    from server.client import register_client

    register_client(app)
    return app
