"""The lobby display (by secret link, no login) and the manager's page for its screens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from . import bp, screens
from .. import freshness
from ..board import views as board
from ..board.present import Words
from ..clock import local, now
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import local_day
from ..models import Organisation, natural_key
from ..web import get_or_404, is_htmx, requires
from .forms import NameShownForm, ScreenForm
from .models import LobbyScreen

DAYS_AHEAD = 8  # how far the lobby looks for a room's next booking


@bp.get("/<screen_token>")
def display(screen_token: str):
    """Show today's and the next bookings per room, in large type, for a screen in the entrance."""
    screen = screens.find(db.session, screen_token)
    if screen is None:
        abort(404)
    at = now()
    house_today = local(at).date()
    wall = local(at)
    tag = freshness.etag("lobby", screen.id, "fragment" if is_htmx() else "page", *freshness.viewer(),
                         house_today.isoformat(), clock=f"{wall.hour:02d}{wall.minute // 5}")
    if (unchanged := freshness.not_modified(tag)) is not None:
        return unchanged
    resources = sorted(board.active_resources(), key=lambda r: natural_key(r.name))
    bookings = board.approved_on(house_today, days=DAYS_AHEAD)
    rooms = screens.rooms(resources, bookings, screens.names_shown(db.session), house_today, at, local_day)
    context = {
        "rooms": rooms,
        "day": house_today,
        "words": Words(house_today),
        "live_tag": tag if is_htmx() else freshness.etag(
            "lobby", screen.id, "fragment", *freshness.viewer(), house_today.isoformat(),
            clock=f"{wall.hour:02d}{wall.minute // 5}"),
        "live_url": url_for("lobby.display", screen_token=screen_token),
        "highlight": freshness.changed_since(),
    }
    if is_htmx():
        html = current_app.jinja_env.get_template("partials/_lobby.html").render(context)
    else:
        html = render_template("lobby/display.html", **context)
    response = freshness.tagged(html, tag)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the key: never pass it on
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _page(form=None, link: str | None = None, status: int = 200):
    listed = db.session.scalars(sa.select(LobbyScreen).order_by(LobbyScreen.name, LobbyScreen.id)).all()
    groups = db.session.scalars(
        sa.select(Organisation).where(Organisation.active).order_by(Organisation.name)
    ).all()
    return render_template(
        "lobby/screens.html", screens=listed, groups=groups, shown=screens.names_shown(db.session),
        form=form or ScreenForm(formdata=None), action=EmptyForm(formdata=None), link=link,
    ), status


@bp.get("/screens")
@requires("lobby.manage")
def manage():
    """List the lobby's screens and which groups show their name there."""
    return _page()


@bp.post("/screens")
@requires("lobby.manage")
def screen_new():
    """Add a screen and show its link once."""
    form = ScreenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    screen = LobbyScreen(name=form.name.data.strip())
    token = screens.issue(screen, now())
    db.session.add(screen)
    db.session.commit()
    return _page(link=url_for("lobby.display", screen_token=token, _external=True))


@bp.post("/screens/<int:screen_id>/renew")
@requires("lobby.manage")
def screen_renew(screen_id: int):
    """Give a screen a new link; the old one stops working at once."""
    screen = get_or_404(LobbyScreen, screen_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = screens.issue(screen, now())
    db.session.commit()
    return _page(link=url_for("lobby.display", screen_token=token, _external=True))


@bp.post("/screens/<int:screen_id>/revoke")
@requires("lobby.manage")
def screen_revoke(screen_id: int):
    """End a screen's link."""
    screen = get_or_404(LobbyScreen, screen_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    screens.revoke(screen)
    db.session.commit()
    flash(_("The link of “%(name)s” no longer works.", name=screen.name), "success")
    return redirect(url_for("lobby.manage"), 303)


@bp.post("/names/<int:organisation_id>")
@requires("lobby.manage")
def name_shown(organisation_id: int):
    """Show a group's name next to its bookings in the lobby, or only their titles."""
    organisation = get_or_404(Organisation, organisation_id)
    form = NameShownForm()
    if not form.validate_on_submit():
        abort(400)
    screens.set_name_shown(db.session, organisation.id, form.shown.data)
    db.session.commit()
    if form.shown.data:
        flash(_("The lobby shows the name of “%(name)s”.", name=organisation.name), "success")
    else:
        flash(_("The lobby shows only the titles of “%(name)s”.", name=organisation.name), "success")
    return redirect(url_for("lobby.manage"), 303)
