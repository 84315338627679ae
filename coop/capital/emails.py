"""Mails about capital, in the member's language."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from coop import mail


def request_decided(item):
    """The board approved or rejected a member's transfer or redemption request."""
    membership = item.membership
    user = membership.user
    return mail.mail_to(
        user,
        _l("The board decided on your request to %(name)s", name=membership.cooperative.name),
        "capital/request_decided",
        item=item,
        membership=membership,
        url=url_for("capital.mine", slug=membership.cooperative.slug, _external=True),
    )
