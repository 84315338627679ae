"""What the mail builders of the domain packages share: a mail to one person's account."""

from email.message import EmailMessage

from coop import mail


def mail_to(user, subject, template: str, **context) -> EmailMessage:
    """Build templates/emails/<template> for `user`: to their address, in their language."""
    return mail.build(user.email, user.locale, subject, template, **context)
