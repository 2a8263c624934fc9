"""What each message says: subject, plain text, an HTML alternative and, for an approval, an
.ics file; in the recipient's language, rendered from templates/mail/ when it is sent.

User text (titles, reasons, names) reaches the templates as plain strings and is escaped in the
HTML part; in headers it is folded onto one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
import re
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from .. import content, i18n
from ..clock import local, now
from ..mail import one_line
from .models import Kind, OutboxMessage, Topic

# "Di. 12. Jan. 2027" / "Tue 12 Jan 2027": the day as a subject line names it.

# What a person chooses about, per kind of message; None: always sent (accounts, digests).
TOPIC: dict[Kind, Topic | None] = {
    Kind.SUBMITTED: Topic.REQUESTS,
    Kind.SERIES_SUBMITTED: Topic.REQUESTS,
    Kind.APPROVED: Topic.DECISIONS,
    Kind.REJECTED: Topic.DECISIONS,
    Kind.WITHDRAWN: Topic.DECISIONS,
    Kind.CANCELLED: Topic.DECISIONS,
    Kind.CHANGED: Topic.DECISIONS,
    Kind.CLOSURE: Topic.CLOSURES,
    Kind.REMINDER: Topic.REMINDERS,
    Kind.DIGEST: None,
    Kind.INVITATION: None,
    Kind.RESET: None,
    Kind.OFFERED: Topic.DECISIONS,
    Kind.MOVED: Topic.DECISIONS,
}
# Decisions about one's own requests cannot be switched off, only gathered into the digest.
ALWAYS = frozenset({Topic.DECISIONS})


# Text parts stay readable in the raw message (an .eml file, a server's log): quoted-printable.
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP

# What the worker will hand to a mail server: one address, no spaces, no angle brackets.
ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


class Unsendable(Exception):
    """The message cannot be made for this recipient (e.g. an address no server would take)."""


# Links

def site_url(endpoint: str, **values) -> str:
    """A full link to a page of this site from PUBLIC_URL: the worker has no request to ask."""
    base = urlsplit(current_app.config.get("PUBLIC_URL") or "http://localhost:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notify.unsubscribe")


def unsubscribe_token(user_id: int, topics: list[Topic]) -> str:
    return _signer().dumps([user_id, [str(t) for t in topics]])


def read_unsubscribe_token(token: str) -> tuple[int, list[Topic]] | None:
    """The account and topics a link stands for; None if it was not signed by this house."""
    try:
        user_id, topics = _signer().loads(token)
        return int(user_id), [Topic(t) for t in topics]
    except (BadSignature, ValueError, TypeError):
        return None


# Dates

def when(starts_at: datetime, ends_at: datetime, language: str) -> str:
    """"Di., 12. Jan. 2027, 18:00–20:00"; across days, both ends with their day."""
    start, end = local(starts_at), local(ends_at)
    first = i18n.weekday_date(start, language)
    if start.date() == end.date():
        return i18n.at_day(first, i18n.time_range(start, end, language), language)
    return i18n.span(i18n.at_day(first, i18n.local_time(start), language),
                     i18n.at_day(i18n.weekday_date(end, language), i18n.local_time(end), language), language)


@dataclass
class Dates:
    """The dates a message names, as (booking id, start, end)."""

    items: list[tuple[int, datetime, datetime]] = field(default_factory=list)

    @classmethod
    def of(cls, payload: dict) -> Dates:
        return cls([(i, datetime.fromisoformat(s), datetime.fromisoformat(e)) for i, s, e in payload.get("dates", [])])


def what(payload: dict, language: str) -> str:
    """"Seminarraum 1, Di. 12. Jan. 2027, 18:00–20:00", or the resource and a series' dates."""
    dates = Dates.of(payload).items
    first = when(dates[0][1], dates[0][2], language)
    if len(dates) == 1:
        return f"{payload['resource']}, {first}"
    return ngettext("%(resource)s, %(num)d date from %(when)s", "%(resource)s, %(num)d dates from %(when)s",
                    len(dates), resource=payload["resource"], when=first)


