"""A real SMTP server (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        limit = self.box.max_per_connection
        with self.box.lock:
            sent = sum(1 for peer in self.box.connections if peer == session.peer)
        if limit is not None and sent >= limit:  # as servers that cap a connection do
            return "421 4.7.0 Too many messages on this connection, try again"
        if address.lower().startswith("refused"):  # a sender the server may not relay for
            return "550 5.7.1 Sender not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower().startswith("refused"):  # a mailbox the server does not know
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.box.lock:
            self.box.messages.append(message)
            self.box.connections.append(session.peer)  # the client's (address, port)
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.connections: list[tuple] = []  # per message, the connection it came over
        self.max_per_connection: int | None = None  # a server's cap on messages per connection
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.connections.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["To"].lower()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; mail went to {[m['To'] for m in self.messages]}"
        return found[-1]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text_of(message))
