"""E-mail to the house's users: one plain-text message at a time, in the reader's language.

With MAIL_SERVER set, a message goes to that server over SMTP (STARTTLS when MAIL_USE_TLS,
implicit TLS on port 465 when MAIL_USE_SSL, a login when MAIL_USERNAME). Without it, on a
developer's machine, it is written to instance/outbox/ as an .eml file that any mail program
opens; in a real house that is an error in the log, and nothing is written.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from datetime import timedelta
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from .clock import now
from .lazytext import lazy_gettext as _l
from .models import AccountToken, TokenPurpose, User


class MailError(RuntimeError):
    """The message could not be handed over to the mail server (or written to the outbox)."""


def language_of(user: User) -> str:
    """The language the person chose, else the house's default (German)."""
    config = current_app.config
    return user.language if user.language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def external_url(endpoint: str, **values) -> str:
    """A full link to a page of this site, for a message read outside it."""
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def compose(user: User, subject, template: str, **context) -> EmailMessage:
    """A message to one account, subject and body in its language; `template` under templates/mail/."""
    config = current_app.config
    language = language_of(user)
    with force_locale(language):
        body = render_template(template, user=user, **context)
        subject = _one_line(str(subject))
    sender = config["MAIL_SENDER"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=_one_line(user.name), addr_spec=user.email)
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message.set_content(body.strip() + "\n")
    message["Content-Language"] = language  # after the content, which sets the Content-* headers anew
    return message


def invitation_lifetime() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_DAYS"])


def reset_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["RESET_HOURS"])


def link_message(user: User, token: str, record: AccountToken):
    """The e-mail with an invitation or reset link, in the person's language."""
    invitation = record.purpose == TokenPurpose.INVITATION
    return compose(
        user,
        _l("Your account for Treffpunkt") if invitation else _l("A new password for Treffpunkt"),
        "mail/invitation.txt" if invitation else "mail/reset.txt",
        link=external_url("account.choose_password", token=token),
        expires_at=record.expires_at,
    )


def send(message: EmailMessage) -> Path | None:
    """Hand the message to the mail server, or write it to the outbox; MailError if that fails."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        if not (config.get("DEVELOPMENT") or config.get("TESTING")):
            # A real house without a mail server: nobody would read an .eml file, so say it loudly.
            current_app.logger.error("E-mail not sent: TREFFPUNKT_MAIL_SERVER is not set (subject %r)", message["Subject"])
            raise MailError("TREFFPUNKT_MAIL_SERVER is not set")
        return _write_to_outbox(message, Path(current_app.instance_path) / "outbox")
    connect = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    extra = {"context": ssl.create_default_context()} if config.get("MAIL_USE_SSL") else {}
    try:
        with connect(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config["MAIL_TIMEOUT"], **extra) as smtp:
            if config["MAIL_USE_TLS"] and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
    return None


def send_after_response(response, message: EmailMessage) -> None:
    """Send once the response has gone out: the answer comes as fast whether or not a message
    is sent. A failure is logged, as nobody is waiting for it any more."""
    app = current_app._get_current_object()

    def deliver() -> None:
        with app.app_context():
            try:
                send(message)
            except MailError:
                app.logger.exception("Could not send the e-mail %r", message["Subject"])

    response.call_on_close(deliver)


def _write_to_outbox(message: EmailMessage, folder: Path) -> Path:
    """instance/outbox/<timestamp>-<n>.eml; n counts the messages written in the same second."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = now().strftime("%Y%m%d-%H%M%S")
        n = 1
        while True:
            path = folder / f"{stamp}-{n}.eml"
            try:
                with path.open("xb") as file:
                    file.write(message.as_bytes())
            except FileExistsError:
                n += 1
                continue
            current_app.logger.info("E-mail to %s written to %s", message["To"], path)
            return path
    except OSError as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
