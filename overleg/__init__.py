"""overleg: the meeting manager for the Flemish lokaal woonoverleg."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from config import (
    INSTANCE_DIR,
    PROJECT_ROOT,
    Config,
    ProductionConfig,
    check_production_base_url,
    check_production_secret,
)
from config import config_from_environment as _config_from_environment
from overleg.extensions import babel, cache, csrf, db, login_manager, migrate
from overleg.web import errors, log_filters, safety, security
from overleg.web.application import Application


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL, a busy timeout and enforced foreign keys on every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(config: type[Config] | Mapping[str, Any] | None = None) -> Flask:
    """The application factory.

    `config` is a config class, or a mapping of overrides applied on top of the configuration
    chosen by OVERLEG_ENV (as the Flask tutorial does for tests).
    """
    app = Application(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    config_class = config if isinstance(config, type) else _config_from_environment()
    app.config.from_object(config_class)
    if config and not isinstance(config, type):
        app.config.update(config)
    if issubclass(config_class, ProductionConfig):
        check_production_secret(app.config["SECRET_KEY"])
        check_production_base_url(app.config["BASE_URL"])
    INSTANCE_DIR.mkdir(exist_ok=True)

    if app.config.get("PROXY_FIX_HOPS"):
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # as Flask documents it

    _init_extensions(app)
    _register_blueprints(app)
    errors.init_app(app)
    security.init_app(app)
    safety.init_app(app)
    log_filters.init_app(app)

    from overleg import cli

    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from overleg.auth import permissions
    from overleg.models import labels, revision
    from overleg.web import i18n

    db.init_app(app)
    revision.track_changes()
    cache.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=lambda: "Europe/Brussels",
    )
    i18n.init_app(app)
    permissions.init_app(app)
    app.jinja_env.globals["status_label"] = labels.label


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids beyond a database integer are not found (404), not a 500."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    # One blueprint per feature; a new feature adds its module here.
    from overleg import (
        account,
        api,
        audit,
        auth,
        dashboard,
        dataio,
        directory,
        documents,
        feeds,
        mail,
        meetings,
        minutes,
        planning,
        platforms,
    )
    from overleg.auth import user_views

    for feature in (
        dashboard,
        auth,
        user_views,
        audit,
        directory,
        meetings,
        minutes,
        documents,
        planning,
        feeds,
        mail,
        api,
        dataio,
        platforms,
        account,
    ):
        app.register_blueprint(feature.bp)
