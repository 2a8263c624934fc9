"""The SMTP transport the outbox worker sends with; nothing here runs inside a web request.

With MAIL_SERVER set, messages go to that server over one connection per batch: implicit TLS
when MAIL_USE_SSL (port 465), else STARTTLS when MAIL_USE_TLS (port 587), and a login when
MAIL_USERNAME is set. Without it, as on a developer's machine, each message is written to
instance/outbox/ as an .eml file that any mail program opens. In a real house (not development)
no file is written: each message is an error in the log and stays in the outbox, to be tried
again.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import Message
from pathlib import Path

from flask import current_app

from .clock import now


class MailError(RuntimeError):
    """The message could not be handed over; `permanent` when the server refused it for good (5xx)."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


def language_of(user) -> str:
    """The language the person chose, else their group's, else the house's default (German)."""
    config = current_app.config
    for language in (getattr(user, "language", None),
                     getattr(getattr(user, "organisation", None), "language", None)):
        if language in config["LANGUAGES"]:
            return language
    return config["BABEL_DEFAULT_LOCALE"]


def one_line(text: str) -> str:
    """Header text on one line: a CR or LF in a title can never start a header of its own."""
    return " ".join(str(text).split())


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reason(error: Exception) -> str:
    """The server's own words where it gave some ("550 5.1.1 No such user"), else the error."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    return one_line(text)[:500]


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


class Transport:
    """A connection to the mail server kept open for a batch: `with Transport() as t: t.send(m)`."""

    def __init__(self):
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return smtp

    def send(self, message: Message) -> None:
        """Hand one message over; MailError (permanent for a 5xx) if that fails."""
        if not self.config["MAIL_SERVER"]:
            if not (self.config.get("DEVELOPMENT") or self.config.get("TESTING")):
                # A real house without a mail server: nobody would read an .eml file. The message
                # stays in the outbox and is tried again (and goes out once the server is set).
                current_app.logger.error("E-mail not sent: TREFFPUNKT_MAIL_SERVER is not set (subject %r)",
                                         one_line(message["Subject"] or ""))
                raise MailError("TREFFPUNKT_MAIL_SERVER is not set")
            write_to_folder(message, Path(current_app.instance_path) / "outbox")
            return
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            permanent = _is_permanent(error)
            if not permanent or isinstance(error, smtplib.SMTPServerDisconnected):
                self.close()  # start afresh with the next message
            else:
                self._reset()
            raise MailError(_reason(error), permanent=permanent) from error

    def _reset(self) -> None:
        """After a refused message the connection goes on with the next one."""
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError, AttributeError):
            self.close()


def write_to_folder(message: Message, folder: Path) -> Path:
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
            current_app.logger.info("E-mail written to %s", path)
            return path
    except OSError as error:
        raise MailError(_reason(error)) from error
