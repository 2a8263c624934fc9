"""Logs an operator can use: one line per request and every error, each with its request id.

A request line names the method, the path without its query string (which may hold e-mail
addresses or search words), the status, the duration, the request id and the account's id:
never an e-mail address or a title. Plain text by default; one JSON object per line with
TREFFPUNKT_LOG_FORMAT=json. The request id comes from the proxy's X-Request-ID (nginx's
$request_id) when it looks like one, else it is made here, and goes back in the response.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("treffpunkt.requests")


class RequestContext(logging.Filter):
    """Give every record the request id (and account id) of the request it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", "-")
            record.user_id = getattr(record, "user_id", None) or _user_id()
        else:
            record.request_id = getattr(record, "request_id", "-")
            record.user_id = getattr(record, "user_id", None)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and for a request
    line its fields; a traceback as one string."""

    FIELDS = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _user_id() -> int | None:
    """The account's id if this request already loaded it: asking would cost a query.

    Read from the loaded row's identity, never from the database: a log line is written also
    after a failed transaction, or while the database does not answer.
    """
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    identity = getattr(state, "identity", None)
    return identity[0] if identity else None


def _begin() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if REQUEST_ID.match(offered) else uuid.uuid4().hex


def _finish(response):
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    user_id = _user_id()
    access_log.info(
        "%s %s %s %sms user=%s", request.method, request.path, response.status_code, duration, user_id or "-",
        extra={"method": request.method, "path": request.path, "status": response.status_code,
               "duration_ms": duration, "user_id": user_id},
    )
    return response


def configure_logging(app) -> None:
    """Send the app's records (and the request lines) to standard error in the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    handler.addFilter(RequestContext())
    for logger in (app.logger, access_log):
        for old in [h for h in logger.handlers if getattr(h, "treffpunkt", False)]:
            logger.removeHandler(old)
        handler.treffpunkt = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # Flask's own handler would write each record a second time, without the request id.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)


def init_app(app) -> None:
    configure_logging(app)
    app.before_request(_begin)
    app.after_request(_finish)
