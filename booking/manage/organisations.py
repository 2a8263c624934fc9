"""Managing organisations (stub)."""

from . import bp
from ..web import requires


@bp.get("/organisations/")
@requires("resource.manage")
def organisations():
    """List organisations."""
    return "organisations"