def subject(kind: Kind, payload: dict, language: str) -> str:
    if kind == Kind.CLOSURE:
        return _("Closure: %(what)s", what=what(payload["bookings"][0], language))
    if kind == Kind.INVITATION:
        return _("Your account for Treffpunkt")
    if kind == Kind.RESET:
        return _("A new password for Treffpunkt")
    if kind == Kind.DIGEST:
        return _("Treffpunkt: your summary of %(day)s",
                 day=i18n.local_date(date.fromisoformat(payload["day"][:10]), "long", language))
    texts = {
        Kind.SUBMITTED: _("New request: %(title)s – %(what)s"),
        Kind.SERIES_SUBMITTED: _("New series: %(title)s – %(what)s"),
        Kind.APPROVED: _("Approved: %(what)s"),
        Kind.REJECTED: _("Rejected: %(what)s"),
        Kind.WITHDRAWN: _("Withdrawn: %(what)s"),
        Kind.CANCELLED: _("Cancelled: %(what)s"),
        Kind.CHANGED: _("Changed: %(what)s"),
        Kind.REMINDER: _("Reminder: %(what)s"),
        Kind.OFFERED: _("Another time for you: %(what)s"),
        Kind.MOVED: _("Booking changed: %(what)s"),
    }
    return texts[kind] % {"title": one_line(payload["title"]), "what": what(payload, language)}


def headline(kind: Kind, payload: dict, closure_when: str = "") -> str:
    """The message's first sentence: what happened. A plain string, escaped where it is shown."""
    texts = {
        Kind.SUBMITTED: _("%(group)s asks for %(resource)s:"),
        Kind.SERIES_SUBMITTED: _("%(group)s asks for %(resource)s on several dates:"),
        Kind.APPROVED: _("Your request is approved. %(resource)s is yours:"),
        Kind.REJECTED: _("Sorry: your request for %(resource)s was not approved."),
        Kind.WITHDRAWN: _("%(person)s withdrew your group's request for %(resource)s."),
        Kind.CANCELLED: _("The house cancelled your booking of %(resource)s."),
        Kind.CHANGED: _("The time or room of your request changed; it waits for the house's decision again. Now:"),
        Kind.REMINDER: _("A reminder: your group has %(resource)s booked."),
        Kind.CLOSURE: _("%(closed)s is closed: %(when)s. Your group's bookings in that time:"),
        Kind.OFFERED: _("The house cannot give you the time you asked for. It offers you this instead:"),
        Kind.MOVED: _("The house changed your booking. It is now:"),
    }
    return texts[kind] % {
        "group": payload.get("organisation", ""), "resource": payload.get("resource", ""),
        "person": payload.get("by", ""), "closed": payload.get("closed") or _("The house"), "when": closure_when,
    }


def page_link(kind: Kind, payload: dict) -> str:
    """The page the message is about."""
    if kind == Kind.CLOSURE:
        first = payload["bookings"][0]
        return page_link(Kind.APPROVED, first)
    if payload.get("series"):
        if kind == Kind.SERIES_SUBMITTED:
            return site_url("manage.series", series_id=payload["series"])
        return site_url("requests.series_page", series_id=payload["series"])
    return site_url("requests.detail", booking_id=payload["booking"])


# The .ics file

def calendar_file(payload: dict, link: str) -> bytes:
    """One event per approved date, in UTC, with the title and the room."""
    domain = urlsplit(link).hostname or "treffpunkt"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Treffpunkt//Buchungen//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    stamp = now()
    for booking_id, starts_at, ends_at in Dates.of(payload).items:
        event = icalendar.Event()
        event.add("uid", f"booking-{booking_id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", starts_at)
        event.add("dtend", ends_at)
        event.add("summary", payload["title"])
        event.add("location", ", ".join(p for p in (payload["resource"], payload.get("location", "")) if p))
        event.add("url", link)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


# The whole message

