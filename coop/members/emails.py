"""Mails about membership, each in the recipient's language."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from coop import mail


def _coop_url(cooperative):
    return url_for("core.cooperative", slug=cooperative.slug, _external=True)


def application_received(application):
    """The confirmation; with the payment request when the shares are to be paid first."""
    from coop.capital import services as capital

    user = application.user
    charge = capital.admission_charge(application)
    return mail.mail_to(
        user,
        _l("We received your application for %(name)s", name=application.cooperative.name),
        "members/application_received",
        application=application,
        charge=charge,
        payee=capital.settings_for(application.cooperative) if charge is not None else None,
        url=_coop_url(application.cooperative),
    )


def application_for_board(application, email, locale):
    return mail.build(
        email,
        locale,
        _l("New application: %(name)s", name=application.name),
        "members/application_for_board",
        application=application,
        url=url_for(
            "members.application",
            slug=application.cooperative.slug,
            application_id=application.id,
            _external=True,
        ),
    )


def welcome(membership):
    return mail.mail_to(
        membership.user,
        _l("Welcome to %(name)s", name=membership.cooperative.name),
        "members/welcome",
        membership=membership,
        url=url_for("members.me", slug=membership.cooperative.slug, _external=True),
    )


def rejected(application):
    return mail.mail_to(
        application.user,
        _l("Your application for %(name)s", name=application.cooperative.name),
        "members/rejected",
        application=application,
    )


def question(application):
    return mail.mail_to(
        application.user,
        _l("A question about your application for %(name)s", name=application.cooperative.name),
        "members/question",
        application=application,
    )


def resignation_confirmed(membership):
    return mail.mail_to(
        membership.user,
        _l("Your resignation from %(name)s", name=membership.cooperative.name),
        "members/resignation_confirmed",
        membership=membership,
    )


def end_date_changed(membership):
    return mail.mail_to(
        membership.user,
        _l("New end date of your membership of %(name)s", name=membership.cooperative.name),
        "members/end_date_changed",
        membership=membership,
    )


def ended_by_board(membership):
    return mail.mail_to(
        membership.user,
        _l("Your membership of %(name)s ends", name=membership.cooperative.name),
        "members/ended_by_board",
        membership=membership,
    )
