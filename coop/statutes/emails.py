"""Mail about statutes, in each member's language; sent after the commit."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from coop import mail


def in_force(statutes, membership):
    """To every member: new statutes are in force, with the link to read them."""
    user = membership.user
    cooperative = statutes.cooperative
    return mail.mail_to(
        user,
        _l("New statutes of %(name)s are in force", name=cooperative.name),
        "statutes/in_force",
        statutes=statutes,
        cooperative=cooperative,
        membership=membership,
        url=url_for("statutes.current", slug=cooperative.slug, _external=True),
    )


def send_in_force(statutes) -> int:
    """Queue the mail for every active member (sent after the commit)."""
    from coop.assemblies.services import voting_members

    members = [m for m in voting_members(statutes.cooperative) if m.user is not None]
    for membership in members:
        mail.after_commit(in_force(statutes, membership))
    return len(members)
