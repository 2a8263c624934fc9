"""requests"""

from flask import Blueprint

bp = Blueprint("requests", __name__, url_prefix="/requests")

from . import views  # noqa: E402,F401
