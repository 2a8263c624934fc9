"""Calendar feeds: the page to make, renew and revoke them, and the feeds themselves."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Response, abort, current_app, make_response, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired, Optional

from .. import freshness, policy
from ..clock import day_bounds, now, today
from ..content import translated
from ..extensions import db
from ..forms import EmptyForm, Form
from ..labels import STATUS
from ..lazytext import lazy_gettext as _l
from ..mail import language_of
from ..models import Organisation, Resource, Role
from ..web import get_or_404
from . import feeds
from .models import FeedKind, FeedToken
from .views import bp


class FeedForm(Form):
    """Make (or renew) one feed: which kind, and of which group or resource."""

    kind = StringField(_l("Feed"), validators=[InputRequired(), AnyOf([k.value for k in FeedKind])])
    organisation_id = IntegerField(validators=[Optional()])
    resource_id = IntegerField(validators=[Optional()])


def kinds_for(user) -> list[FeedKind]:
    """Which feeds an account may make: its group's, resources', and for managers the pending requests."""
    if user.role in policy.MANAGERS:
        return [FeedKind.PENDING, FeedKind.ORGANISATION, FeedKind.RESOURCE]
    if user.role == Role.PARTNER:
        return [FeedKind.ORGANISATION, FeedKind.RESOURCE]
    return [FeedKind.RESOURCE]


def _page(status: int = 200, new_url: str | None = None, new_id: int | None = None, form: FeedForm | None = None):
    live = db.session.scalars(
        sa.select(FeedToken).where(FeedToken.user_id == current_user.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.kind, FeedToken.id)
    ).all()
    resources = sorted(db.session.scalars(sa.select(Resource).where(Resource.active)).all(), key=lambda r: r.sort_key)
    organisations = (db.session.scalars(sa.select(Organisation).where(Organisation.active).order_by(Organisation.name)).all()
                     if current_user.role in policy.MANAGERS else [])
    response = make_response(render_template(
        "calendar/feeds.html", feeds=[f for f in live if feeds.may_have(current_user, f)], kinds=kinds_for(current_user),
        resources=resources, organisations=organisations, form=form or FeedForm(formdata=None),
        empty_form=EmptyForm(), new_url=new_url, new_id=new_id,
    ), status)
    response.headers["Cache-Control"] = "no-store"  # a new address is shown once
    return response


@bp.get("/feeds")
@login_required
def feed_list():
    """The account's calendar feeds: make, renew and revoke them."""
    return _page()


@bp.post("/feeds/new")
@login_required
def feed_new():
    """Make a feed (or a new address for it: the old one stops working)."""
    form = FeedForm()
    if not form.validate():
        return _page(422, form=form)
    kind = FeedKind(form.kind.data)
    if kind not in kinds_for(current_user):
        abort(403)
    organisation_id = resource_id = None
    if kind == FeedKind.ORGANISATION:
        organisation_id = form.organisation_id.data
        if current_user.role == Role.PARTNER:
            if organisation_id is not None and organisation_id != current_user.organisation_id:
                abort(404)  # another group's feed does not exist for a partner
            organisation_id = current_user.organisation_id
        found = db.session.get(Organisation, organisation_id) if organisation_id else None
        if found is None:
            abort(404)
    elif kind == FeedKind.RESOURCE:
        found = db.session.get(Resource, form.resource_id.data) if form.resource_id.data else None
        if found is None or not found.active:
            abort(404)
        resource_id = found.id
    feed, token = feeds.issue(db.session, current_user, kind, organisation_id=organisation_id,
                              resource_id=resource_id, at=now())
    db.session.commit()
    return _page(new_url=url_for("calendar.feed", feed_token=token, _external=True), new_id=feed.id)


@bp.post("/feeds/<int:feed_id>/revoke")
@login_required
def feed_revoke(feed_id: int):
    """Revoke a feed: its address answers 404 from now on."""
    feed = get_or_404(FeedToken, feed_id)
    if feed.user_id != current_user.id:
        abort(404)  # someone else's feed does not exist for this account
    if not EmptyForm().validate_on_submit():
        abort(400)
    if feed.revoked_at is None:
        feed.revoked_at = now()
        db.session.commit()
    return _page()


def _domain() -> str:
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or "treffpunkt"


@bp.get("/feed/<feed_token>.ics")
def feed(feed_token: str):
    """One feed as iCalendar; the token in the address is the permission. Answers 304 when unchanged."""
    found = feeds.find(db.session, feed_token)
    if found is None:
        abort(404)
    day = today()
    language = language_of(found.user)  # one the house speaks, whatever the row holds
    house = feeds.house_tag(found, house_version=freshness.version(), day=day, language=language, domain=_domain())
    held = next((t for t in request.if_none_match.as_set() if t.startswith(house + "-")), None)
    if held is not None:  # nothing in the house changed since this copy was sent
        return freshness.tagged(Response(status=304), held, vary="")
    bookings = feeds.bookings_for(db.session, found, day_bounds(day)[0])
    with force_locale(language):
        if found.kind == FeedKind.ORGANISATION:
            name = _("Treffpunkt: %(name)s", name=found.organisation.name)
        elif found.kind == FeedKind.RESOURCE:
            name = _("Treffpunkt: %(name)s", name=translated(found.resource, "name", language))
        else:
            name = _("Treffpunkt: requests to decide")
        # The house changed, but perhaps not this feed: then 304 all the same, with the new tag.
        content = feeds.fingerprint(found, bookings, name=name, domain=_domain(), language=language)
        tag = f"{house}-{content}"
        if any(t.endswith("-" + content) for t in request.if_none_match.as_set()):
            return freshness.tagged(Response(status=304), tag, vary="")
        body = feeds.calendar(
            found, bookings, name=name, domain=_domain(), language=language, busy_word=_("Booked"),
            describe=lambda b: f"{translated(b.resource, 'name', language)} · {STATUS[b.status]}",
        )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.set_etag(tag)
    return response


# Feed addresses carry their token: keep them out of the server's logs.
bp.record_once(lambda state: feeds.install_log_filter())
