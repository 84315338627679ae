"""Reuse ('use this plan'), questions and answers, bookmarks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coop.extensions import db
from coop.knowledge import services
from coop.knowledge.models import (
    Bookmark,
    ItemKind,
    ItemStatus,
    KnowledgeItem,
    Question,
    Visibility,
)
from coop.members.models import Function, MembershipStatus
from tests.factories import (
    AttachmentFactory,
    KnowledgeItemFactory,
    MembershipFactory,
    QuestionFactory,
    board_member,
)
from tests.knowledge.conftest import field_error, theme
from tests.mailcapture import text_of


@pytest.fixture
def plan(author):
    item = KnowledgeItemFactory(
        author_membership=author,
        kind=ItemKind.PLAN,
        title="Klussendienst voor ouderen",
        need="Ouderen wachten lang op klussen.",
        approach="Vrijwilligers met gereedschap.",
        budget="- gereedschap: € 1.500",
        measured_impact="120 klussen in 2025",
        lessons="Begin klein.",
        contact="anna@lombok.example.org",
        themes=[theme("zorg")],
        wijk="Lombok",
    )
    AttachmentFactory(item=item)
    return item


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# Reuse ----------------------------------------------------------------------------------------


def test_a_member_of_another_cooperative_reuses_a_plan_as_a_draft(client, login, plan, other_coop):
    reuser = MembershipFactory(cooperative=other_coop)
    login(reuser.user)

    page = client.get(f"/knowledge/{plan.id}/reuse")
    assert page.status_code == 200
    assert other_coop.name in page.text
    response = client.post(f"/knowledge/{plan.id}/reuse", data={"cooperative_id": other_coop.id})

    assert response.status_code == 302
    copy = db.session.scalar(select(KnowledgeItem).where(KnowledgeItem.reused_from_id == plan.id))
    assert response.headers["Location"].endswith(f"/knowledge/{copy.id}/edit")
    assert copy.status is ItemStatus.DRAFT
    assert copy.cooperative_id == other_coop.id
    assert copy.author_id == reuser.user_id
    assert copy.kind is ItemKind.PLAN
    assert (copy.title, copy.need, copy.approach, copy.budget) == (
        plan.title,
        plan.need,
        plan.approach,
        plan.budget,
    )
    # Measured impact and contact stay with the original (shown through the link); its
    # lessons come along as context.
    assert copy.measured_impact == ""
    assert copy.contact == ""
    assert copy.lessons.startswith("### ")
    assert "Begin klein." in copy.lessons
    assert [t.slug for t in copy.themes] == ["zorg"]
    assert [a.sha256 for a in copy.attachments] == [a.sha256 for a in plan.attachments]
    # The copy links to the original; the original counts its reuses.
    copy_page = client.get(f"/knowledge/{copy.id}").text
    assert f'href="/knowledge/{plan.id}"' in copy_page
    assert services.reuse_count(plan) == 1
    assert "1" in client.get(f"/knowledge/{plan.id}").text.split('class="reuse-count"')[1][:40]
    # The draft is the reuser's alone.
    login(plan.author)
    assert client.get(f"/knowledge/{copy.id}").status_code == 404


def test_the_copy_is_found_in_search_by_its_author(client, login, plan, other_coop):
    reuser = MembershipFactory(cooperative=other_coop)
    login(reuser.user)
    client.post(f"/knowledge/{plan.id}/reuse", data={"cooperative_id": other_coop.id})

    found = client.get("/knowledge/", query_string={"q": "klussendienst", "mine": "1"}).text

    assert "Klussendienst voor ouderen" in found


def test_a_plan_is_copied_only_into_the_members_own_cooperatives(
    client, login, plan, other_coop, coop
):
    reuser = MembershipFactory(cooperative=other_coop)
    login(reuser.user)
    before = count(KnowledgeItem)

    response = client.post(f"/knowledge/{plan.id}/reuse", data={"cooperative_id": coop.id})

    assert response.status_code == 422
    assert field_error(response.text, "cooperative_id")
    assert count(KnowledgeItem) == before


def test_a_suspended_membership_is_not_a_place_to_copy_to(client, login, plan, other_coop):
    plan.visibility = Visibility.PUBLIC  # so that they can see it
    suspended = MembershipFactory(cooperative=other_coop, status=MembershipStatus.SUSPENDED)
    login(suspended.user)
    before = count(KnowledgeItem)

    response = client.post(f"/knowledge/{plan.id}/reuse", data={"cooperative_id": other_coop.id})

    assert response.status_code == 302
    assert count(KnowledgeItem) == before


@pytest.mark.parametrize("kind", [ItemKind.IDEA, ItemKind.FUNDING, ItemKind.STORY])
def test_only_project_plans_can_be_reused(client, login, author, other_coop, kind):
    item = KnowledgeItemFactory(author_membership=author, kind=kind)
    login(MembershipFactory(cooperative=other_coop).user)
    before = count(KnowledgeItem)

    response = client.post(f"/knowledge/{item.id}/reuse", data={"cooperative_id": other_coop.id})

    assert response.status_code == 302
    assert count(KnowledgeItem) == before


def test_a_plan_you_cannot_see_cannot_be_reused(client, login, author, other_coop):
    secret = KnowledgeItemFactory(
        author_membership=author, kind=ItemKind.PLAN, visibility=Visibility.COOPERATIVE
    )
    login(MembershipFactory(cooperative=other_coop).user)

    response = client.post(f"/knowledge/{secret.id}/reuse", data={"cooperative_id": other_coop.id})

    assert response.status_code == 404


def test_the_copy_shows_the_originals_measured_impact_and_contact_through_the_link(
    client, login, plan, other_coop
):
    reuser = MembershipFactory(cooperative=other_coop)
    copy = services.reuse(plan, by=reuser.user, cooperative_id=other_coop.id)
    login(reuser.user)

    page = client.get(f"/knowledge/{copy.id}").text
    edit = client.get(f"/knowledge/{copy.id}/edit").text

    assert "120 klussen in 2025" in page
    assert "anna@lombok.example.org" in page
    assert "Lessen uit het origineel" in page
    # The form of the copy holds no measured impact and no contact of the original.
    assert "120 klussen" not in edit
    assert "anna@lombok.example.org" not in edit
    assert "Begin klein." in edit


def test_a_plan_without_lessons_gives_a_copy_without_lessons(plan, other_coop):
    plan.lessons = ""
    reuser = MembershipFactory(cooperative=other_coop)

    copy = services.reuse(plan, by=reuser.user, cooperative_id=other_coop.id)

    assert copy.lessons == ""


def test_a_copy_whose_original_is_hidden_does_not_show_the_original(
    client, login, plan, other_coop
):
    reuser = MembershipFactory(cooperative=other_coop)
    copy = services.reuse(plan, by=reuser.user, cooperative_id=other_coop.id)
    plan.visibility = Visibility.COOPERATIVE
    db.session.flush()
    login(reuser.user)

    page = client.get(f"/knowledge/{copy.id}").text

    assert f'href="/knowledge/{plan.id}"' not in page
    assert "120 klussen in 2025" not in page
    assert "anna@lombok.example.org" not in page


# Questions and answers ----------------------------------------------------------------------


def test_a_member_asks_and_the_author_gets_a_mail_in_their_language(
    client, login, mailbox, plan, other_coop
):
    plan.author.locale = "en"
    asker = MembershipFactory(cooperative=other_coop, name="Bram Vrager")
    login(asker.user)

    response = client.post(
        f"/knowledge/{plan.id}/questions", data={"body": "Hoeveel vrijwilligers?"}
    )

    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert (question.item_id, question.asked_by_id) == (plan.id, asker.user_id)
    message = mailbox.last_to(plan.author.email)
    assert message["Subject"] == f"A question about {plan.title}"
    assert message["Content-Language"] == "en"
    assert "Hoeveel vrijwilligers?" in text_of(message)
    assert f"/knowledge/{plan.id}#questions" in text_of(message)
    assert "Hoeveel vrijwilligers?" in client.get(f"/knowledge/{plan.id}").text


def test_the_author_asking_on_their_own_item_gets_no_mail(client, login, mailbox, plan):
    login(plan.author)

    client.post(f"/knowledge/{plan.id}/questions", data={"body": "Een aantekening"})

    assert mailbox.to(plan.author.email) == []
    assert count(Question) == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_a_bad_question_is_refused_at_the_field(client, login, mailbox, plan, other_coop, body):
    login(MembershipFactory(cooperative=other_coop).user)

    response = client.post(f"/knowledge/{plan.id}/questions", data={"body": body})

    assert response.status_code == 422
    assert field_error(response.text, "body")
    assert count(Question) == 0
    assert mailbox.to(plan.author.email) == []


def test_without_a_membership_you_cannot_ask(client, login, people, author):
    item = KnowledgeItemFactory(author_membership=author, visibility=Visibility.PUBLIC)
    login(people["no_membership"])

    response = client.post(f"/knowledge/{item.id}/questions", data={"body": "Mag ik iets vragen?"})

    assert response.status_code == 422
    assert field_error(response.text, "body")
    assert count(Question) == 0


def test_you_cannot_ask_under_an_item_you_cannot_see(client, login, author, other_coop):
    secret = KnowledgeItemFactory(author_membership=author, visibility=Visibility.COOPERATIVE)
    login(MembershipFactory(cooperative=other_coop).user)

    response = client.post(f"/knowledge/{secret.id}/questions", data={"body": "Hallo?"})

    assert response.status_code == 404
    assert count(Question) == 0


def test_a_question_with_markup_is_shown_as_text(client, login, plan, other_coop):
    login(MembershipFactory(cooperative=other_coop).user)

    client.post(f"/knowledge/{plan.id}/questions", data={"body": "<script>alert(1)</script>"})
    page = client.get(f"/knowledge/{plan.id}").text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("who", ["author", "board"])
def test_the_author_and_the_board_answer(client, login, plan, coop, who):
    question = QuestionFactory(item=plan)
    user = plan.author if who == "author" else board_member(coop, Function.CHAIR).user
    login(user)
    prefix = f"q{question.id}-"

    page = client.get(f"/knowledge/{plan.id}").text
    assert f'name="{prefix}answer"' in page
    response = client.post(
        f"/knowledge/{plan.id}/questions/{question.id}/answer",
        data={f"{prefix}answer": "Zes vrijwilligers."},
    )

    assert response.status_code == 302
    db.session.refresh(question)
    assert question.answer == "Zes vrijwilligers."
    assert question.answered_by_id == user.id
    assert "Zes vrijwilligers." in client.get(f"/knowledge/{plan.id}").text


def test_others_cannot_answer(client, login, plan, coop):
    question = QuestionFactory(item=plan)
    login(MembershipFactory(cooperative=coop).user)

    page = client.get(f"/knowledge/{plan.id}").text
    response = client.post(
        f"/knowledge/{plan.id}/questions/{question.id}/answer",
        data={f"q{question.id}-answer": "Ik weet het!"},
    )

    assert f"q{question.id}-answer" not in page
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.answer == ""


def test_an_empty_answer_is_refused_at_the_field(client, login, plan):
    question = QuestionFactory(item=plan)
    login(plan.author)

    response = client.post(
        f"/knowledge/{plan.id}/questions/{question.id}/answer",
        data={f"q{question.id}-answer": "  "},
    )

    assert response.status_code == 422
    assert field_error(response.text, f"q{question.id}-answer")


def test_a_question_of_another_item_is_not_found(client, login, plan, author):
    other = QuestionFactory(item=KnowledgeItemFactory(author_membership=author))
    login(plan.author)

    response = client.post(
        f"/knowledge/{plan.id}/questions/{other.id}/answer",
        data={f"q{other.id}-answer": "Nee"},
    )

    assert response.status_code == 404


# Bookmarks ----------------------------------------------------------------------------------


def test_a_member_bookmarks_items_and_sees_them_on_their_page(
    client, login, plan, author, other_coop
):
    reader = MembershipFactory(cooperative=other_coop).user
    idea = KnowledgeItemFactory(author_membership=author, title="Buurtmoestuin")
    KnowledgeItemFactory(author_membership=author, title="Niet bewaard")
    login(reader)

    client.post(f"/knowledge/{plan.id}/bookmark", data={"on": "1"})
    client.post(f"/knowledge/{idea.id}/bookmark", data={"on": "1"})
    client.post(f"/knowledge/{idea.id}/bookmark", data={"on": "1"})
    page = client.get("/knowledge/bookmarks").text

    assert count(Bookmark) == 2
    assert page.index("Buurtmoestuin") < page.index(plan.title)  # newest first
    assert "Niet bewaard" not in page

    client.post(f"/knowledge/{idea.id}/bookmark", data={"on": "0"})
    assert "Buurtmoestuin" not in client.get("/knowledge/bookmarks").text


def test_a_bookmarked_item_that_becomes_invisible_leaves_the_page(client, login, plan, other_coop):
    reader = MembershipFactory(cooperative=other_coop).user
    login(reader)
    client.post(f"/knowledge/{plan.id}/bookmark", data={"on": "1"})
    plan.visibility = Visibility.COOPERATIVE
    db.session.flush()

    assert plan.title not in client.get("/knowledge/bookmarks").text
    assert client.post(f"/knowledge/{plan.id}/bookmark", data={"on": "1"}).status_code == 404


def test_bookmarks_need_csrf(client, login, plan, csrf):
    login(plan.author)

    assert client.post(f"/knowledge/{plan.id}/bookmark", data={"on": "1"}).status_code == 400
    assert count(Bookmark) == 0
