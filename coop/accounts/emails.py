from flask_babel import lazy_gettext as _l

from coop import mail


def verify(user, url):
    return mail.mail_to(
        user,
        _l("Confirm your e-mail address"),
        "accounts/verify",
        user=user,
        url=url,
    )


def reset(user, url):
    return mail.mail_to(user, _l("Choose a new password"), "accounts/reset", user=user, url=url)


def change_email(user, new_email, url):
    return mail.build(
        new_email,
        user.locale,
        _l("Confirm your new e-mail address"),
        "accounts/change_email",
        user=user,
        url=url,
    )


def existing_account(email, locale, url):
    return mail.build(
        email, locale, _l("You already have an account"), "accounts/existing", url=url
    )
