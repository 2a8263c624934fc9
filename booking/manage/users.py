"""Managing users (stub)."""

from . import bp
from ..web import requires


@bp.get("/users/")
@requires("resource.manage")
def users():
    """List users."""
    return "users"
