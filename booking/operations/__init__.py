"""Running Treffpunkt in a house: settings checks, logs, health and the database guard."""


def init_app(app) -> None:
    """Request logs first (every other hook's records carry the request id), then the guard."""
    from . import health, logs

    logs.init_app(app)
    health.init_app(app)
