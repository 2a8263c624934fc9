"""The managers' page of undelivered messages, and each person's e-mail settings.

The unsubscribe link in a message is signed for one account and topic: it is the permission,
like a password link, so it works without logging in, and its POST (which mail programs send
on their own for "List-Unsubscribe-Post: One-Click") carries no CSRF token: at worst it
switches off messages that the link's owner asked to switch off.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..clock import now
from ..extensions import csrf, db
from ..forms import EmptyForm, Form
from ..lazytext import lazy_gettext as _l
from ..models import Role, User
from ..web import get_or_404, requires
from . import worker
from .messages import ALWAYS, read_unsubscribe_token
from .models import Choice, Kind, NotificationChoice, OutboxMessage, State, Topic

bp = Blueprint("notify", __name__)

LIST_LIMIT = 200

TOPIC_LABEL = {
    Topic.REQUESTS: _l("New requests and series to decide"),
    Topic.DECISIONS: _l("Decisions about your group's requests"),
    Topic.CLOSURES: _l("Closures over your group's bookings"),
    Topic.REMINDERS: _l("Reminders before your group's bookings"),
}
CHOICE_LABEL = {
    Choice.IMMEDIATELY: _l("Right away"),
    Choice.DIGEST: _l("Once a day, in a summary"),
    Choice.OFF: _l("Not at all"),
}
KIND_LABEL = {
    Kind.SUBMITTED: _l("New request"), Kind.SERIES_SUBMITTED: _l("New series"), Kind.APPROVED: _l("Approved"),
    Kind.REJECTED: _l("Rejected"), Kind.WITHDRAWN: _l("Withdrawn"), Kind.CANCELLED: _l("Cancelled"),
    Kind.CHANGED: _l("Changed"), Kind.CLOSURE: _l("Closure"), Kind.REMINDER: _l("Reminder"),
    Kind.DIGEST: _l("Daily summary"), Kind.INVITATION: _l("Invitation"), Kind.RESET: _l("Password reset"),
}

# Why a message was not sent on purpose, as the worker records it (mail servers' replies are shown as they are).
REASON_LABEL = {
    "no e-mail address": _l("No e-mail address"),
    "the account is inactive": _l("The account is inactive"),
    "switched off by the recipient": _l("Switched off by the recipient"),
    "the booking has changed since": _l("The booking has changed since"),
    "the account has its password already": _l("The account has its password already"),
}


def topics_for(user: User) -> list[Topic]:
    """What this person gets messages about."""
    if user.role in policy.MANAGERS:
        return [Topic.REQUESTS]
    if user.role == Role.PARTNER:
        return [Topic.DECISIONS, Topic.CLOSURES, Topic.REMINDERS]
    return []


def _choices(user_id: int) -> dict[Topic, Choice]:
    return {c.topic: c.choice for c in db.session.scalars(
        sa.select(NotificationChoice).where(NotificationChoice.user_id == user_id))}


def _set(user_id: int, topic: Topic, choice: Choice) -> None:
    row = db.session.scalar(sa.select(NotificationChoice).where(
        NotificationChoice.user_id == user_id, NotificationChoice.topic == topic))
    if row is None:
        db.session.add(NotificationChoice(user_id=user_id, topic=topic, choice=choice))
    else:
        row.choice = choice


def preferences_form(user: User):
    """One question per topic; decisions can be gathered in the summary but not switched off."""

    class PreferencesForm(Form):
        pass

    saved = _choices(user.id)
    for topic in topics_for(user):
        offered = [c for c in Choice if not (c == Choice.OFF and topic in ALWAYS)]
        field = RadioField(TOPIC_LABEL[topic], choices=[SelectChoice(c.value, CHOICE_LABEL[c]) for c in offered],
                           default=saved.get(topic, Choice.IMMEDIATELY).value,
                           validate_choice=True)
        setattr(PreferencesForm, topic.value, field)
    return PreferencesForm()


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    """Choose, per topic, to get e-mails right away, once a day, or not at all."""
    user = current_user._get_current_object()
    form = preferences_form(user)
    if form.validate_on_submit():
        for topic in topics_for(user):
            _set(user.id, topic, Choice(form[topic.value].data))
        db.session.commit()
        flash(_("Your e-mail settings were saved."), "success")
        return redirect(url_for("notify.preferences"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("notify/preferences.html", form=form, topics=topics_for(user)), status


@bp.route("/notifications/unsubscribe/<signature>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(signature: str):
    """Switch off the messages a signed link names; the page asks first, one-click POSTs do it."""
    found = read_unsubscribe_token(signature) if len(signature) <= 500 else None
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        abort(404)
    topics = [t for t in found[1] if t not in ALWAYS and t in topics_for(user)]
    if request.method == "POST":
        for topic in topics:
            _set(user.id, topic, Choice.OFF)
        db.session.commit()
        return render_template("notify/unsubscribe.html", topics=topics, done=True, labels=TOPIC_LABEL)
    return render_template("notify/unsubscribe.html", topics=topics, done=False, labels=TOPIC_LABEL)


@bp.get("/manage/outbox")
@requires("outbox.manage")
def undelivered():
    """Messages given up on (with the reason) and those not sent on purpose, latest first."""
    query = (sa.select(OutboxMessage).options(joinedload(OutboxMessage.recipient))
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(LIST_LIMIT))
    failed = db.session.scalars(query.where(OutboxMessage.state == State.FAILED)).all()
    skipped = db.session.scalars(query.where(OutboxMessage.state == State.SKIPPED)).all()
    return render_template("notify/undelivered.html", failed=failed, skipped=skipped, form=EmptyForm(),
                           kinds=KIND_LABEL, reasons=REASON_LABEL, limit=LIST_LIMIT)


@bp.post("/manage/outbox/<int:message_id>/retry")
@requires("outbox.manage")
def retry(message_id: int):
    """Send a message that failed once more."""
    message = get_or_404(OutboxMessage, message_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if message.state != State.FAILED:
        flash(_("This message is not waiting to be sent again."), "info")
        return redirect(url_for("notify.undelivered"), 303)
    worker.retry(db.session, message, now())
    db.session.commit()
    flash(_("The message will be sent again in a moment."), "success")
    return redirect(url_for("notify.undelivered"), 303)
