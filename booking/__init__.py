"""Treffpunkt: room and resource booking for community centres."""

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and commands."""
    from . import audit, cli, freshness, i18n, web
    from .config import configure
    from .extensions import csrf, db, limiter, login_manager, migrate

    instance_path = (
        (test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("TREFFPUNKT_INSTANCE")
        or ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, test_config)

    db.init_app(app)
    audit.init_app(db.session)
    freshness.init_app(db.session)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