def _context(row: OutboxMessage, payload: dict, language: str) -> dict:
    kind = row.kind
    context = {"kind": str(kind), "p": payload, "name": row.recipient.name if row.recipient else ""}
    if kind == Kind.CLOSURE:
        context["bookings"] = [{**b, "when": what(b, language)} for b in payload["bookings"]]
        context["closure_when"] = when(datetime.fromisoformat(payload["starts_at"]),
                                       datetime.fromisoformat(payload["ends_at"]), language)
    elif TOPIC.get(kind) is not None:
        context["dates"] = [when(s, e, language) for _i, s, e in Dates.of(payload).items]
    if kind == Kind.OFFERED and payload.get("expires_at"):
        expires = local(datetime.fromisoformat(payload["expires_at"]))
        context["answer_by"] = i18n.at_day(i18n.format_day(expires.date(), "yMMMEd", language),
                                           i18n.local_time(expires), language)
    if TOPIC.get(kind) is not None:
        context["headline"] = headline(kind, payload, context.get("closure_when", ""))
    return context


def in_language(payload, language: str):
    """The payload with each "<key>_i18n" the manager wrote put in place of "<key>", in `language`."""
    if isinstance(payload, list):
        return [in_language(item, language) for item in payload]
    if not isinstance(payload, dict):
        return payload
    shown = {key: in_language(value, language) for key, value in payload.items() if not key.endswith("_i18n")}
    for key, texts in payload.items():
        if key.endswith("_i18n"):
            shown[key.removesuffix("_i18n")] = content.pick(texts, language)
    return shown


def compose(row: OutboxMessage, address: str, language: str, *, extra: dict | None = None) -> Message:
    """The message for one row, ready for the transport."""
    config = current_app.config
    payload = in_language(json.loads(row.payload or "{}"), language)
    with force_locale(language):
        context = _context(row, payload, language) | (extra or {})
        if "link" not in context:
            context["link"] = page_link(row.kind, payload)
        topic = TOPIC[row.kind]
        unsubscribe = None
        if row.recipient is not None and row.kind != Kind.INVITATION:
            context["preferences_link"] = site_url("notify.preferences")
            topics = [topic] if topic is not None and topic not in ALWAYS else context.get("digest_topics", [])
            if topics:
                unsubscribe = site_url("notify.unsubscribe", signature=unsubscribe_token(row.recipient.id, topics))
                context["unsubscribe_link"] = unsubscribe
        template = {Kind.INVITATION: "invitation", Kind.RESET: "reset", Kind.DIGEST: "digest"}.get(row.kind, "event")
        # The templates alone, without the pages' context processors: there is no request here.
        text = current_app.jinja_env.get_template(f"mail/{template}.txt").render(context)
        html = current_app.jinja_env.get_template(f"mail/{template}.html").render(context)
        title = subject(row.kind, payload, language)
    sender = config["MAIL_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    if not ADDRESS.fullmatch(address):
        raise Unsendable(f"not an e-mail address: {one_line(address)[:100]}")
    # The classic MIME classes: several times faster to build and to flatten than EmailMessage,
    # which matters for a worker sending hundreds a second. Every header value is one line.
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text.strip() + "\n", "plain", UTF8))
    alternative.attach(MIMEText(html, "html", UTF8))
    if row.kind == Kind.APPROVED:
        message = MIMEMultipart("mixed")
        message.attach(alternative)
        ics = MIMEText(calendar_file(payload, context["link"]).decode("utf-8"), "calendar", UTF8)
        ics.set_param("method", "PUBLISH")
        ics.add_header("Content-Disposition", "attachment", filename="treffpunkt.ics")
        message.attach(ics)
    else:
        message = alternative
    message["Subject"] = Header(one_line(title), "utf-8")
    message["From"] = sender
    message["To"] = formataddr((one_line(context["name"]), address), charset="utf-8")
    message["Date"] = format_datetime(now())
    # The same for every attempt: a server that got it twice can tell.
    message["Message-ID"] = f"<outbox-{row.id}-{int(row.created_at.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Content-Language"] = language
    return message
