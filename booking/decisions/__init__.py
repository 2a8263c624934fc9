"""The manager decides well: change a booking, offer another slot, decide competing requests
together; and the group's answer to an offer. Every step asks policy.can_decide."""

from flask import Blueprint

bp = Blueprint("decisions", __name__)

from . import views, answers  # noqa: E402,F401


def init_app(app) -> None:
    from .commands import offers_cli

    app.register_blueprint(bp)
    app.cli.add_command(offers_cli)
