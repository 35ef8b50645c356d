"""Flask extensions, created unbound here and attached to an app in ``create_app``."""

import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine

from server.api.base import WardwalkApi
from server.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
api = WardwalkApi()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


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
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Take SQLite's write lock at BEGIN, so concurrent writers wait instead of failing.

    A deferred transaction that reads and then writes cannot wait for the lock (SQLITE_BUSY at
    once); BEGIN IMMEDIATE queues writers behind ``busy_timeout`` instead.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
