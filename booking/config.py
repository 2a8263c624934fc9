"""Settings: defaults here, then instance/config.py, then the environment."""

import os
import secrets
from pathlib import Path

from .operations import settings


class Defaults:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en", "ar", "fa", "uk", "tr", "ru")
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a form's token lasts a working day; after that the form is refreshed
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app (e.g. 1 for nginx), for addresses and HTTPS
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Login throttling (docs/security.md): per account, and failed attempts per address.
    # Production: Redis, which every worker shares; if it is unreachable, counts fall back to
    # memory with a warning in the log, and logins go on.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_ADDRESS = "100 per 15 minutes"
    # Live pages (board, week, month) rendered per version of the house and kept, per process
    # (booking/freshness.py); 0 renders every request.
    KEPT_FRAGMENTS = 64
    LOGIN_SESSION_DAYS = 30  # a login lasts at most this long; logging out ends it at once
    # E-mail: with MAIL_SERVER unset, every message is written to instance/outbox/ as an .eml file.
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Treffpunkt <treffpunkt@localhost>"
    MAIL_TIMEOUT = 10  # seconds to wait for the mail server
    # The site's address as people reach it (e.g. "https://treffpunkt.example.org"), for the
    # links in e-mails; unset, links name the host the request came to.
    PUBLIC_URL = ""
    INVITATION_DAYS = 7
    RESET_HOURS = 2
    # Requests for a reset link: per address, and per e-mail address typed.
    RESET_LIMIT_ADDRESS = "5 per 15 minutes"
    RESET_LIMIT_ACCOUNT = "3 per hour"
    PASSWORD_HASH_METHOD = "scrypt"
    QUEUE_PAGE_SIZE = 50
    # Partner groups request at least this long ahead, and at most this far ahead.
    MIN_NOTICE_HOURS = 48
    HORIZON_DAYS = 180
    MAIL_USE_SSL = False  # implicit TLS (port 465) instead of STARTTLS
    # The outbox worker: a pass every few seconds, a batch at a time; a failed attempt is tried
    # again after 1, 2, 4 … minutes (at most an hour apart), until the attempts are used up.
    OUTBOX_POLL_SECONDS = 5
    OUTBOX_BATCH = 100
    OUTBOX_RETRY_SECONDS = 60
    OUTBOX_RETRY_MAX_SECONDS = 3600
    OUTBOX_MAX_ATTEMPTS = 10
    REMINDER_HOURS = 24  # the group is reminded this long before each approved booking
    OFFER_DAYS = 3  # a counter-offer waits this many days for the group's answer
    DIGEST_HOUR = 7  # daily summaries go out from this hour (house time) on
    BACKUP_KEEP = 14  # `flask backup` keeps this many copies in instance/backups/
    # Data protection (docs/privacy.md): accounts and groups inactive this long are erased by
    # `flask retention run`; e-mails sent (or given up) this many days ago are deleted.
    RETENTION_MONTHS = 24
    OUTBOX_KEEP_DAYS = 90
    PRIVACY_CONTACT = ""  # who answers questions about data, shown on /datenschutz (e.g. an address)
    # Operations (docs/operations.md): implicit TLS for mail on port 465, the log's format,
    # host names served besides PUBLIC_URL's, and the worker processes gunicorn runs (set by
    # the shipped gunicorn.conf.py; more than one needs a shared RATELIMIT_STORAGE_URI).
    MAIL_USE_SSL = False
    LOG_FORMAT = "text"
    TRUSTED_HOSTS = None
    WORKERS = 1


def database_url(value: str) -> str:
    """Point postgres:// and postgresql:// URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


def load_secret_key(instance: Path) -> str:
    """Read the secret key from instance/secret_key, generating it on first run."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def configure(app, test_config: dict | None) -> None:
    """Fill app.config in order: defaults, instance/config.py, environment, test_config."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'treffpunkt.sqlite'}"
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "TRUSTED_PROXIES"):
            if os.environ.get(key):
                app.config[key] = os.environ[key]
        # Every setting as TREFFPUNKT_<NAME> (TREFFPUNKT_MAIL_SERVER, ...), read as text and
        # brought to its type by settings.check(); TREFFPUNKT_INSTANCE names the folder itself.
        app.config.from_prefixed_env("TREFFPUNKT", loads=str)
        app.config.pop("INSTANCE", None)
    else:
        app.config.from_mapping(test_config)
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    settings.check(app.config)  # stops the start with one line naming a wrong or missing setting
    # Cookies travel only over HTTPS, except on a developer's own machine.
    secure = not app.config.get("DEVELOPMENT", False)
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance)
