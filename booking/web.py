"""What every request shares: blueprints, login, errors, headers and fragment rendering."""

from functools import wraps

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from . import database, policy
from .extensions import db, login_manager
from .lazytext import lazy_gettext as _l
from .models import User
from .sessions.views import account_of


def is_htmx() -> bool:
    """True when htmx asks for a fragment (and not for a history restore of a full page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(page_template: str, partial_template: str, status: int = 200, **context):
    """Render the whole page, or only its partial when htmx asks; the page includes the partial."""
    template = partial_template if is_htmx() else page_template
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def requires(action: str):
    """Let the view run only for logged-in users whose role may do `action`; else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not policy.allowed(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The account of a session, unless it was logged out or its sessions were ended since (password,
    deactivation)."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = account_of(int(user_id))  # None once this session was logged out
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    """Send a logged-out visitor to the login page and back; htmx follows with a full page load."""
    target = request.full_path.rstrip("?")
    if is_htmx():
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        target = (current.path or "/") + (f"?{current.query}" if current.query else "")
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=target)
        return response
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=target))


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _may_write():
    """A request that may change something begins its transactions with the write lock (SQLite).

    Only a GET, HEAD or OPTIONS reads alone; everything else may write, from its first query
    on, so that it never reads a snapshot that another request's commit makes stale.
    """
    if request.method in SAFE_METHODS:
        return
    g.may_write = database.may_write(True, until_commit=True)
    database.lock_begun_reads(db.session)


def _done_writing(exc=None) -> None:
    tokens = g.pop("may_write", None)
    if tokens is not None:
        database.restore(tokens)
        database.release_write_lock(db.session)


def error_page(template: str, status: int, **context):
    """Render an error page on a clean session, reading only.

    Whatever failed is rolled back first (a failed flush would refuse every query after it).
    Should reading fail even so, the page is shown as to a visitor who is not logged in.
    """
    database.may_write(False)  # undone with the request's own setting at its end
    try:
        db.session.rollback()
        body = render_template(template, **context)
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("The error page could not read the database")
        db.session.remove()
        g._login_user = login_manager.anonymous_user()
        body = render_template(template, **context)
    return body, status, {"Vary": "HX-Request"}


def _error(error):
    template = "partials/_error.html" if is_htmx() else "error.html"
    return error_page(template, error.code, error=error)


def _database_refused(error: sa.exc.DBAPIError):
    """The database failed the request; nothing was saved, and the answer is a 503 either way.

    It could not save now (its disk is full, or it stayed busy too long): the page says so, and
    the same request works again once it can. It does not answer at all, or its schema is not
    this version's: the operations page (see operations/health.py), and the schema is checked
    again before the next request.
    """
    if database.is_disk_full(error):
        message = _("Nothing was saved. Please try again later, and tell the house if it keeps happening.")
        wait = 60
    elif database.is_busy(error):
        message = _("Nothing was saved. Please try again in a moment.")
        wait = 5
    else:
        from .operations.health import database_failed

        return database_failed(error)
    try:
        db.session.rollback()  # before anything (the log's account id, the page) reads
    except sa.exc.SQLAlchemyError:
        db.session.remove()
    current_app.logger.warning("%s %s: nothing saved, the database refused: %s", request.method, request.path,
                               error.orig)
    refused = ServiceUnavailable()
    if is_htmx():
        body, status, headers = error_page("partials/_error.html", 503, error=refused, message=message)
        # Shown where the page's messages are, whatever the request would have replaced.
        headers.update({"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML show:top"})
    else:
        body, status, headers = error_page("error.html", 503, error=refused, message=message)
    return body, status, {**headers, "Retry-After": str(wait)}


def _form_page() -> str:
    """Where the refused form came from, if that was a page of this site; else the start page."""
    from .auth import safe_next

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("auth.index")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path) or url_for("auth.index")


def _csrf_refused(error: CSRFError):
    """A form without a valid token (left open too long, or sent from elsewhere): nothing is saved.

    The person is led back to a working form: htmx reloads the page it is on, with a fresh
    token and this message; a plain form gets a page with a link back to it.
    """
    message = _("The form was open for a long time and has expired. Nothing was saved: please fill it in again.")
    if is_htmx():
        flash(message, "warning")
        response = make_response(error_page("partials/_error.html", 400, error=error))
        response.headers["HX-Refresh"] = "true"
        return response
    return error_page("error.html", 400, error=error, message=message, back=_form_page())


# How long browsers remember to reach the house over HTTPS only: a year.
HSTS_SECONDS = 365 * 24 * 3600


def _security_headers(response):
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        # Pages, fragments, redirects and errors: personal data or a form token, for this visitor
        # only. Neither the browser nor a proxy keeps a copy (a shared computer's back button).
        response.headers["Cache-Control"] = "no-store"
    if not current_app.config.get("DEVELOPMENT"):
        # Outside a developer's machine the house is served over HTTPS only: browsers keep to it.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
    return response


def init_app(app) -> None:
    from . import database  # noqa: F401  (registers the SQLite connection settings)
    from . import labels
    from .account_views import bp as account_bp
    from .auth import bp as auth_bp
    from .board import bp as board_bp
    from .lobby import bp as lobby_bp
    from .calendar.views import bp as calendar_bp
    from .desk import views_keys as _desk_keys  # noqa: F401  (its routes join the desk's blueprint)
    from .desk.views import bp as desk_bp
    from .manage import bp as manage_bp
    from .privacy.views import bp as privacy_bp
    from .reports.views import bp as reports_bp
    from .requests import bp as requests_bp
    from .sessions.views import bp as sessions_bp

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    app.register_blueprint(auth_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(sessions_bp)
    app.register_blueprint(lobby_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(desk_bp)
    from .garden.views import bp as garden_bp
    from .garden.commands import garden_cli
    app.register_blueprint(garden_bp)
    app.cli.add_command(garden_cli)
    app.register_blueprint(reports_bp)

    for code in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, _error)
    app.register_error_handler(sa.exc.OperationalError, _database_refused)
    app.register_error_handler(sa.exc.InterfaceError, _database_refused)
    app.before_request(_may_write)
    app.teardown_request(_done_writing)
    app.register_error_handler(CSRFError, _csrf_refused)
    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy: the visitor's address and scheme come from its headers.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.after_request(_security_headers)
    app.jinja_env.globals["policy"] = policy
    labels.init_app(app)
