"""The manager's queue of pending requests (stub)."""

from . import bp
from ..web import requires


@bp.get("/queue")
@requires("queue.view")
def queue():
    """List pending requests."""
    return "queue"
