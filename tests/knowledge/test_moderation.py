"""Platform admins hide items (with a reason for the author) and add themes."""

from __future__ import annotations

from sqlalchemy import select

from coop.audit import AuditEvent
from coop.extensions import db
from coop.knowledge.models import Theme, Visibility
from tests.factories import KnowledgeItemFactory
from tests.knowledge.conftest import field_error


def test_an_admin_hides_an_item_with_a_reason(client, sign_in, people, author):
    item = KnowledgeItemFactory(author_membership=author, visibility=Visibility.PUBLIC)
    sign_in(people["platform_admin"])

    response = client.post(f"/knowledge/{item.id}/hide", data={"reason": "Dit is reclame."})

    assert response.status_code == 302
    db.session.refresh(item)
    assert item.is_hidden
    assert item.hidden_reason == "Dit is reclame."
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "knowledge.hidden")
        ).subject_id
        == item.id
    )
    sign_in(None)
    assert client.get(f"/knowledge/{item.id}").status_code == 404
    sign_in(people["author"])
    assert "Dit is reclame." in client.get(f"/knowledge/{item.id}").text


def test_hiding_needs_a_reason(client, sign_in, people, author):
    item = KnowledgeItemFactory(author_membership=author)
    sign_in(people["platform_admin"])

    response = client.post(f"/knowledge/{item.id}/hide", data={"reason": "  "})

    assert response.status_code == 422
    assert field_error(response.text, "reason")
    db.session.refresh(item)
    assert not item.is_hidden


def test_an_admin_shows_it_again(client, sign_in, people, author):
    item = KnowledgeItemFactory(author_membership=author, visibility=Visibility.PUBLIC)
    sign_in(people["platform_admin"])
    client.post(f"/knowledge/{item.id}/hide", data={"reason": "Even niet."})

    client.post(f"/knowledge/{item.id}/unhide")

    db.session.refresh(item)
    assert not item.is_hidden
    sign_in(None)
    assert client.get(f"/knowledge/{item.id}").status_code == 200


def test_others_cannot_hide(client, sign_in, people, author):
    item = KnowledgeItemFactory(author_membership=author)
    for role in ("author", "board", "member"):
        sign_in(people[role])
        assert client.post(f"/knowledge/{item.id}/hide", data={"reason": "x"}).status_code == 403
    db.session.refresh(item)
    assert not item.is_hidden


def test_the_seeded_themes_are_there():
    slugs = set(db.session.scalars(select(Theme.slug)))

    assert {
        "basishulp",
        "jeugd",
        "welzijn",
        "zorg",
        "sport",
        "onderwijs",
        "participatie",
        "wonen",
        "energie",
        "voedsel",
        "armoede",
    } <= slugs


def test_an_admin_adds_a_theme(client, sign_in, people):
    sign_in(people["platform_admin"])

    response = client.post(
        "/knowledge/themes", data={"name_nl": "Mobiliteit & Vervoer", "name_en": "Mobility"}
    )

    assert response.status_code == 302
    theme = db.session.scalar(select(Theme).where(Theme.slug == "mobiliteit-vervoer"))
    assert theme.name_en == "Mobility"
    assert "Mobiliteit &amp; Vervoer" in client.get("/knowledge/themes").text


def test_a_theme_that_exists_is_refused(client, sign_in, people):
    sign_in(people["platform_admin"])

    response = client.post("/knowledge/themes", data={"name_nl": "Zorg", "name_en": "Care 2"})

    assert response.status_code == 422
    assert field_error(response.text, "name_nl")
    assert 'value="Care 2"' in response.text


def test_a_theme_name_without_letters_is_refused(client, sign_in, people):
    sign_in(people["platform_admin"])

    response = client.post("/knowledge/themes", data={"name_nl": "!!!", "name_en": "???"})

    assert response.status_code == 422
