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


def send_now(message: EmailMessage) -> None:
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
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
    """Send when the current transaction commits; drop it when it rolls back."""
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(OUTBOX_KEY, []).append(message)
    else:
        send_now(message)


@event.listens_for(Session, "after_commit")
def _send_outbox(session):
    for message in session.info.pop(OUTBOX_KEY, []):
        try:
            send_now(message)
        except OSError:
            current_app.logger.exception("mail to %s could not be sent", message["To"])


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session):
    session.info.pop(OUTBOX_KEY, None)
