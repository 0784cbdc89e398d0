"""Which database the suite runs on, and how each test gets a clean one.

`pytest` runs on SQLite (in memory); `pytest --db=postgres` starts a temporary PostgreSQL cluster
(tests/support/pgcluster.py) for the session, or uses TEST_DATABASE_URL when that already points
at a PostgreSQL server. On SQLite every test creates and drops the schema (cheap in memory); on
PostgreSQL the schema is created once and every table is emptied with one TRUNCATE after each test.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy

from config import TestingConfig
from tests.support.pgcluster import TemporaryCluster, find_bindir

_cluster: TemporaryCluster | None = None
_server_url: str | None = None  # a PostgreSQL URL whose server we may create databases on


def backend() -> str:
    """ "postgresql" or "sqlite": the database every test of this session runs on."""
    url = TestingConfig.SQLALCHEMY_DATABASE_URI
    return "postgresql" if url.startswith("postgres") else "sqlite"


def start_postgres(existing_url: str | None) -> str:
    """Point the suite at PostgreSQL: `existing_url` or a temporary cluster; returns the URL."""
    global _cluster, _server_url
    if existing_url and existing_url.startswith("postgres"):
        url = existing_url
    else:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(
                "--db=postgres needs PostgreSQL's server binaries (Debian: apt-get install "
                "postgresql), or TEST_DATABASE_URL pointing at a PostgreSQL database"
            )
        _cluster = TemporaryCluster(bindir).start()
        url = _cluster.create_database("overleg_test")
    _server_url = url
    TestingConfig.SQLALCHEMY_DATABASE_URI = url
    return url


def stop_postgres() -> None:
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None


def fresh_database_url(name: str, tmp_dir: Path) -> str:
    """An empty database of this session's kind, for tests that need their own (a file on SQLite).

    Use it for migrations, subprocesses (servers, CLI) and anything that must not share the
    suite's in-memory database.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,50}", name):
        raise ValueError(f"bad database name {name!r}")
    if backend() == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    assert _server_url is not None
    engine = sa.create_engine(_server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return sa.make_url(_server_url).set(database=name).render_as_string(hide_password=False)


def prepare_schema(db: SQLAlchemy) -> None:
    """Create the tables that do not exist yet."""
    db.create_all()


def clean(db: SQLAlchemy) -> None:
    """Leave an empty database for the next test."""
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        preparer = db.engine.dialect.identifier_preparer
        names = ", ".join(preparer.format_table(t) for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
            conn.execute(sa.text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    else:
        db.drop_all()
    db.engine.dispose()
