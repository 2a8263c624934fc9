"""Health for the operator and the load balancer, and a guard for a database not ready.

/healthz answers while the process runs (it touches no database): liveness.
/readyz answers 200 only when the database answers, its schema is at this version's newest
migration, and Redis answers when the login throttling uses it: readiness. Either says why not.

Every other request first makes sure the schema matches this version (once per process while
it does, again every few seconds while it does not). A database left behind by an upgrade, or
one that does not answer, gets a 503 page that says so, on every route, and the log names the
command to run; never a 500 and never a traceback in the browser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, g, render_template
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from ..extensions import db, login_manager

bp = Blueprint("operations", __name__)
RECHECK_SECONDS = 5
UPGRADE_COMMAND = "flask --app booking db upgrade"
NOT_GUARDED = {"operations.healthz", "operations.readyz", "static"}
PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@dataclass
class SchemaState:
    ready: bool
    reason: str  # for the operator: what is wrong and what to do
    unreachable: bool = False


def newest_revisions(app) -> set[str]:
    """The heads of the migrations this version ships, read once."""
    heads = app.extensions.get("treffpunkt_heads")
    if heads is None:
        directory = app.extensions["migrate"].directory
        heads = app.extensions["treffpunkt_heads"] = set(ScriptDirectory(directory).get_heads())
    return heads


def schema_state() -> SchemaState:
    """Ask the database (on a raw connection, outside the request's session) which migration it is at."""
    app = current_app._get_current_object()
    heads = newest_revisions(app)
    try:
        connection = db.engine.raw_connection()
    except Exception as error:  # the driver's own error when the pool cannot connect: not ready
        return SchemaState(False, f"the database does not answer: {_first_line(error)}", unreachable=True)
    try:
        cursor = connection.cursor()
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            current = {row[0] for row in cursor.fetchall()}
        except Exception:  # no table yet: the database was never set up
            current = set()
        finally:
            cursor.close()
        connection.rollback()
    finally:
        connection.close()
    if current == heads:
        return SchemaState(True, "")
    script = ScriptDirectory(app.extensions["migrate"].directory)
    known = {rev.revision for rev in script.walk_revisions()}
    if current and not current <= known:
        return SchemaState(False, f"the database is at migration {', '.join(sorted(current))}, which this version "
                                  f"does not know (newer software wrote it); install that version")
    at = ", ".join(sorted(current)) or "none (empty database)"
    return SchemaState(False, f"the database schema is at migration {at}, this version needs "
                              f"{', '.join(sorted(heads))}: run `{UPGRADE_COMMAND}`")


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return "ok\n", 200, PLAIN


@bp.get("/readyz")
def readyz():
    """Readiness: database reachable and up to date, and Redis when configured; else 503 and why."""
    problems = []
    state = schema_state()
    if not state.ready:
        problems.append(state.reason)
    store = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if store.startswith(("redis", "rediss")):
        problem = _redis_problem(store)
        if problem:
            problems.append(problem)
    if problems:
        return "not ready: " + "; ".join(problems) + "\n", 503, PLAIN
    return "ready\n", 200, PLAIN


def _redis_problem(uri: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(uri, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # any failure means "not ready"; the reason is reported
        return f"Redis does not answer at the RATELIMIT_STORAGE_URI: {_first_line(error)}"
    return None


def _guard():
    """Serve nothing from a database this version cannot use: 503 with a page that says so."""
    from flask import request

    if request.endpoint in NOT_GUARDED:
        return None
    app = current_app._get_current_object()
    cache = app.extensions.setdefault("treffpunkt_schema", {"ready": False, "checked": 0.0, "state": None})
    if cache["ready"]:
        return None
    if time.monotonic() - cache["checked"] >= RECHECK_SECONDS or cache["state"] is None:
        state = schema_state()
        cache.update(ready=state.ready, checked=time.monotonic(), state=state)
        if not state.ready:
            app.logger.error("Not serving requests: %s", state.reason)
    state = cache["state"]
    if state.ready:
        return None
    return unavailable(unreachable=state.unreachable)


def unavailable(unreachable: bool):
    """The 503 page: the house's server cannot use its database right now."""
    g._login_user = login_manager.anonymous_user()  # nothing on the page may ask the database
    if unreachable:
        message = _("Treffpunkt cannot reach its database right now. Nothing was saved. "
                    "Please try again in a few minutes.")
    else:
        message = _("Treffpunkt is being updated and will be back in a few minutes. Nothing was saved. "
                    "Please try again shortly.")
    page = render_template("operations/unavailable.html", message=message)
    return page, 503, {"Retry-After": "60", "Cache-Control": "no-store"}


def database_failed(error: DBAPIError):
    """A database that stopped answering in the middle of a request: roll back, say so, recheck."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is dropped below all the same
        pass
    db.session.remove()
    current_app.logger.error("The database failed during the request: %s", _first_line(error))
    current_app.extensions.setdefault("treffpunkt_schema", {})["ready"] = False
    current_app.extensions["treffpunkt_schema"].update(checked=0.0, state=None)
    return unavailable(unreachable=True)


def _foreign_host(error):
    """A Host header that is not the house's: 400, on a page built without any address."""
    return "Bad Request: this address is not served here.\n", 400, PLAIN


def init_app(app) -> None:
    from werkzeug.exceptions import SecurityError

    app.register_blueprint(bp)
    app.register_error_handler(SecurityError, _foreign_host)
    app.before_request(_guard)
    # A database that fails in the middle of a request is answered by web.py's one handler for
    # the database's refusals, which calls database_failed for everything but a full disk or a
    # lock that stayed busy.
