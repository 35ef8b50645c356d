"""Fixtures shared by every test: one database per run (SQLite or PostgreSQL), a fresh app per test.

``WARDWALK_TEST_DB=postgresql`` runs the same suite against a throwaway PostgreSQL cluster
started here (or ``WARDWALK_TEST_POSTGRES_URL`` if given). Under ``CI=true`` a PostgreSQL run that
cannot start its cluster fails instead of skipping, and so do tests that need a Redis when
``redis-server`` cannot start.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.app import create_app
from server.extensions import db, limiter
from server.models import Base, Department
from tests import factories
from tests.support.deployment import Instance, fresh_instance, set_up
from tests.support.postgres import PostgresUnavailable, create_database, start_cluster
from tests.support.redis import RedisUnavailable, start_redis

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# SIGTERM (scripts/test interrupted, a cancelled CI job) still stops the servers a run started.
pytest_plugins = ["tests.support.terminate"]


def pytest_runtest_setup(item):
    """Skip tests marked ``postgres_only`` on the SQLite run."""
    if item.get_closest_marker("postgres_only") and _backend() != "postgresql":
        pytest.skip("PostgreSQL run only (WARDWALK_TEST_DB=postgresql)")


def _backend() -> str:
    return os.environ.get("WARDWALK_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def backend() -> str:
    """Which database this run uses: ``sqlite`` (default) or ``postgresql``."""
    return _backend()


@pytest.fixture(scope="session")
def pg_cluster(backend):
    """The run's PostgreSQL cluster; None when ``WARDWALK_TEST_POSTGRES_URL`` names another."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL run only (WARDWALK_TEST_DB=postgresql)")
    if os.environ.get("WARDWALK_TEST_POSTGRES_URL"):
        yield None
        return
    try:
        cluster = start_cluster()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must run in CI: {exc}")
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_cluster_url(pg_cluster) -> str:
    """URL of the maintenance database of the run's PostgreSQL cluster."""
    return pg_cluster.url() if pg_cluster else os.environ["WARDWALK_TEST_POSTGRES_URL"]


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server for the run (limits shared by several workers and hosts)."""
    try:
        server = start_redis()
    except RedisUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"redis-server must run in CI: {exc}")
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The URL of an emptied Redis database, for this test alone."""
    import redis

    url = redis_server.url()
    with redis.Redis.from_url(url) as connection:
        connection.flushdb()
    return url


def fresh_database_url(backend: str, tmp_path: Path, pg_url: str | None, name: str) -> str:
    """Return the URL of a new, empty database called ``name``."""
    if backend == "postgresql":
        create_database(pg_url, name)
        return pg_url.rsplit("/", 1)[0] + f"/{name}"
    return f"sqlite:///{tmp_path / name}.db"


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory, request) -> str:
    """The run's test database, with every table created once."""
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    url = fresh_database_url(backend, tmp_path_factory.mktemp("db"), pg_url, "wardwalk_test")
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def _empty_tables(engine: sa.Engine) -> None:
    tables = Base.metadata.sorted_tables
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


def app_settings(database_url: str, root: Path) -> dict:
    """Config of a test app on ``database_url`` keeping its files under ``root``."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(root / "instance"),
        "PHOTO_DIR": str(root / "photos"),
        "SECRET_KEY": "test-secret",
        "CHECKLIST_DIR": str(PROJECT_ROOT / "checklists"),
        "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
    }


@contextmanager
def running_app(config: dict) -> Iterator:
    """Build an app from ``config`` and stay in its context; empty every table afterwards."""
    app = create_app(config)
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
        _empty_tables(db.engine)
        db.engine.dispose()


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Config for the test app; tests may change it before ``app`` is built."""
    return app_settings(database_url, tmp_path)


