"""The occupancy board: who is where on one day."""

from . import bp
from ..web import requires


@bp.get("/")
@requires("board.view")
def day():
    """Show one day's approved bookings as a grid (stub until the board is built)."""
    return "board"
