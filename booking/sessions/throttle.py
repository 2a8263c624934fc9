"""Login throttling that holds across workers and spares the people who share an address.

Three counts, kept in the limiter's store (Redis in production, shared by every worker):

- per account (the e-mail address typed): every attempt counts the moment it arrives, so a
  burst of simultaneous guesses cannot slip past the count; a successful login clears it.
  After LOGIN_LIMIT_ACCOUNT (5 in 15 minutes) the account is refused for the rest of the
  window, the right password included.
- per client address: only failed attempts count, and the limit (LOGIN_LIMIT_ADDRESS, 100 in
  15 minutes) is far above what the typos of a house's café Wi-Fi add up to.
- a browser that has logged in to an account before carries a signed cookie saying so (a
  "known device"). Its attempts at that account are counted on their own (the same 5 in 15
  minutes) and are not refused for its address. So neither someone guessing at the manager's
  account nor a room full of others' typos locks the manager out of their own browser.

When the store cannot be reached, the limiter counts in memory per process and logs a
warning (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED, RATELIMIT_SWALLOW_ERRORS): a login never
fails because Redis is down.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from flask import current_app, request
from flask.logging import default_handler
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import limiter
from ..models import User

DEVICE_COOKIE = "treffpunkt_device"
DEVICE_DAYS = 180
MAX_ACCOUNTS_PER_DEVICE = 5  # a shared office computer: the desk, the manager, ...
KINDS = ("account:", "device:")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _tag(email: str) -> str:
    """The account, as the cookie names it: not the address itself."""
    return hashlib.sha256(User.normalise_email(email).encode()).hexdigest()[:32]


def _device() -> dict:
    """This browser's cookie: its id and the accounts it has logged in to; empty if none or forged."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw:
        return {}
    try:
        found = _signer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return {}
    return found if isinstance(found, dict) and isinstance(found.get("a"), list) else {}


def _typed_email() -> str:
    return User.normalise_email(request.form.get("email", ""))[:254]


def known_device() -> bool:
    """This browser has logged in to the account typed before."""
    return _tag(_typed_email()) in _device().get("a", [])


def account_key() -> str:
    """Whose attempts these are: the account typed, or this known browser at that account."""
    email = _typed_email()
    device = _device()
    if _tag(email) in device.get("a", []):
        return f"device:{device['d']}:{email}"
    return f"account:{email}"


def failed_attempt(response) -> bool:
    """Only a refused login (or password) counts towards the throttle."""
    return response.status_code == 422


def logged_in(response, email: str):
    """After a successful login: clear this account's count and let this browser be known."""
    for current in limiter.current_limits:
        if any(str(arg).startswith(KINDS) for arg in current.request_args):
            try:
                limiter.limiter.clear(current.limit, *current.request_args)
            except Exception:  # the store went away a moment ago: the count runs out by itself
                current_app.logger.warning("Could not clear the login count: the limiter's store is unreachable")
    device = _device()
    tags = [t for t in device.get("a", []) if t != _tag(email)]
    payload = {"d": device.get("d") or secrets.token_urlsafe(12),
               "a": [_tag(email), *tags][:MAX_ACCOUNTS_PER_DEVICE]}
    response.set_cookie(
        DEVICE_COOKIE, _signer().dumps(payload), max_age=DEVICE_DAYS * 86400, path="/login",
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response


def init_app(app) -> None:
    """Let the limiter's warnings reach the log, and warn if the counts are not shared."""
    log = logging.getLogger("flask-limiter")
    if all(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(default_handler)
    # One limiter object serves every app made in this process (the tests make many): each
    # new app starts with its own store taken as reachable.
    limiter._storage_dead = False
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory:") and not (
            app.config.get("DEVELOPMENT") or app.config.get("TESTING")):
        app.logger.warning("Login throttling counts in memory, per worker process: set RATELIMIT_STORAGE_URI "
                           "to a Redis server (redis://...) so that all workers share the counts.")