@pytest.fixture
def app(app_config):
    """A fresh app on the run's database; every table is emptied after the test."""
    with running_app(app_config) as app:
        yield app


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The test's database session.

    Test-client requests run inside the fixture's app context, so they share this session; a
    live server's threads have their own. Commit before reading what another thread wrote.
    """
    return db.session


@pytest.fixture
def hospital(session):
    """A hospital with one department and one location."""
    return factories.hospital(session)


@pytest.fixture
def make_user(session, hospital):
    """Create a user with roles in ``hospital`` and return ``(user, auth headers)``."""

    def make(*roles: str, **kwargs):
        user = factories.user(session, kwargs.pop("hospital", hospital), roles=roles, **kwargs)
        headers = factories.auth_headers(session, user)
        session.commit()
        return user, headers

    return make


_fresh_names = itertools.count(1)


@pytest.fixture
def empty_app(backend, tmp_path, request):
    """An app on a new, empty database (no tables): for migrations and ``wardwalk init``."""
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    url = fresh_database_url(backend, tmp_path, pg_url, f"wardwalk_empty_{next(_fresh_names)}")
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "SECRET_KEY": "test",
            "TESTING": True,
            "CHECKLIST_DIR": str(PROJECT_ROOT / "checklists"),
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def demo_template(backend, tmp_path_factory, request) -> Instance:
    """A database set up as a deployment (migrations, checklists, demo hospital), to ``clone``.

    For tests that serve the app with a real gunicorn (``tests/support/gunicorn.py``).
    """
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    directory = tmp_path_factory.mktemp("demo-template")
    return set_up(fresh_instance(directory, pg_url, "wardwalk_demo_template"))


@pytest.fixture
def new_instance(backend, tmp_path, request):
    """Make whole instances: ``new_instance(name)`` is an app on a new, empty database (no tables)
    with its own instance and photo folders under ``tmp_path / name``; push its context to use it.
    """
    pg_url = request.getfixturevalue("pg_cluster_url") if backend == "postgresql" else None
    made = []

    def make(name: str, **config):
        url = fresh_database_url(backend, tmp_path, pg_url, f"wardwalk_{name}_{next(_fresh_names)}")
        app = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_DIR": str(tmp_path / name / "instance"),
                "PHOTO_DIR": str(tmp_path / name / "photos"),
                "SECRET_KEY": "test",
                "TESTING": True,
                "CHECKLIST_DIR": str(PROJECT_ROOT / "checklists"),
                "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute",
                "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
                **config,
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def checklist_dir(tmp_path):
    """An empty folder for checklist files."""
    directory = tmp_path / "checklists"
    directory.mkdir()
    return directory


@pytest.fixture
def walk_checklist(app, session, checklist_dir):
    """The small test checklist (every item type, one record form), loaded as version 1."""
    import shutil

    from server.services.checklists import load_checklists

    shutil.copy(PROJECT_ROOT / "tests" / "data" / "walk.yaml", checklist_dir / "walk.yaml")
    app.config["CHECKLIST_DIR"] = str(checklist_dir)
    load_checklists(session, checklist_dir)
    session.commit()
    return checklist_dir


@pytest.fixture
def infection_control(app, session, checklist_dir):
    """The shipped infection-control checklist (its record forms and rules), loaded."""
    import shutil

    from server.services.checklists import load_checklists

    name = "infection-control.yaml"
    shutil.copy(PROJECT_ROOT / "checklists" / name, checklist_dir / name)
    app.config["CHECKLIST_DIR"] = str(checklist_dir)
    load_checklists(session, checklist_dir)
    session.commit()
    return checklist_dir


@pytest.fixture
def general_affairs(session, hospital) -> Department:
    """The hospital's department responsible for every item of the walk checklist."""
    return session.scalars(
        sa.select(Department).where(
            Department.hospital_id == hospital.id, Department.code == "general_affairs"
        )
    ).one()


@pytest.fixture
def inspector(make_user, walk_checklist):
    """An inspector of ``hospital`` with the walk checklist loaded: ``(user, headers)``."""
    return make_user("inspector")


@pytest.fixture
def place(session, hospital):
    """A location of ``hospital`` where inspections happen."""
    from sqlalchemy import select

    from server.models import Location

    return session.scalars(select(Location).where(Location.hospital_id == hospital.id)).first()


class LiveServer:
    """A real threaded WSGI server on a loopback port; ``stop()`` and ``start()`` take it down
    and bring it back on the same port (a server that phones cannot reach for a while)."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve (again) on the port."""
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving: connections are refused until ``start()``."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server_control(app):
    """The live server itself, to stop and start it."""
    server = LiveServer(app)
    yield server
    if server.thread.is_alive():
        server.stop()


@pytest.fixture
def live_server(live_server_control):
    """The test app served by a real threaded WSGI server on a free loopback port."""
    return live_server_control.url
