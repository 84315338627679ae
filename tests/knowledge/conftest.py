"""A small network: two cooperatives and one person for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coop.db import utcnow
from coop.extensions import db
from coop.knowledge.models import ItemStatus, Theme, Visibility
from coop.members.models import Function, MembershipStatus
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory, board_member


@pytest.fixture
def coop():
    return CooperativeFactory(slug="lombok", name="Buurtcoöperatie Lombok", wijk="Lombok")


@pytest.fixture
def other_coop():
    return CooperativeFactory(slug="overvecht", name="Wijkcoöperatie Overvecht")


@pytest.fixture
def author(coop):
    """A member of ``coop`` who writes items."""
    return MembershipFactory(cooperative=coop, name="Anna Auteur")


@pytest.fixture
def people(coop, other_coop, author):
    """One user per role (None: not signed in), seen from ``coop``."""
    return {
        "anonymous": None,
        "no_membership": UserFactory(),
        "suspended_member": MembershipFactory(
            cooperative=coop, status=MembershipStatus.SUSPENDED
        ).user,
        "other_member": MembershipFactory(cooperative=other_coop).user,
        "member": MembershipFactory(cooperative=coop).user,
        "board": board_member(coop, Function.CHAIR).user,
        "platform_admin": UserFactory(is_platform_admin=True),
        "author": author.user,
    }


@pytest.fixture
def sign_in(client, login):
    """Become someone (or nobody) on the test client."""

    def _sign_in(user):
        client.delete_cookie("session")
        if user is not None:
            login(user)
        return client

    return _sign_in


def theme(slug: str) -> Theme:
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


def field_error(body: str, field: str) -> str:
    marker = f'<p class="error" id="{field}-error">'
    start = body.find(marker)
    if start < 0:
        return ""
    return body[start + len(marker) : body.index("</p>", start)]


def item_variant(variant: str) -> dict:
    """The fields that make an item a draft, own-cooperative, network, public or hidden
    item (or a draft for the cooperative), for the visibility tests."""
    return {
        "draft": {"status": ItemStatus.DRAFT, "visibility": Visibility.PUBLIC},
        "own_cooperative": {"visibility": Visibility.COOPERATIVE},
        "network": {"visibility": Visibility.NETWORK},
        "public": {"visibility": Visibility.PUBLIC},
        "hidden": {
            "visibility": Visibility.PUBLIC,
            "hidden_at": utcnow(),
            "hidden_reason": "Reclame",
        },
        "draft_for_the_cooperative": {
            "status": ItemStatus.DRAFT,
            "visibility": Visibility.COOPERATIVE,
        },
    }[variant]
