"""Telling people what happened: the outbox, its messages, the worker that sends them, and the
pages for undelivered messages and e-mail settings."""

from __future__ import annotations

from flask import g
from flask_login import current_user


def _counts():
    """For the navigation: pending requests and undelivered messages (managers only, once a request)."""
    if "notify_counts" not in g:
        from .. import policy
        from ..clock import now
        from ..extensions import db
        from . import inbox

        if getattr(current_user, "is_authenticated", False) and current_user.role in policy.MANAGERS:
            from .. import freshness

            at = now()
            # Pending requests change only with the house (and as they run out): counted once per
            # version of the house and five minutes, for every manager's pages.
            key = ("pending requests", freshness.version(), int(at.timestamp() // 300))
            pending = int(freshness.kept().get(key, lambda: str(inbox.pending_requests(db.session, at))))
            g.notify_counts = (pending, inbox.undelivered(db.session))
        else:
            g.notify_counts = (0, 0)
    return g.notify_counts


def init_app(app) -> None:
    from . import commands
    from .views import bp

    app.register_blueprint(bp)
    commands.init_app(app)
    app.jinja_env.globals["notify_counts"] = _counts
