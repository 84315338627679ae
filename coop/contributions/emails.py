"""Mails about contributions, in the member's language."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from coop import mail


def _pay_url(charge) -> str:
    return url_for(
        "payments.pay",
        slug=charge.membership.cooperative.slug,
        charge_id=charge.id,
        _external=True,
    )


def reminder(charge):
    membership = charge.membership
    return mail.mail_to(
        membership.user,
        _l("Reminder: your contribution to %(name)s", name=membership.cooperative.name),
        "contributions/reminder",
        charge=charge,
        membership=membership,
        url=_pay_url(charge),
    )


def debit_reversed(charge):
    membership = charge.membership
    return mail.mail_to(
        membership.user,
        _l("Your direct debit for %(name)s did not go through", name=membership.cooperative.name),
        "contributions/debit_reversed",
        charge=charge,
        membership=membership,
        url=_pay_url(charge),
    )
