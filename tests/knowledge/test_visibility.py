"""Who sees which item: drafts, own cooperative, network, public and hidden items, for every
role, on every way in (list, search, item page, file download)."""

from __future__ import annotations

import pytest

from coop.knowledge import services
from tests.factories import AttachmentFactory, KnowledgeItemFactory
from tests.knowledge.conftest import item_variant

ROLES = (
    "anonymous",
    "no_membership",
    "suspended_member",
    "other_member",
    "member",
    "board",
    "platform_admin",
    "author",
)
SIGNED_IN_MEMBERS = {"other_member", "member", "board", "author"}

# Who may see each variant of an item by ``author`` (a member of ``coop``).
WHO_SEES = {
    "draft": {"author"},
    "own_cooperative": {"member", "board", "author"},
    "network": SIGNED_IN_MEMBERS | {"platform_admin"},
    "public": set(ROLES),
    "hidden": {"author", "platform_admin"},
    "draft_for_the_cooperative": {"author"},
}


def make(variant, author):
    options = item_variant(variant)
    item = KnowledgeItemFactory(
        author_membership=author,
        title=f"Zichtbaarheid {variant}",
        body="Zonnepanelen delen",
        **options,
    )
    return item, AttachmentFactory(item=item)


CASES = [(variant, role) for variant in WHO_SEES for role in ROLES]


@pytest.mark.parametrize(("variant", "role"), CASES, ids=[f"{v}-{r}" for v, r in CASES])
def test_visibility_everywhere(client, sign_in, people, author, variant, role):
    item, attachment = make(variant, author)
    sees = role in WHO_SEES[variant]
    sign_in(people[role])

    page = client.get(f"/knowledge/{item.id}")
    listing = client.get("/knowledge/")
    found = client.get("/knowledge/", query_string={"q": "zonnepanelen"})
    file = client.get(f"/knowledge/{item.id}/files/{attachment.id}")

    assert page.status_code == (200 if sees else 404)
    assert (item.title in listing.text) is sees
    assert (item.title in found.text) is sees
    assert file.status_code == (200 if sees else 404)


@pytest.mark.parametrize(("variant", "role"), CASES, ids=[f"{v}-{r}" for v, r in CASES])
def test_the_rule_in_one_place(people, author, variant, role):
    """The service that every page uses gives the same answer."""
    item, _ = make(variant, author)
    user = people[role]
    from flask_login import AnonymousUserMixin

    user = user if user is not None else AnonymousUserMixin()
    if role in WHO_SEES[variant]:
        assert services.get_visible(item.id, user) is item
    else:
        with pytest.raises(services.NotFound):
            services.get_visible(item.id, user)


def test_the_author_reads_why_an_item_was_hidden(client, sign_in, people, author):
    item, _ = make("hidden", author)
    sign_in(people["author"])

    page = client.get(f"/knowledge/{item.id}").text

    assert "Reclame" in page


def test_a_member_who_left_no_longer_sees_network_items(client, sign_in, people, author):
    from coop.members.models import MembershipStatus
    from tests.factories import MembershipFactory

    leaver = MembershipFactory(cooperative=author.cooperative, status=MembershipStatus.ENDED)
    item, _ = make("network", author)
    sign_in(leaver.user)

    assert client.get(f"/knowledge/{item.id}").status_code == 404


def test_ids_that_do_not_fit_are_not_found(client):
    assert client.get("/knowledge/99999999999999999999").status_code == 404
    assert client.get("/knowledge/0").status_code == 404


def test_a_file_of_another_item_is_not_found(client, sign_in, people, author):
    public, _ = make("public", author)
    _, secret = make("draft", author)
    sign_in(people["member"])

    assert client.get(f"/knowledge/{public.id}/files/{secret.id}").status_code == 404
