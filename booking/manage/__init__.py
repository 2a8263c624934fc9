"""manage"""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

from . import queue, resources, organisations, users, closures, hours, series, changes  # noqa: E402,F401
