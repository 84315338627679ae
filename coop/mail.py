"""Mail: built in the recipient's language, sent after the transaction commits."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from coop.extensions import db

OUTBOX_KEY = "coop_outbox"

# Why a message did not go out (``send_all``): the server refused its address for good
# (5xx, such as an address that does not exist); the server refused the message itself for
# good (5xx to the sender or the content: the mail settings); or it could not be sent then
# (the server could not be reached, or said 'not now' twice).
REFUSED = "refused"
REJECTED = "rejected"
NOT_SENT = "not_sent"


def build(to: str, locale: str, subject, template: str, **context) -> EmailMessage:
    """Render templates/emails/<template>.txt and .html in the recipient's language."""
    with force_locale(locale or "nl"):
        subject_text = str(subject)
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", subject=subject_text, **context)
    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="buurtcoop.local")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale or "nl"
    return message


def mail_to(account, subject, template: str, /, **context) -> EmailMessage:
    """``build`` for a person's account (a user): to their address, in their language."""
    return build(account.email, account.locale, subject, template, **context)


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _temporary(error: OSError) -> bool:
    """Whether the server said 'not now' (4xx: too many messages on this connection, try
    later) rather than 'never' (5xx: no such address)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return True  # the connection dropped or timed out


def send_all(messages: list[EmailMessage]) -> list[tuple[int, str]]:
    """Send the messages, over one SMTP connection (an invitation to every member is one
    connection, not one per member). A message the server refuses for good (5xx) is logged
    and the others still go. When the server says 'not now' (4xx, such as a limit of
    messages per connection) or the connection drops, the message is tried once more on a
    new connection; when that fails too, or the server cannot be reached, the messages
    left are logged once each and not tried one by one.

    Returns what did not go out: (index in ``messages``, ``REFUSED``, ``REJECTED`` or
    ``NOT_SENT``)."""
    log = current_app.logger
    failed: list[tuple[int, str]] = []
    if current_app.config["MAIL_BACKEND"] != "smtp":
        for index, message in enumerate(messages):
            try:
                send_now(message)
            except OSError:
                log.exception("mail to %s could not be sent", message["To"])
                failed.append((index, NOT_SENT))
        return failed
    smtp, index, retried = None, 0, False
    try:
        while index < len(messages):
            message = messages[index]
            try:
                smtp = smtp or _smtp()
                smtp.send_message(message)
            except OSError as error:
                if smtp is not None and not _temporary(error):
                    log.exception("mail to %s was refused", message["To"])
                    refused = isinstance(error, smtplib.SMTPRecipientsRefused)
                    failed.append((index, REFUSED if refused else REJECTED))
                else:
                    if smtp is not None:
                        smtp.close()
                        smtp = None
                    if not retried:
                        retried = True
                        continue  # once more, on a new connection
                    for left in range(index, len(messages)):
                        log.error("mail to %s could not be sent", messages[left]["To"])
                        failed.append((left, NOT_SENT))
                    return failed
            index += 1
            retried = False
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except OSError:
                smtp.close()
    return failed


def send_now(message: EmailMessage) -> None:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        with _smtp() as smtp:
            smtp.send_message(message)
    elif backend == "console":
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_")
        (outbox / f"{name}.eml").write_bytes(bytes(message))
        text = message.get_body(("plain",)).get_content()
        print(
            f"--- mail to {message['To']}: {message['Subject']}\n{text}\n--- (saved in {outbox})",
            file=sys.stderr,
        )
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")


def after_commit(message: EmailMessage) -> None:
    """Send when the current transaction commits; drop it when it rolls back. What does
    not go out is logged (``send_all``)."""
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(OUTBOX_KEY, []).append(message)
        return
    send_now(message)


def send_keyed(entries: list[tuple[EmailMessage, object]]) -> list[tuple[object, str]]:
    """Send ``(message, key)`` entries now, over one connection, for a caller that records
    what went out (call it after the commit of what the mails announce). Returns the
    (key, reason) of those that did not go out (``REFUSED``, ``REJECTED`` or
    ``NOT_SENT``)."""
    failed = send_all([message for message, _key in entries])
    return [(entries[index][1], reason) for index, reason in failed]


@event.listens_for(Session, "after_commit")
def _send_outbox(session):
    messages = session.info.pop(OUTBOX_KEY, [])
    if messages:
        send_all(messages)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session):
    session.info.pop(OUTBOX_KEY, None)
