"""Mail after the commit, on the real SMTP capture: a batch goes over one connection; a
refused address or an unreachable server never stops the rest or the request."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from coop import mail
from coop.extensions import db


def queue(app, *addresses: str, keyed: bool = False) -> list:
    """Mails for after the commit of a transaction that has begun (as in a request);
    ``keyed``: each reported by its address when it does not go out."""
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
        mail.after_commit(message, key=message["To"] if keyed else None)
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


def test_keyed_mails_that_did_not_go_out_are_reported_once_after_the_commit(
    app, mailbox, logged, monkeypatch
):
    mailbox.clear()
    with app.test_request_context():
        queue(app, "a@example.test", "refused@example.test", "c@x.test", keyed=True)
        db.session.commit()
        assert mail.undelivered() == [("refused@example.test", mail.REFUSED)]
        assert mail.undelivered() == []  # reported once
        assert sorted(m["To"] for m in mailbox.messages) == ["a@example.test", "c@x.test"]

        port = app.config["MAIL_PORT"]
        monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
        queue(app, "d@example.test", "e@example.test", keyed=True)
        queue(app, "f@example.test")  # without a key: only logged
        db.session.commit()
        assert mail.undelivered() == [
            ("d@example.test", mail.NOT_SENT),
            ("e@example.test", mail.NOT_SENT),
        ]

        # A report nobody read is not taken for a later commit's (one without mail).
        queue(app, "g@example.test", keyed=True)
        db.session.commit()
        db.session.execute(select(1))
        db.session.commit()
        assert mail.undelivered() == []
        monkeypatch.setitem(app.config, "MAIL_PORT", port)  # not undo(): `logged` patches too

        # The server refuses the sender (the mail settings): the message, not the address.
        monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "refused-sender@example.test")
        queue(app, "i@example.test", keyed=True)
        db.session.commit()
        assert mail.undelivered() == [("i@example.test", mail.REJECTED)]
    assert logged[-2:] == [
        "mail to g@example.test could not be sent",
        "mail to i@example.test was refused",
    ]


def test_outside_a_transaction_a_mail_goes_at_once_and_a_keyed_failure_is_reported(
    app, mailbox, logged, monkeypatch
):
    def message(address):
        return mail.build(
            address, "nl", "Bericht", "accounts/verify",
            user=SimpleNamespace(name="Anna", email=address), url="https://x.test/",
        )  # fmt: skip

    mailbox.clear()
    with app.test_request_context():
        assert not db.session().in_transaction()
        mail.after_commit(message("a@example.test"), key="a")
        assert [m["To"] for m in mailbox.messages] == ["a@example.test"]
        assert mail.undelivered() == []
        monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
        mail.after_commit(message("b@example.test"), key="b")
        assert mail.undelivered() == [("b", mail.NOT_SENT)]
        with pytest.raises(ConnectionRefusedError):
            mail.after_commit(message("c@example.test"))  # no key: the caller handles it
    assert logged == ["mail to b@example.test could not be sent"]
