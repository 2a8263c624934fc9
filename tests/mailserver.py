"""A real SMTP server on 127.0.0.1 for the tests: it keeps every message it is given.

Import the fixture into a test module (`from tests.mailserver import mailserver`); the app is
pointed at the server (MAIL_SERVER, MAIL_PORT, no TLS), so messages travel over SMTP as in
production and the test reads them as the recipient would. Requests only write messages to the
outbox: reading `messages` first runs the outbox worker once (`flask outbox send`), as the
worker running beside the app would have done by then.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+/password/[A-Za-z0-9_-]+")


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        """The plain-text part."""
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        """The HTML alternative."""
        return self.message.get_body(("html",)).get_content()

    def link(self) -> str:
        """The one password link in the message."""
        links = LINK.findall(self.body)
        assert len(links) == 1, self.body
        return links[0]

    def path(self) -> str:
        """The link as the test client follows it: its path on this site."""
        return re.sub(r"^https?://[^/]+", "", self.link())


@dataclass
class Mailbox:
    """What the server has received, in order."""

    received: list[Received] = field(default_factory=list)
    deliver: Callable[[], object] = lambda: None
    # A recipient address -> the SMTP reply that refuses it (e.g. "550 No such user").
    refuse: dict[str, str] = field(default_factory=dict)

    @property
    def messages(self) -> list[Received]:
        """Everything received, after the worker has sent what is due."""
        self.deliver()
        return self.received


    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def only(self, address: str) -> Received:
        """The one message to this address: exactly one arrived."""
        received = self.to(address)
        assert len(received) == 1, f"{len(received)} messages to {address}: {[m.subject for m in received]}"
        return received[0]

    def last_to(self, address: str) -> Received:
        received = self.to(address)
        assert received, f"no message to {address}; got {[m.rcpt_tos for m in self.messages]}"
        return received[-1]


@dataclass
class Handler:
    """aiosmtpd's hooks: a refused address gets its reply, every message lands in the mailbox."""

    mailbox: Mailbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.mailbox.refuse:
            return self.mailbox.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mailbox.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailserver(app) -> Mailbox:
    """An SMTP server for this test; the app's outbox worker sends to it."""
    from booking.extensions import db
    from booking.notify import worker

    def deliver():
        # Between two requests, as in production, no transaction of the app stays open (the
        # tests share one session with the requests they make); then the worker does a pass.
        db.session.commit()
        worker.send_due()

    mailbox = Mailbox(deliver=deliver)
    controller = Controller(Handler(mailbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.controller = controller
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME="", MAIL_PASSWORD="")
    try:
        yield mailbox
    finally:
        mailbox.controller.stop()  # a test may have stopped it and started another
