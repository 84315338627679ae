"""Mail after the commit, on the real SMTP capture: a batch goes over one connection; a
refused address or an unreachable server never stops the rest or the request."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from coop import mail
from coop.extensions import db


def queue(app, *addresses: str) -> list:
    """Mails for after the commit of a transaction that has begun (as in a request)."""
    db.session.execute(select(1))
    messages = [
        mail.build(
            address,
            "nl",
            f"Bericht {n}",
            "accounts/verify",
            user=SimpleNamespace(name="Anna", email=address),
            url="https://x.test/",
        )  # fmt: skip
        for n, address in enumerate(addresses)
    ]
    for message in messages:
        mail.after_commit(message)
    return messages


class Logged(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def logged(app, monkeypatch):
    """What the app logs as errors while the test runs."""
    handler = Logged()
    monkeypatch.setattr(app.logger, "disabled", False)
    app.logger.addHandler(handler)
    yield handler.lines
    app.logger.removeHandler(handler)


def test_mails_of_one_commit_go_over_one_connection(app, mailbox):
    mailbox.clear()
    with app.test_request_context():
        queue(app, "a@example.test", "b@example.test", "c@example.test")
        db.session.commit()
    assert sorted(m["To"] for m in mailbox.messages) == [
        "a@example.test",
        "b@example.test",
        "c@example.test",
    ]
    assert len(set(mailbox.connections)) == 1


def test_a_refused_address_does_not_stop_the_others(app, mailbox, logged):
    mailbox.clear()
    with app.test_request_context():
        queue(app, "a@example.test", "refused@example.test", "c@example.test")
        db.session.commit()
    assert sorted(m["To"] for m in mailbox.messages) == ["a@example.test", "c@example.test"]
    assert logged == ["mail to refused@example.test was refused"]


def test_an_unreachable_server_is_logged_and_the_commit_stands(app, mailbox, logged, monkeypatch):
    mailbox.clear()
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    with app.test_request_context():
        queue(app, "a@example.test", "b@example.test")
        db.session.commit()
    assert mailbox.messages == []
    assert logged == [
        "mail to a@example.test could not be sent",
        "mail to b@example.test could not be sent",
    ]


def test_a_server_that_caps_its_connections_still_gets_every_mail_once(
    app, mailbox, logged, monkeypatch
):
    mailbox.clear()
    monkeypatch.setattr(mailbox, "max_per_connection", 2)
    addresses = [f"lid{n}@example.test" for n in range(5)]
    with app.test_request_context():
        queue(app, *addresses)
        db.session.commit()
    assert sorted(m["To"] for m in mailbox.messages) == addresses
    assert len(set(mailbox.connections)) == 3
    assert logged == []


def test_keyed_mails_say_which_did_not_go_out(app, mailbox, logged, monkeypatch):
    """``send_keyed``: sent at once over one connection; what did not go out comes back by
    its key with the reason (the invitations of an assembly record it)."""

    def entries(*addresses):
        return [
            (
                mail.build(
                    address,
                    "nl",
                    "Bericht",
                    "accounts/verify",
                    user=SimpleNamespace(name="Anna", email=address),
                    url="https://x.test/",
                ),  # fmt: skip
                address.split("@")[0],
            )
            for address in addresses
        ]

    mailbox.clear()
    with app.test_request_context():
        failed = mail.send_keyed(entries("a@example.test", "refused@example.test", "c@x.test"))
        assert failed == [("refused", mail.REFUSED)]
        assert sorted(m["To"] for m in mailbox.messages) == ["a@example.test", "c@x.test"]
        assert len(set(mailbox.connections)) == 1
        assert mail.send_keyed([]) == []

        port = app.config["MAIL_PORT"]
        monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
        failed = mail.send_keyed(entries("d@example.test", "e@example.test"))
        assert failed == [("d", mail.NOT_SENT), ("e", mail.NOT_SENT)]
        monkeypatch.setitem(app.config, "MAIL_PORT", port)  # not undo(): `logged` patches too

        # The server refuses the sender (the mail settings): the message, not the address.
        monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "refused-sender@example.test")
        assert mail.send_keyed(entries("i@example.test")) == [("i", mail.REJECTED)]
    assert logged[-2:] == [
        "mail to e@example.test could not be sent",
        "mail to i@example.test was refused",
    ]


def test_outside_a_transaction_a_mail_goes_at_once(app, mailbox, logged, monkeypatch):
    def message(address):
        return mail.build(
            address, "nl", "Bericht", "accounts/verify",
            user=SimpleNamespace(name="Anna", email=address), url="https://x.test/",
        )  # fmt: skip

    mailbox.clear()
    with app.test_request_context():
        assert not db.session().in_transaction()
        mail.after_commit(message("a@example.test"))
        assert [m["To"] for m in mailbox.messages] == ["a@example.test"]
        monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
        with pytest.raises(ConnectionRefusedError):
            mail.after_commit(message("c@example.test"))  # the caller handles it
    assert logged == []
