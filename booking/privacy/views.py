"""The privacy page, and the pages to see and download what the house holds about a person or
a group. Erasing: erasing.py (the house's managers only)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user, login_required

from .. import policy
from ..clock import now
from ..extensions import db
from ..forms import EmptyForm
from ..lazytext import lazy_gettext as _l
from ..models import Organisation, User
from ..web import get_or_404
from . import erase, export, registry

bp = Blueprint("privacy", __name__)

# What each table is, in the words of the pages (a table not named here shows its own name).
TABLES = {
    "user_account": _l("Account"),
    "organisation": _l("Group"),
    "booking": _l("Requests and bookings"),
    "series": _l("Repeating requests"),
    "audit_event": _l("History of requests"),
    "change_record": _l("Record of changes"),
    "closure": _l("Closures entered"),
    "account_token": _l("Invitation and password links"),
    "feed_token": _l("Calendar feeds"),
    "outbox_message": _l("E-mails"),
    "notification_choice": _l("E-mail settings"),
    "last_visit": _l("Last look at my requests"),
    "login_session": _l("Logins"),
    "submission": _l("Forms sent"),
    "last_login": _l("Latest login"),
    "lobby_name": _l("Name on the lobby display"),
    "offer": _l("Counter-offers"),
    "desk_walk_in": _l("Walk-in bookings at the front desk"),
    "key_loan": _l("Keys handed out"),
    "equipment_loan": _l("Equipment handed out"),
    "out_of_service": _l("Equipment taken out of service"),
    "resource_approver": _l("Resources one decides for"),
    "garden_season": _l("Garden seasons opened"),
    "garden_application": _l("Garden applications"),
}


def summary(*, user_id: int | None = None, organisation_id: int | None = None) -> list[tuple[str, int]]:
    """(what, how many rows) for each table holding something of this person or group."""
    shown = []
    for table, entry in registry.personal_tables():
        where = (registry.rows_of_person(table, entry, user_id) if user_id is not None
                 else registry.rows_of_organisation(table, entry, organisation_id))
        if where is None:
            continue
        count = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(where))
        if count:
            shown.append((table.name, count))
    order = list(TABLES)
    shown.sort(key=lambda row: order.index(row[0]) if row[0] in order else len(order))
    return [(TABLES.get(name, name), count) for name, count in shown]


def load_account(user_id: int) -> User:
    account = get_or_404(User, user_id)
    if erase.is_placeholder(account):
        abort(404)
    return account


def load_organisation(organisation_id: int) -> Organisation:
    """The group, or 404: another group does not exist for a partner."""
    organisation = get_or_404(Organisation, organisation_id)
    if not policy.sees_organisation(current_user, organisation.id):
        abort(404)
    return organisation


def _zip(made: export.Export):
    return send_file(io.BytesIO(made.data), mimetype="application/zip", as_attachment=True,
                     download_name=made.filename)


@bp.get("/datenschutz")
def notice():
    """What the house keeps, why, for how long, who sees it, and one's rights: for everyone."""
    return render_template("privacy/notice.html")


@bp.get("/privacy/accounts/<int:user_id>")
@login_required
def account(user_id: int):
    """What the house holds about one person, with the download (and, for managers, erasing)."""
    account = load_account(user_id)
    if not policy.can_export_person(current_user, account):
        abort(403)
    return render_template("privacy/account.html", account=account, held=summary(user_id=account.id),
                           may_erase=policy.can_erase_person(current_user, account))


@bp.post("/privacy/accounts/<int:user_id>/export")
@login_required
def account_export(user_id: int):
    """Download one person's data as a ZIP of JSON and CSV; noted in the record of changes."""
    account = load_account(user_id)
    if not policy.can_export_person(current_user, account):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    made = export.of_person(db.session, account, by=current_user, at=now())
    db.session.commit()
    return _zip(made)


@bp.get("/privacy/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    """What the house holds about one group, with the download (and, for managers, erasing)."""
    organisation = load_organisation(organisation_id)
    if not policy.can_export_organisation(current_user, organisation.id):
        abort(403)
    return render_template("privacy/organisation.html", organisation=organisation,
                           held=summary(organisation_id=organisation.id),
                           may_erase=policy.can_erase_organisation(current_user))


@bp.post("/privacy/organisations/<int:organisation_id>/export")
@login_required
def organisation_export(organisation_id: int):
    """Download one group's data as a ZIP of JSON and CSV; noted in the record of changes."""
    organisation = load_organisation(organisation_id)
    if not policy.can_export_organisation(current_user, organisation.id):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    made = export.of_organisation(db.session, organisation, by=current_user, at=now())
    db.session.commit()
    return _zip(made)


from . import erasing  # noqa: E402,F401  (the erasure pages, on this blueprint)
