"""Writing items: a form per kind, drafts, publishing, editing, who may edit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coop.extensions import db
from coop.knowledge.forms import parse_euros
from coop.knowledge.models import (
    FundingKind,
    ItemKind,
    ItemStatus,
    KnowledgeItem,
    TargetGroup,
    Visibility,
)
from coop.members.models import Function
from tests.factories import KnowledgeItemFactory, MembershipFactory, board_member
from tests.knowledge.conftest import field_error, theme

VALID_PLAN = {
    "title": "Klussendienst voor ouderen",
    "summary": "Vrijwilligers doen kleine klussen bij ouderen thuis.",
    "need": "Ouderen wachten lang op **kleine** klussen.",
    "wijk_analysis": "Uit de wijkscan: 30% is ouder dan 70.",
    "approach": "- vrijwilligers werven\n- klussen plannen",
    "budget": "- gereedschap: € 1.500\n- verzekering: € 300",
    "funders": "Gemeente Utrecht",
    "expected_impact": "100 klussen per jaar",
    "measured_impact": "",
    "lessons": "Begin klein.",
    "contact": "Anna, klussen@lombok.example.org",
    "body": "",
    "wijk": "Lombok",
    "target_group": "ELDERLY",
    "tags": "klussen, vrijwilligers",
    "visibility": "NETWORK",
    "publish": "1",
}

VALID_FUNDING = {
    "title": "Buurtfonds Utrecht",
    "summary": "Geld voor bewonersinitiatieven.",
    "funder": "Gemeente Utrecht",
    "funding_kind": "SUBSIDY",
    "amount_min": "500",
    "amount_max": "25.000",
    "deadline_on": "2031-03-01",
    "eligibility": "Bewonersgroepen en coöperaties.",
    "criteria": "Voor en door bewoners.",
    "link": "https://www.utrecht.example.org/buurtfonds",
    "contact": "initiatieven@utrecht.example.org",
    "body": "",
    "wijk": "",
    "target_group": "",
    "tags": "",
    "visibility": "PUBLIC",
    "publish": "1",
}


def only_item() -> KnowledgeItem:
    return db.session.scalars(select(KnowledgeItem).order_by(KnowledgeItem.id.desc())).first()


def count_items() -> int:
    return db.session.scalar(select(func.count()).select_from(KnowledgeItem))


# Choosing a kind ----------------------------------------------------------------------------


def test_a_member_chooses_a_kind_first(client, login, author):
    login(author.user)

    response = client.get("/knowledge/new")

    assert response.status_code == 200
    for kind in ItemKind:
        assert f"/knowledge/new/{kind.value}" in response.text


def test_someone_without_a_membership_is_told_why_they_cannot_share(client, login, people):
    login(people["no_membership"])

    assert "als je lid bent van een coöperatie" in client.get("/knowledge/new").text
    response = client.post("/knowledge/new/idee", data={"title": "x", "publish": "1"})

    assert response.status_code == 302
    assert count_items() == 0


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/knowledge/new/idee")

    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_an_unknown_kind_is_not_found(client, login, author):
    login(author.user)

    assert client.get("/knowledge/new/roddel").status_code == 404


# Creating -----------------------------------------------------------------------------------


def test_a_member_publishes_a_project_plan(client, login, coop, author):
    login(author.user)
    themes = [theme("zorg").id, theme("participatie").id]

    response = client.post(
        "/knowledge/new/projectplan",
        data={**VALID_PLAN, "cooperative_id": str(coop.id), "themes": [str(i) for i in themes]},
    )

    assert response.status_code == 302
    item = only_item()
    assert item.kind is ItemKind.PLAN
    assert item.status is ItemStatus.PUBLISHED
    assert item.published_at is not None
    assert item.cooperative_id == coop.id
    assert item.author_id == author.user.id
    assert item.target_group is TargetGroup.ELDERLY
    assert item.visibility is Visibility.NETWORK
    assert {t.slug for t in item.themes} == {"zorg", "participatie"}
    assert item.tags == "klussen, vrijwilligers"
    page = client.get(response.headers["Location"]).text
    assert "<strong>kleine</strong>" in page
    assert "Klussendienst voor ouderen" in page
    assert "Begin klein." in page


def test_a_funding_opportunity_keeps_amounts_in_cents_and_the_deadline(client, login, coop, author):
    login(author.user)

    response = client.post(
        "/knowledge/new/financiering", data={**VALID_FUNDING, "cooperative_id": str(coop.id)}
    )

    assert response.status_code == 302
    item = only_item()
    assert item.kind is ItemKind.FUNDING
    assert item.funding_kind is FundingKind.SUBSIDY
    assert (item.amount_min_cents, item.amount_max_cents) == (50_000, 2_500_000)
    assert item.deadline_on.isoformat() == "2031-03-01"
    page = client.get(response.headers["Location"]).text
    assert "25.000,00" in page
    assert 'href="https://www.utrecht.example.org/buurtfonds"' in page


def test_save_as_draft_keeps_it_to_the_author(client, login, coop, author):
    login(author.user)

    client.post(
        "/knowledge/new/idee",
        data={
            "cooperative_id": str(coop.id),
            "title": "Repair café",
            "visibility": "PUBLIC",
            "save_draft": "1",
        },
    )

    item = only_item()
    assert item.status is ItemStatus.DRAFT
    assert item.published_at is None


@pytest.mark.parametrize("kind", [k.value for k in ItemKind])
def test_every_kind_has_a_form(client, login, author, kind):
    login(author.user)

    response = client.get(f"/knowledge/new/{kind}")

    assert response.status_code == 200
    assert 'name="title"' in response.text
    assert ('name="need"' in response.text) == (kind == "projectplan")
    assert ('name="deadline_on"' in response.text) == (kind == "financiering")


def test_an_author_with_two_memberships_chooses_the_cooperative(client, login, author, other_coop):
    MembershipFactory(cooperative=other_coop, user=author.user)
    login(author.user)

    response = client.post(
        "/knowledge/new/idee",
        data={
            "cooperative_id": str(other_coop.id),
            "title": "Buurtmoestuin",
            "publish": "1",
            "visibility": "NETWORK",
        },
    )

    assert response.status_code == 302
    assert only_item().cooperative_id == other_coop.id


def test_a_cooperative_one_is_not_a_member_of_is_refused(client, login, author, other_coop):
    login(author.user)

    response = client.post(
        "/knowledge/new/idee",
        data={
            "cooperative_id": str(other_coop.id),
            "title": "Inbraak",
            "publish": "1",
            "visibility": "NETWORK",
        },
    )

    assert response.status_code == 422
    assert field_error(response.text, "cooperative_id")
    assert count_items() == 0


# Bad input ----------------------------------------------------------------------------------


def test_errors_show_at_the_field_and_keep_what_was_typed(client, login, coop, author):
    login(author.user)

    response = client.post(
        "/knowledge/new/financiering",
        data={
            **VALID_FUNDING,
            "cooperative_id": str(coop.id),
            "title": "",
            "amount_min": "veel",
            "link": "javascript:alert(1)",
            "deadline_on": "2031-02-30",
            "summary": "Mijn samenvatting blijft staan",
        },
    )

    assert response.status_code == 422
    assert field_error(response.text, "title")
    assert field_error(response.text, "amount_min")
    assert field_error(response.text, "link")
    assert field_error(response.text, "deadline_on")
    assert "Mijn samenvatting blijft staan" in response.text
    assert count_items() == 0


def test_the_highest_amount_must_not_be_below_the_lowest(client, login, coop, author):
    login(author.user)

    response = client.post(
        "/knowledge/new/financiering",
        data={
            **VALID_FUNDING,
            "cooperative_id": str(coop.id),
            "amount_min": "5000",
            "amount_max": "100",
        },
    )

    assert response.status_code == 422
    assert field_error(response.text, "amount_max")
    assert 'value="5000"' in response.text
    assert count_items() == 0


def test_an_unknown_theme_is_refused(client, login, coop, author):
    login(author.user)

    response = client.post(
        "/knowledge/new/idee",
        data={
            "cooperative_id": str(coop.id),
            "title": "X",
            "themes": ["999999"],
            "visibility": "NETWORK",
            "publish": "1",
        },
    )

    assert response.status_code == 422
    assert count_items() == 0


def test_too_many_tags(client, login, coop, author):
    login(author.user)

    response = client.post(
        "/knowledge/new/idee",
        data={
            "cooperative_id": str(coop.id),
            "title": "X",
            "visibility": "NETWORK",
            "tags": ",".join(f"tag{i}" for i in range(11)),
        },
    )

    assert field_error(response.text, "tags")


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("25000", 2_500_000),
        ("25.000", 2_500_000),
        ("€ 1.250,50", 125_050),
        ("1250,5", 125_050),
        ("1250.50", 125_050),
        ("25,000", 2_500_000),
        ("0", 0),
    ],
)
def test_amounts_in_euros(text, cents):
    assert parse_euros(text) == cents


@pytest.mark.parametrize("text", ["veel", "-5", "1,2,3", "1e9", "١٢٣", "999999999999", ""])
def test_amounts_that_are_not(text):
    with pytest.raises(ValueError, match="not an amount"):
        parse_euros(text)


# Editing ------------------------------------------------------------------------------------


def test_the_author_edits_and_the_form_shows_the_current_values(client, login, author):
    item = KnowledgeItemFactory(
        author_membership=author,
        kind=ItemKind.FUNDING,
        amount_max_cents=250_000,
        funding_kind=FundingKind.PRIZE,
    )
    login(author.user)

    page = client.get(f"/knowledge/{item.id}/edit").text
    assert 'value="2500"' in page
    response = client.post(
        f"/knowledge/{item.id}/edit",
        data={**VALID_FUNDING, "title": "Nieuwe titel", "publish": "1"},
    )

    assert response.status_code == 302
    db.session.refresh(item)
    assert item.title == "Nieuwe titel"
    assert item.status is ItemStatus.PUBLISHED


def test_the_board_of_the_items_cooperative_may_edit(client, login, coop, author):
    item = KnowledgeItemFactory(author_membership=author)
    login(board_member(coop, Function.SECRETARY).user)

    response = client.post(
        f"/knowledge/{item.id}/edit",
        data={"title": "Door het bestuur", "visibility": "NETWORK", "publish": "1"},
    )

    assert response.status_code == 302
    db.session.refresh(item)
    assert item.title == "Door het bestuur"
    assert item.author_id == author.user.id


@pytest.mark.parametrize("role", ["member", "other_member", "no_membership", "platform_admin"])
def test_others_may_not_edit(client, login, people, author, role):
    item = KnowledgeItemFactory(author_membership=author, visibility=Visibility.PUBLIC)
    login(people[role])

    page = client.get(f"/knowledge/{item.id}").text
    response = client.post(
        f"/knowledge/{item.id}/edit",
        data={"title": "Gekaapt", "visibility": "PUBLIC", "publish": "1"},
    )

    assert f"/knowledge/{item.id}/edit" not in page
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.title != "Gekaapt"


def test_the_author_turns_an_item_back_into_a_draft(client, login, author):
    item = KnowledgeItemFactory(author_membership=author)
    login(author.user)

    client.post(
        f"/knowledge/{item.id}/edit",
        data={"title": item.title, "visibility": "NETWORK", "save_draft": "1"},
    )

    db.session.refresh(item)
    assert item.status is ItemStatus.DRAFT


def test_the_board_cannot_turn_it_into_a_draft(client, login, coop, author):
    item = KnowledgeItemFactory(author_membership=author)
    login(board_member(coop).user)

    response = client.post(
        f"/knowledge/{item.id}/edit",
        data={"title": "Weg ermee", "visibility": "NETWORK", "save_draft": "1"},
    )

    assert response.status_code == 422
    db.session.refresh(item)
    assert item.status is ItemStatus.PUBLISHED
    assert item.title != "Weg ermee"


def test_the_main_menu_links_to_the_knowledge_network(client):
    assert 'href="/knowledge/"' in client.get("/").text
