"""Partner groups request and follow bookings (stub)."""

from . import bp
from ..web import requires


@bp.get("/")
@requires("request.list_own")
def mine():
    """List this organisation's requests."""
    return "mine"


@bp.get("/new")
@requires("request.create")
def new():
    return "new"
