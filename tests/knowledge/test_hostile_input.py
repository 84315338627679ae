"""Garbage posted to every knowledge form: never a 500, never markup in the page, nothing
half-written."""

from __future__ import annotations

import io

import pytest
from hypothesis import given

from coop.knowledge.models import Visibility
from tests.factories import KnowledgeItemFactory, MembershipFactory, UserFactory
from tests.test_hostile_input import SETTINGS, check, post, some_hostile

VALID_ITEM = {
    "title": "Repair café",
    "summary": "Samen repareren.",
    "body": "Elke **zaterdag**.",
    "wijk": "Lombok",
    "target_group": "EVERYONE",
    "tags": "repareren, duurzaam",
    "visibility": "NETWORK",
    "themes": "1",
    "contact": "anna@example.test",
    "publish": "1",
}
VALID_PLAN = VALID_ITEM | {
    "need": "Spullen gaan te snel weg.",
    "wijk_analysis": "Wijkscan 2024.",
    "approach": "- vrijwilligers\n- gereedschap",
    "budget": "€ 1.000",
    "funders": "Gemeente",
    "expected_impact": "Minder afval.",
    "measured_impact": "",
    "lessons": "Begin klein.",
}
VALID_FUNDING = VALID_ITEM | {
    "funder": "Gemeente Utrecht",
    "funding_kind": "SUBSIDY",
    "amount_min": "500",
    "amount_max": "25.000",
    "deadline_on": "2031-03-01",
    "eligibility": "Bewoners.",
    "criteria": "Voor de buurt.",
    "link": "https://utrecht.example.org/fonds",
}


@pytest.fixture
def member():
    return MembershipFactory()


@SETTINGS
@given(data=some_hostile(VALID_PLAN))
def test_new_plan_survives_hostile_input(client, login, member, data):
    login(member.user)

    check(
        post(client, "/knowledge/new/projectplan", data | {"cooperative_id": member.cooperative_id})
    )


@SETTINGS
@given(data=some_hostile(VALID_FUNDING | {"cooperative_id": "1"}))
def test_new_funding_survives_hostile_input(client, login, member, data):
    login(member.user)

    check(post(client, "/knowledge/new/financiering", data))


@SETTINGS
@given(data=some_hostile(VALID_ITEM))
def test_new_idea_survives_hostile_input(client, login, member, data):
    login(member.user)

    check(post(client, "/knowledge/new/idee", data | {"cooperative_id": member.cooperative_id}))


@SETTINGS
@given(data=some_hostile(VALID_FUNDING))
def test_edit_survives_hostile_input(client, login, member, data):
    from coop.knowledge.models import ItemKind

    item = KnowledgeItemFactory(author_membership=member, kind=ItemKind.FUNDING)
    login(member.user)

    check(post(client, f"/knowledge/{item.id}/edit", data))


@SETTINGS
@given(data=some_hostile({"reason": "Reclame."}))
def test_hide_survives_hostile_input(client, login, member, data):
    item = KnowledgeItemFactory(author_membership=member, visibility=Visibility.PUBLIC)
    login(UserFactory(is_platform_admin=True))

    check(post(client, f"/knowledge/{item.id}/hide", data))


@SETTINGS
@given(data=some_hostile({"name_nl": "Cultuur", "name_en": "Culture"}))
def test_theme_form_survives_hostile_input(client, login, data):
    login(UserFactory(is_platform_admin=True))

    check(post(client, "/knowledge/themes", data))


@SETTINGS
@given(
    data=some_hostile(
        {
            "q": "zorg",
            "kind": "idee",
            "theme": "zorg",
            "wijk": "Lombok",
            "target_group": "ELDERLY",
            "page": "2",
            "mine": "1",
        }
    )
)
def test_search_survives_hostile_input(client, login, member, data):
    login(member.user)

    check(client.get("/knowledge/", query_string=data))


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>.pdf",
        "\x00.pdf",
        "a" * 5000 + ".pdf",
        "../../etc/passwd",
        "\u202egnp.exe",
        "con.pdf",
        "",
        ".",
        "..",
        " .pdf",
    ],
)
def test_upload_survives_hostile_file_names(client, login, member, name):
    item = KnowledgeItemFactory(author_membership=member)
    login(member.user)

    response = client.post(
        f"/knowledge/{item.id}/files",
        data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    check(response)


@pytest.mark.parametrize(
    "path",
    ["/knowledge/new/projectplan", "/knowledge/new/financiering", "/knowledge/new/idee"],
)
def test_a_nul_byte_in_any_field(client, login, member, path):
    login(member.user)
    valid = VALID_PLAN if "plan" in path else VALID_FUNDING if "financ" in path else VALID_ITEM
    for name in valid:
        data = valid | {"cooperative_id": member.cooperative_id, name: "lombok\x00x"}

        response = post(client, path, data)

        check(response)
        assert response.status_code in (200, 422), name


# Funding, following, reuse, questions and bookmarks ------------------------------------------


@pytest.fixture
def plan(member):
    from coop.knowledge.models import ItemKind

    return KnowledgeItemFactory(author_membership=member, kind=ItemKind.PLAN)


@SETTINGS
@given(data=some_hostile({"body": "Hoeveel vrijwilligers?"}))
def test_question_survives_hostile_input(client, login, plan, data):
    login(MembershipFactory().user)

    check(post(client, f"/knowledge/{plan.id}/questions", data))


@SETTINGS
@given(data=some_hostile({"answer": "Zes."}))
def test_answer_survives_hostile_input(client, login, plan, data):
    from tests.factories import QuestionFactory

    question = QuestionFactory(item=plan)
    login(plan.author)
    prefixed = {f"q{question.id}-{key}" if key == "answer" else key: v for key, v in data.items()}

    check(post(client, f"/knowledge/{plan.id}/questions/{question.id}/answer", prefixed))


@SETTINGS
@given(data=some_hostile({"cooperative_id": "1"}))
def test_reuse_survives_hostile_input(client, login, plan, data):
    login(MembershipFactory().user)

    check(post(client, f"/knowledge/{plan.id}/reuse", data))


@SETTINGS
@given(data=some_hostile({"themes": "1"}))
def test_following_survives_hostile_input(client, login, member, data):
    login(member.user)

    check(post(client, "/knowledge/following", data))


@SETTINGS
@given(data=some_hostile({"follow": "1", "on": "1"}))
def test_follow_and_bookmark_survive_hostile_input(client, login, member, plan, data):
    login(member.user)

    check(post(client, "/knowledge/themes/zorg/follow", data))
    check(post(client, f"/knowledge/{plan.id}/bookmark", data))


@SETTINGS
@given(data=some_hostile({"theme": "energie"}))
def test_funding_list_survives_hostile_input(client, data):
    check(client.get("/knowledge/funding", query_string=data))
