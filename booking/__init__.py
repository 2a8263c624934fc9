"""Treffpunkt: room and resource booking for community centres."""

import os
import sys
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def site_folder(name: str) -> Path:
    """templates/, static/ or migrations/: the installed package's copy (booking/site/, made when
    the package is built) or else the checkout's own folder."""
    shipped = Path(__file__).resolve().parent / "site" / name
    return shipped if shipped.is_dir() else ROOT / name


def default_instance() -> Path:
    """instance/ in a checkout; for an installed package, <venv>/var/treffpunkt-instance (as
    Flask does), unless TREFFPUNKT_INSTANCE names the folder (production: /var/lib/treffpunkt)."""
    if (Path(__file__).resolve().parent / "site").is_dir():
        return Path(sys.prefix) / "var" / "treffpunkt-instance"
    return ROOT / "instance"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints and commands."""
    from . import audit, cli, decisions, freshness, i18n, notify, operations, web
    from .config import configure
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .sessions import throttle

    instance_path = (
        (test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("TREFFPUNKT_INSTANCE")
        or default_instance()
    )
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(site_folder("templates")),
        static_folder=str(site_folder("static")),
    )
    configure(app, test_config)

    db.init_app(app)
    audit.init_app(db.session)
    freshness.init_app(db.session)
    migrate.init_app(app, db, directory=str(site_folder("migrations")), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    throttle.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    operations.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    notify.init_app(app)
    decisions.init_app(app)
    return app
