"""The lobby display: a read-only screen in the entrance, opened by a secret link."""

from flask import Blueprint

bp = Blueprint("lobby", __name__, url_prefix="/lobby")

from . import views  # noqa: E402,F401
