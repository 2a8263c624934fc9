"""Managing resources (stub)."""

from . import bp
from ..web import requires


@bp.get("/resources/")
@requires("resource.manage")
def resources():
    """List resources."""
    return "resources"
