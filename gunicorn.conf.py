"""gunicorn's settings for Treffpunkt: `gunicorn --config /path/to/gunicorn.conf.py`.

Every value comes from the environment (the systemd unit's EnvironmentFile), with the
defaults below; see docs/operations.md. The app logs one line per request itself (method,
path, status, duration, request id, account id), so gunicorn's own access log is off unless
TREFFPUNKT_ACCESS_LOG names a file (or "-" for standard output).
"""

import os


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TREFFPUNKT_{name}") or default


def _number(name: str, default: int) -> int:
    value = _env(name, str(default))
    if not value.strip().isdigit() or int(value) < 1:
        raise SystemExit(f"Treffpunkt cannot start: TREFFPUNKT_{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


wsgi_app = "booking.wsgi:app"
bind = _env("BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = _number("WORKERS", 2)
threads = _number("THREADS", 4)
# A request that takes longer than this is cut off and its worker replaced; on a stop or a
# reload the workers get graceful_timeout seconds to finish what they are serving.
timeout = _number("TIMEOUT", 30)
graceful_timeout = _number("GRACEFUL_TIMEOUT", 20)
keepalive = 5
# Workers are replaced after this many requests (with some jitter): slow leaks stay small.
max_requests = _number("MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
accesslog = _env("ACCESS_LOG", "") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")
# The proxy in front (nginx on the same host) may set X-Forwarded-*; the app reads them only
# when TREFFPUNKT_TRUSTED_PROXIES says how many proxies to trust.
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = _env("PROC_NAME", "treffpunkt")
# gunicorn's control socket (for `gunicornc`) defaults to one path per user: two instances on
# one host would take each other's. Each gets its own in its instance folder, or the path
# TREFFPUNKT_CONTROL_SOCKET names ("off": none).
_instance = os.environ.get("TREFFPUNKT_INSTANCE")
_control = _env("CONTROL_SOCKET", os.path.join(_instance, "gunicorn.ctl") if _instance else "off")
if _control == "off":
    control_socket_disable = True
else:
    control_socket = _control


def post_fork(server, worker):
    """Tell the app how many processes serve it, so that it can insist on a shared
    throttling store when there are several (whatever --workers said on the command line)."""
    os.environ["TREFFPUNKT_WORKERS"] = str(server.cfg.workers)
