"""Migrations: one head, upgrade and downgrade step by step, and models that match the DDL."""

from __future__ import annotations

import pytest
from pytest_alembic import Config as AlembicTestConfig
from sqlalchemy import create_engine

from config import PROJECT_ROOT, TestingConfig
from overleg import create_app
from tests.support import databases


@pytest.fixture
def alembic_app(tmp_path):  # type: ignore[no-untyped-def]
    # Its own empty database (a file on SQLite, a new database on PostgreSQL), never the suite's.
    url = databases.fresh_database_url("overleg_migrations", tmp_path)
    app = create_app(
        {
            **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context():
        yield app


@pytest.fixture
def alembic_config():  # type: ignore[no-untyped-def]
    return AlembicTestConfig(
        config_options={
            "file": str(PROJECT_ROOT / "migrations" / "alembic.ini"),
            "script_location": str(PROJECT_ROOT / "migrations"),
        }
    )


@pytest.fixture
def alembic_engine(alembic_app):  # type: ignore[no-untyped-def]
    engine = create_engine(alembic_app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def test_single_head_revision(alembic_runner):  # type: ignore[no-untyped-def]
    assert len(alembic_runner.heads) == 1


def test_upgrade_to_head_and_down_to_base(alembic_runner):  # type: ignore[no-untyped-def]
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")


def test_up_down_consistency(alembic_runner):  # type: ignore[no-untyped-def]
    for revision in alembic_runner.history.revisions:
        alembic_runner.migrate_up_to(revision)
    for revision in reversed(alembic_runner.history.revisions):
        alembic_runner.migrate_down_to(revision)


def test_models_match_migrations(alembic_runner):  # type: ignore[no-untyped-def]
    from pytest_alembic.tests import test_model_definitions_match_ddl

    test_model_definitions_match_ddl(alembic_runner)
