"""Funding: the 'closing soon' list, following themes, and the weekly digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.db import today, utcnow
from coop.extensions import db
from coop.knowledge import digest
from coop.knowledge.models import (
    DigestItem,
    ItemKind,
    ItemStatus,
    ThemeFollow,
    Visibility,
)
from tests.factories import KnowledgeItemFactory, MembershipFactory
from tests.knowledge.conftest import theme
from tests.mailcapture import html_of, text_of


def funding(author, title, deadline, **kwargs):
    return KnowledgeItemFactory(
        author_membership=author,
        kind=ItemKind.FUNDING,
        title=title,
        deadline_on=deadline,
        **kwargs,
    )


# The closing-soon list ------------------------------------------------------------------------


def test_funding_is_listed_by_deadline_with_past_deadlines_marked(client, sign_in, people, author):
    now = today()
    later = funding(author, "Fonds Later", now + timedelta(days=40))
    soon = funding(author, "Fonds Binnenkort", now + timedelta(days=3))
    closed = funding(author, "Fonds Voorbij", now - timedelta(days=2))
    funding(author, "Fonds Zonder Datum", None)
    KnowledgeItemFactory(author_membership=author, title="Geen fonds")
    sign_in(people["member"])

    page = client.get("/knowledge/funding").text

    assert page.index(soon.title) < page.index(later.title) < page.index(closed.title)
    assert "Fonds Zonder Datum" not in page
    assert "Geen fonds" not in page
    past_section = page[page.index('id="past"') :]
    assert closed.title in past_section
    assert soon.title not in past_section
    assert past_section.count('class="flag"') == 1


@pytest.mark.parametrize(
    ("role", "sees"),
    [("anonymous", False), ("other_member", False), ("member", True), ("author", True)],
)
def test_the_funding_list_follows_the_visibility_rule(client, sign_in, people, author, role, sees):
    funding(
        author, "Fonds Eigen Coop", today() + timedelta(days=5), visibility=Visibility.COOPERATIVE
    )
    funding(
        author,
        "Fonds Concept",
        today() + timedelta(days=5),
        status=ItemStatus.DRAFT,
        visibility=Visibility.PUBLIC,
    )
    sign_in(people[role])

    page = client.get("/knowledge/funding").text

    assert ("Fonds Eigen Coop" in page) is sees
    assert ("Fonds Concept" in page) is (role == "author")


def test_the_funding_list_filters_by_theme(client, author):
    funding(author, "Energiefonds", today() + timedelta(days=5), themes=[theme("energie")])
    funding(
        author,
        "Sportfonds",
        today() + timedelta(days=5),
        themes=[theme("sport")],
        visibility=Visibility.PUBLIC,
    )

    page = client.get("/knowledge/funding", query_string={"theme": "sport"}).text

    assert "Sportfonds" in page
    assert "Energiefonds" not in page


# Following themes -----------------------------------------------------------------------------


def follows(user) -> set[str]:
    found = db.session.scalars(select(ThemeFollow).where(ThemeFollow.user_id == user.id))
    return {follow.theme.slug for follow in found}


def test_a_member_follows_and_unfollows_a_theme_from_the_list(client, sign_in, people):
    user = people["member"]
    sign_in(user)

    page = client.get("/knowledge/", query_string={"theme": "zorg"}).text
    assert "/knowledge/themes/zorg/follow" in page
    response = client.post("/knowledge/themes/zorg/follow", data={"follow": "1"})
    assert response.status_code == 302
    assert follows(user) == {"zorg"}
    client.post("/knowledge/themes/zorg/follow", data={"follow": "1"})
    assert follows(user) == {"zorg"}

    client.post("/knowledge/themes/zorg/follow", data={"follow": "0"})
    assert follows(user) == set()


def test_following_an_unknown_theme_is_not_found(client, sign_in, people):
    sign_in(people["member"])

    assert (
        client.post("/knowledge/themes/bestaat-niet/follow", data={"follow": "1"}).status_code
        == 404
    )
    assert (
        client.post("/knowledge/themes/%3Cscript%3E/follow", data={"follow": "1"}).status_code
        == 404
    )


def test_a_member_chooses_themes_on_the_settings_page(client, sign_in, people):
    user = people["member"]
    sign_in(user)
    ids = [theme("energie").id, theme("voedsel").id]

    response = client.post("/knowledge/following", data={"themes": [str(i) for i in ids]})

    assert response.status_code == 302
    assert follows(user) == {"energie", "voedsel"}
    page = client.get("/knowledge/following").text
    assert page.count("checked") == 2

    client.post("/knowledge/following", data={"themes": [str(ids[0])]})
    assert follows(user) == {"energie"}


def test_an_unknown_theme_on_the_settings_page_is_refused_at_the_field(client, sign_in, people):
    user = people["member"]
    sign_in(user)

    response = client.post("/knowledge/following", data={"themes": ["999999", "x"]})

    assert response.status_code == 422
    assert 'id="themes-error"' in response.text
    assert follows(user) == set()


def test_following_needs_csrf(client, sign_in, people, csrf):
    sign_in(people["member"])

    response = client.post("/knowledge/themes/zorg/follow", data={"follow": "1"})

    assert response.status_code == 400
    assert follows(people["member"]) == set()


# The weekly digest ----------------------------------------------------------------------------


@pytest.fixture
def follower(coop):
    user = MembershipFactory(cooperative=coop, user__locale="nl").user
    db.session.add(ThemeFollow(user_id=user.id, theme_id=theme("energie").id))
    db.session.flush()
    return user


def run_digest(app, now=None):
    with app.test_request_context():
        count = digest.send_digests(now=now or utcnow(), today=today())
        db.session.commit()
    return count


def digest_mails(mailbox, user):
    return mailbox.to(user.email)


def test_the_digest_has_new_items_in_followed_themes_and_deadlines_once(
    app, mailbox, follower, author, other_coop
):
    energy = KnowledgeItemFactory(
        author_membership=author, title="Zonnepanelen op het buurthuis", themes=[theme("energie")]
    )
    KnowledgeItemFactory(
        author_membership=author, title="Voetbal op straat", themes=[theme("sport")]
    )
    KnowledgeItemFactory(
        author_membership=author,
        title="Oud energie-idee",
        themes=[theme("energie")],
        published_at=utcnow() - timedelta(days=30),
    )
    KnowledgeItemFactory(
        author_membership=author,
        title="Energie-concept",
        themes=[theme("energie")],
        status=ItemStatus.DRAFT,
    )
    KnowledgeItemFactory(
        author_membership=MembershipFactory(cooperative=other_coop),
        title="Geheim energieplan",
        themes=[theme("energie")],
        visibility=Visibility.COOPERATIVE,
    )
    closing = funding(author, "Buurtfonds sluit bijna", today() + timedelta(days=10))
    funding(author, "Fonds over twee maanden", today() + timedelta(days=60))
    funding(author, "Fonds al dicht", today() - timedelta(days=1))

    assert run_digest(app) >= 1

    mails = digest_mails(mailbox, follower)
    assert len(mails) == 1
    text = text_of(mails[0])
    html = html_of(mails[0])
    for body in (text, html):
        assert body.count(energy.title) == 1
        assert body.count(closing.title) == 1
        assert "Voetbal op straat" not in body
        assert "Oud energie-idee" not in body
        assert "Energie-concept" not in body
        assert "Geheim energieplan" not in body
        assert "Fonds over twee maanden" not in body
        assert "Fonds al dicht" not in body
    assert f"/knowledge/{energy.id}" in text
    assert mails[0]["Content-Language"] == "nl"
    sent = db.session.scalars(select(DigestItem.item_id).where(DigestItem.user_id == follower.id))
    assert set(sent) == {energy.id, closing.id}

    # Running it again the same week sends nothing new.
    mailbox.clear()
    run_digest(app)
    assert digest_mails(mailbox, follower) == []

    # A new item next time comes once, without the ones already sent.
    fresh = KnowledgeItemFactory(
        author_membership=author, title="Warmtenet in de wijk", themes=[theme("energie")]
    )
    run_digest(app, now=utcnow() + timedelta(seconds=1))
    mails = digest_mails(mailbox, follower)
    assert len(mails) == 1
    text = text_of(mails[0])
    assert fresh.title in text
    assert energy.title not in text
    assert closing.title not in text


def test_the_digest_is_in_the_language_of_the_recipient(app, mailbox, coop, author):
    user = MembershipFactory(cooperative=coop, user__locale="en").user
    db.session.add(ThemeFollow(user_id=user.id, theme_id=theme("energie").id))
    KnowledgeItemFactory(author_membership=author, title="Zonnepanelen", themes=[theme("energie")])

    run_digest(app)

    message = mailbox.last_to(user.email)
    assert message["Content-Language"] == "en"
    assert message["Subject"] == "This week in the knowledge network"
    assert "New in the themes you follow" in text_of(message)


def test_no_digest_without_news_and_none_for_own_items(app, mailbox, follower, coop):
    own = MembershipFactory(cooperative=coop)
    KnowledgeItemFactory(author_membership=own, title="Eigen werk", themes=[theme("energie")])
    db.session.add(ThemeFollow(user_id=own.user.id, theme_id=theme("energie").id))
    db.session.flush()

    run_digest(app)

    assert mailbox.to(own.user.email) == []
    assert "Eigen werk" in text_of(mailbox.last_to(follower.email))


def test_the_digest_command(app, mailbox, follower, author):
    KnowledgeItemFactory(author_membership=author, title="Buurtbatterij", themes=[theme("energie")])

    result = app.test_cli_runner().invoke(args=["coop", "knowledge", "digest"])

    assert result.exit_code == 0, result.output
    assert "digest mails sent" in result.output
    assert "Buurtbatterij" in text_of(mailbox.last_to(follower.email))
    again = app.test_cli_runner().invoke(args=["coop", "knowledge", "digest"])
    assert again.output.startswith("0 digest mails sent")
    assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 1
