"""Settings read from the environment, with an embedded default that needs no set-up.

The default is a SQLite file and a photo folder under ``instance/``; PostgreSQL and other folders
are chosen with ``DATABASE_URL`` and ``PHOTO_DIR``. The secret key is generated once into
``instance/secret_key`` so that a fresh clone runs without configuration but restarts keep it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from server.files import write_private_text

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    return Path(os.environ.get("WARDWALK_INSTANCE_DIR", PROJECT_ROOT / "instance")).resolve()


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into the instance folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        write_private_text(path, secrets.token_hex(32))
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` / ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply ``overrides``."""
    overrides = dict(overrides or {})
    instance = Path(overrides.pop("INSTANCE_DIR", None) or _instance_dir())
    database_url = overrides.pop("DATABASE_URL", None) or os.environ.get(
        "DATABASE_URL", f"sqlite:///{instance / 'wardwalk.db'}"
    )
    config: dict[str, Any] = {
        "INSTANCE_DIR": str(instance),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PHOTO_DIR": os.environ.get("PHOTO_DIR", str(instance / "photos")),
        "HOSPITAL_TZ": os.environ.get("HOSPITAL_TZ", "Asia/Shanghai"),
        "CHECKLIST_DIR": os.environ.get("CHECKLIST_DIR", str(PROJECT_ROOT / "checklists")),
        "CLIENT_DIR": os.environ.get("CLIENT_DIR", str(PROJECT_ROOT / "client")),
        "TOKEN_TTL_HOURS": _int("TOKEN_TTL_HOURS", 24 * 30),
        # Login limits (server/limits.py, figures justified in docs/security.md) and where they
        # are counted: memory is right only for one process; with WEB_WORKERS > 1 use Redis.
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "100 per 15 minutes"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STRATEGY": "moving-window",
        # Storage errors as limits.errors.StorageError; Redis that does not answer is given up on
        # within seconds instead of holding the login (memory storage ignores the timeouts).
        "RATELIMIT_STORAGE_OPTIONS": {
            "wrap_exceptions": True,
            "socket_connect_timeout": 2,
            "socket_timeout": 2,
        },
        "WEB_WORKERS": _int("WEB_WORKERS", 1),
        # How many reverse proxies in front set X-Forwarded-For/-Proto (0: trust no such header).
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "SYNC_MAX_BYTES": _int("SYNC_MAX_BYTES", 5 * 1024 * 1024),
        "SYNC_MAX_RECORDS": _int("SYNC_MAX_RECORDS", 500),
        "PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 15 * 1024 * 1024),
        "PHOTO_MAX_PIXELS": _int("PHOTO_MAX_PIXELS", 50_000_000),
        "PHOTO_MAX_EDGE": _int("PHOTO_MAX_EDGE", 2048),
        "PHOTO_THUMB_EDGE": _int("PHOTO_THUMB_EDGE", 320),
        "NOTIFY_CHANNELS": os.environ.get("NOTIFY_CHANNELS", ""),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "wardwalk@localhost"),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "0") == "1",
        "REMIND_BEFORE_HOURS": _int("REMIND_BEFORE_HOURS", 24),
        "ESCALATE_AFTER_DAYS": _int("ESCALATE_AFTER_DAYS", 3),
        "ESCALATE_TO_LEADERSHIP_AFTER_DAYS": _int("ESCALATE_TO_LEADERSHIP_AFTER_DAYS", 7),
        # The app's address as people open it (https://wardwalk.example.org): links in e-mails
        # and chat messages point into it; without it, messages carry no link.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        "COVERAGE_DAYS": _int("COVERAGE_DAYS", 14),
        "WARDWALK_SCHEDULER": os.environ.get("WARDWALK_SCHEDULER", "embedded"),
        "DEMO_PASSWORD": os.environ.get("WARDWALK_DEMO_PASSWORD"),
        "AUTO_MIGRATE": os.environ.get("WARDWALK_AUTO_MIGRATE", "1") == "1",
        # Where pg_dump / pg_restore live (backup and restore); default: the newest installed.
        "PG_BINDIR": os.environ.get("PG_BINDIR") or None,
        # flask-smorest / OpenAPI
        "API_TITLE": "Wardwalk API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance)
    return config
