"""Fixtures for tests that run the application in other processes (gunicorn, the CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from config import TestingConfig
from overleg import create_app
from overleg.directory.reference_data import ensure_reference_data
from overleg.extensions import db
from tests.conftest import World, build_world
from tests.support import databases


def settings_for(database_url: str) -> dict[str, Any]:
    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = database_url
    return settings


@dataclass
class SharedDatabase:
    """A database on disk (or a PostgreSQL database) that other processes open too."""

    url: str
    app: Flask  # an app on it, for seeding and for reading what the other processes did
    world: World


@pytest.fixture
def shared_db(tmp_path: Path) -> Iterator[SharedDatabase]:
    url = databases.fresh_database_url("overleg_shared", tmp_path)
    app = create_app(settings_for(url))
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        world = build_world()
        db.session.commit()
        yield SharedDatabase(url, app, world)
        db.session.remove()
        db.engine.dispose()
