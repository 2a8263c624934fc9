"""The manager decides well: change a booking, offer another slot, decide competing requests
together; and the group's answer to an offer. Every step asks policy.can_decide."""

from flask import Blueprint

bp = Blueprint("decisions", __name__)


def init_app(app) -> None:
    # The views import the request pages' helpers, which import the offers: loaded here, once
    # every package is importable, so neither side depends on the order of imports.
    from . import answers, views  # noqa: F401  (their routes)
    from .commands import offers_cli

    app.register_blueprint(bp)
    app.cli.add_command(offers_cli)
