"""The garden season round: a season with an application window, allocation, a waiting list."""

from flask import Blueprint

bp = Blueprint("garden", __name__, url_prefix="/garden")

from . import views  # noqa: E402,F401
