"""Flask extensions, created unbound here and attached to an app in ``create_app``."""

import sqlite3

from flask import has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from server import write_intent
from server.api.base import WardwalkApi
from server.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
api = WardwalkApi()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


# How long a writer queues for SQLite's write lock before the database answers "locked" (the
# request is then answered 503 server.busy, errors.py).
SQLITE_BUSY_TIMEOUT_MS = 10_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Make SQLite fit for a threaded server: WAL, a busy timeout, and enforced foreign keys.

    pysqlite's own transaction handling breaks SAVEPOINT (which sync needs per record), so it is
    switched off here and SQLAlchemy's ``begin`` emits the BEGIN itself (see below).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _wants_write_lock() -> bool:
    intent = write_intent.declared()
    if intent is not None:
        return intent
    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Begin a writing transaction with SQLite's write lock, so concurrent writers queue.

    In WAL mode readers never block writers, but a deferred transaction that read a snapshot and
    then writes fails at once (SQLITE_BUSY_SNAPSHOT) if another writer committed meanwhile.
    Requests that may write (every method but GET/HEAD/OPTIONS) therefore BEGIN IMMEDIATE and wait
    for the lock behind ``busy_timeout``; reads stay deferred and never hold the lock.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")
