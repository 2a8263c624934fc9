"""Checks on the settings before the app serves anyone: each wrong or missing setting stops
the start with one line that names it (as the environment variable an administrator sets).

Outside development (TREFFPUNKT_DEVELOPMENT unset) a real house is assumed: SECRET_KEY and
PUBLIC_URL must be given, the Host header is checked against PUBLIC_URL, and more than one
process needs a shared store for the login throttling.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PREFIX = "TREFFPUNKT_"
SHARED_STORES = ("redis://", "rediss://", "redis+unix://", "redis+sentinel://", "redis+cluster://", "memcached://")
LOG_FORMATS = ("text", "json")
MIN_SECRET_KEY_LENGTH = 32

# Whole numbers and their smallest allowed value.
NUMBERS = {
    "MAIL_PORT": 1,
    "MAIL_TIMEOUT": 1,
    "TRUSTED_PROXIES": 0,
    "INVITATION_DAYS": 1,
    "RESET_HOURS": 1,
    "QUEUE_PAGE_SIZE": 1,
    "MIN_NOTICE_HOURS": 0,
    "HORIZON_DAYS": 1,
    "BACKUP_KEEP": 1,
    "RETENTION_MONTHS": 1,
    "OUTBOX_KEEP_DAYS": 1,
    "OFFER_DAYS": 1,
    "WORKERS": 1,
    "KEPT_FRAGMENTS": 0,
}
SWITCHES = ("MAIL_USE_TLS", "MAIL_USE_SSL", "DEVELOPMENT")
LIMITS = ("LOGIN_LIMIT_ACCOUNT", "LOGIN_LIMIT_ADDRESS", "RESET_LIMIT_ADDRESS", "RESET_LIMIT_ACCOUNT")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


class ConfigurationError(SystemExit):
    """A setting is missing or malformed. A SystemExit, so that `flask` and gunicorn (through
    booking.wsgi) stop with the one line, not a traceback."""

    def __init__(self, setting: str, problem: str):
        self.setting = setting
        super().__init__(f"Treffpunkt cannot start: {PREFIX}{setting} {problem}")

    def __str__(self) -> str:
        return str(self.code)


def development(config) -> bool:
    return bool(config.get("DEVELOPMENT")) or bool(config.get("TESTING"))


def check(config) -> None:
    """Bring each known setting to its type, or stop; then what a real house needs."""
    for name, smallest in NUMBERS.items():
        if name in config:
            config[name] = _number(name, config[name], smallest)
    for name in SWITCHES:
        if name in config:
            config[name] = _switch(name, config[name])
    for name in LIMITS:
        if name in config:
            _limit(name, config[name])
    if config.get("MAIL_USE_SSL") and config.get("MAIL_USE_TLS"):
        raise ConfigurationError("MAIL_USE_SSL", "and MAIL_USE_TLS exclude each other: implicit TLS (port 465) "
                                 "or STARTTLS (port 587); set TREFFPUNKT_MAIL_USE_TLS=false")
    log_format = str(config.get("LOG_FORMAT", "text")).lower()
    if log_format not in LOG_FORMATS:
        raise ConfigurationError("LOG_FORMAT", f"must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    config["LOG_FORMAT"] = log_format
    store = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not store.startswith(("memory://", *SHARED_STORES)):
        raise ConfigurationError("RATELIMIT_STORAGE_URI", f"must be memory:// or a redis:// address, not {store!r}")
    try:
        make_url(config["SQLALCHEMY_DATABASE_URI"])
    except ArgumentError:
        raise ConfigurationError("DATABASE_URL", "is not a database address "
                                 "(postgresql://user@host/database or sqlite:////path/file.sqlite)") from None
    config["TRUSTED_HOSTS"] = _host_list(config.get("TRUSTED_HOSTS"))
    if config.get("PUBLIC_URL"):
        config["PUBLIC_URL"] = _public_url(str(config["PUBLIC_URL"]))
    if not development(config):
        _check_production(config, store)


def _check_production(config, store: str) -> None:
    secret = config.get("SECRET_KEY")
    if not secret:
        raise ConfigurationError("SECRET_KEY", "is not set: every instance of the house needs the same long "
                                 "random value (python3 -c 'import secrets; print(secrets.token_hex(32))')")
    if len(str(secret)) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError("SECRET_KEY", f"is too short: at least {MIN_SECRET_KEY_LENGTH} characters")
    if not config.get("PUBLIC_URL"):
        raise ConfigurationError("PUBLIC_URL", "is not set: the address people use, e.g. https://treffpunkt.example.org "
                                 "(links in e-mails point there, and only that host is served)")
    # Only requests for the house's own address are answered: a foreign Host gets 400, so no
    # page or link is ever built from a name an attacker sent.
    public_host = urlsplit(config["PUBLIC_URL"]).hostname
    config["TRUSTED_HOSTS"] = [public_host, *(h for h in config["TRUSTED_HOSTS"] or () if h != public_host)]
    if int(config.get("WORKERS", 1)) > 1 and store.startswith("memory://"):
        raise ConfigurationError("RATELIMIT_STORAGE_URI", f"is needed with {config['WORKERS']} worker processes: "
                                 "login throttling must count in one shared store (redis://127.0.0.1:6379/0), "
                                 "or run TREFFPUNKT_WORKERS=1")


def _number(name: str, value, smallest: int) -> int:
    if isinstance(value, bool):
        raise ConfigurationError(name, f"must be a whole number, not {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigurationError(name, f"must be a whole number, not {value!r}") from None
    if number < smallest:
        raise ConfigurationError(name, f"must be at least {smallest}, not {number}")
    return number


def _switch(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(name, f"must be true or false, not {value!r}")


def _limit(name: str, value) -> None:
    try:
        parse_many(str(value))
    except ValueError:
        raise ConfigurationError(name, f"must be a rate such as '5 per 15 minutes', not {value!r}") from None


def _host_list(value) -> list[str] | None:
    """Host names from a list or a comma-separated string; None when none are given."""
    if not value:
        return None
    items = value.split(",") if isinstance(value, str) else value
    hosts = [str(item).strip().lower() for item in items if str(item).strip()]
    for host in hosts:
        if "/" in host or " " in host:
            raise ConfigurationError("TRUSTED_HOSTS", f"must be host names separated by commas, not {host!r}")
    return hosts or None


def _public_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError("PUBLIC_URL", f"must be an address such as https://treffpunkt.example.org, not {value!r}")
    if parts.path not in ("", "/"):
        raise ConfigurationError("PUBLIC_URL", f"must be the site's root address without a path, not {value!r}")
    try:
        parts.port
    except ValueError:
        raise ConfigurationError("PUBLIC_URL", f"has a malformed port: {value!r}") from None
    return f"{parts.scheme}://{parts.netloc}"
