"""Access policies. Every endpoint declares exactly one of these decorators.

The policy name is stored on the view function as ``access_policy``; a test walks
``app.url_map`` and the authorization matrix checks every endpoint against it.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from coop.extensions import db, login_manager

POLICIES = ("public", "signed_in", "member_of", "board_of", "platform_admin", "webhook")


def _declare(view, policy: str, **details):
    view.access_policy = policy
    view.access_details = details
    return view


def load_cooperative(slug: str):
    from coop.core.models import Cooperative

    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if cooperative is None:
        abort(404)
    g.cooperative = cooperative
    return cooperative


def membership_of(user, cooperative):
    """The person's active or suspended membership of a cooperative, or None."""
    from coop.members.models import Membership, MembershipStatus

    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.cooperative_id == cooperative.id,
            Membership.user_id == user.id,
            Membership.status != MembershipStatus.ENDED,
        )
    )


def public(view):
    """Anyone, signed in or not."""
    return _declare(view, "public")


def webhook(view):
    """Machine callers that prove themselves by signature inside the view."""
    return _declare(view, "webhook")


def signed_in(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return _declare(wrapped, "signed_in")


def platform_admin(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return _declare(wrapped, "platform_admin")


def _cooperative_and_membership(slug: str):
    """The cooperative in the URL (404 when there is none) and the signed-in person's
    active or suspended membership of it (or None); None for both when nobody is signed
    in (after the 404 check).

    No query of its own for a member: their memberships that did not end, with their
    cooperatives, come with the user (``nav_memberships``; also the menu of the page)."""
    from coop.core.web import nav_memberships

    if not current_user.is_authenticated:
        load_cooperative(slug)
        return None, None
    for membership in nav_memberships():
        if membership.cooperative.slug == slug:
            g.cooperative = membership.cooperative
            return membership.cooperative, membership
    return load_cooperative(slug), None


def member_of(view):
    """An active member of the cooperative named by ``slug`` in the URL."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        cooperative, membership = _cooperative_and_membership(kwargs["slug"])
        if cooperative is None:
            return login_manager.unauthorized()
        if membership is None or not membership.is_active:
            abort(403)
        g.membership = membership
        return view(*args, **kwargs)

    return _declare(wrapped, "member_of")


def board_of(role=None):
    """A board member of the cooperative in the URL; with ``role`` (one function or a
    tuple), one of those functions or admin."""
    roles = role if isinstance(role, tuple) else ((role,) if role is not None else ())

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            cooperative, membership = _cooperative_and_membership(kwargs["slug"])
            if cooperative is None:
                return login_manager.unauthorized()
            if membership is None or not membership.is_board:
                abort(403)
            if roles and not any(membership.has_function(r) for r in roles):
                abort(403)
            g.membership = membership
            return view(*args, **kwargs)

        return _declare(wrapped, "board_of", role=role)

    return decorator
