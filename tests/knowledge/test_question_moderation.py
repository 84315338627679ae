"""Hiding questions and answers: the item's author, its cooperative's board and platform
admins hide them with a reason that the writer sees; nobody else sees them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coop.audit import AuditEvent
from coop.extensions import db
from coop.knowledge.models import ItemKind, Visibility
from tests.factories import KnowledgeItemFactory, MembershipFactory, QuestionFactory
from tests.knowledge.conftest import field_error
from tests.mailcapture import html_of, text_of


@pytest.fixture
def item(author):
    return KnowledgeItemFactory(
        author_membership=author,
        kind=ItemKind.PLAN,
        title="Repaircafé in het buurthuis",
        visibility=Visibility.PUBLIC,
    )


@pytest.fixture
def asker(other_coop):
    return MembershipFactory(cooperative=other_coop, name="Vera Vrager").user


@pytest.fixture
def question(item, asker):
    return QuestionFactory(item=item, asked_by_id=asker.id, body="Koop hier goedkope pillen!")


def hide(client, item, question, part="question", reason="Dit is reclame."):
    prefix = "hq" if part == "question" else "ha"
    return client.post(
        f"/knowledge/{item.id}/questions/{question.id}/hide",
        data={"part": part, f"{prefix}{question.id}-reason": reason},
    )


def actions(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize("who", ["author", "board", "platform_admin"])
def test_the_moderators_hide_a_question_with_a_reason(
    client, sign_in, people, item, question, asker, who
):
    sign_in(people[who])

    response = hide(client, item, question)

    assert response.status_code == 302
    db.session.refresh(question)
    assert question.hidden_at is not None
    assert question.hidden_reason == "Dit is reclame."
    assert question.hidden_by_id == people[who].id
    [event] = actions("knowledge.question_hidden")
    assert (event.subject_id, event.actor_id, event.cooperative_id) == (
        question.id,
        people[who].id,
        item.cooperative_id,
    )
    # The moderator still sees it, marked, with the button to show it again.
    page = client.get(f"/knowledge/{item.id}").text
    assert "Koop hier goedkope pillen!" in page
    assert f"/knowledge/{item.id}/questions/{question.id}/unhide" in page
    # Its writer sees it with the reason; everybody else does not see it at all.
    sign_in(asker)
    page = client.get(f"/knowledge/{item.id}").text
    assert "Koop hier goedkope pillen!" in page
    assert "Dit is reclame." in page
    for role in ("anonymous", "member", "other_member", "no_membership"):
        sign_in(people[role])
        page = client.get(f"/knowledge/{item.id}").text
        assert "Koop hier goedkope pillen!" not in page, role
        assert "Dit is reclame." not in page, role


@pytest.mark.parametrize("role", ["member", "other_member", "no_membership"])
def test_others_cannot_hide_a_question(client, sign_in, people, item, question, asker, role):
    sign_in(people[role])

    response = hide(client, item, question)

    assert response.status_code == 302
    db.session.refresh(question)
    assert question.hidden_at is None
    assert actions("knowledge.question_hidden") == []
    assert "unhide" not in client.get(f"/knowledge/{item.id}").text


def test_the_writer_of_a_question_cannot_hide_it_themselves(client, sign_in, item, question, asker):
    sign_in(asker)

    hide(client, item, question)

    db.session.refresh(question)
    assert question.hidden_at is None


def test_hiding_needs_a_reason(client, sign_in, item, question):
    sign_in(item.author)

    response = hide(client, item, question, reason="   ")

    assert response.status_code == 422
    assert field_error(response.text, f"hq{question.id}-reason")
    db.session.refresh(question)
    assert question.hidden_at is None


def test_an_answer_is_hidden_on_its_own(client, sign_in, people, item, asker):
    question = QuestionFactory(
        item=item,
        asked_by_id=asker.id,
        body="Hoeveel vrijwilligers?",
        answer="Bel me op 06-12345678 voor een deal.",
        answered_by_id=item.author_id,
    )
    sign_in(people["platform_admin"])

    response = hide(client, item, question, part="answer", reason="Geen reclame.")

    assert response.status_code == 302
    db.session.refresh(question)
    assert question.answer_hidden_at is not None
    assert question.hidden_at is None
    assert len(actions("knowledge.answer_hidden")) == 1
    sign_in(asker)
    page = client.get(f"/knowledge/{item.id}").text
    assert "Hoeveel vrijwilligers?" in page
    assert "06-12345678" not in page
    sign_in(item.author)  # its writer (and a moderator) sees it, with the reason
    page = client.get(f"/knowledge/{item.id}").text
    assert "06-12345678" in page
    assert "Geen reclame." in page


def test_a_moderator_shows_a_question_again(client, sign_in, people, item, question):
    sign_in(item.author)
    hide(client, item, question)

    response = client.post(
        f"/knowledge/{item.id}/questions/{question.id}/unhide", data={"part": "question"}
    )

    assert response.status_code == 302
    db.session.refresh(question)
    assert question.hidden_at is None
    assert question.hidden_reason == ""
    assert len(actions("knowledge.question_unhidden")) == 1
    sign_in(people["anonymous"])
    assert "Koop hier goedkope pillen!" in client.get(f"/knowledge/{item.id}").text


def test_others_cannot_show_a_hidden_question_again(client, sign_in, people, item, question):
    sign_in(item.author)
    hide(client, item, question)
    sign_in(people["member"])

    client.post(f"/knowledge/{item.id}/questions/{question.id}/unhide", data={"part": "question"})

    db.session.refresh(question)
    assert question.hidden_at is not None
    assert actions("knowledge.question_unhidden") == []


def test_hidden_questions_are_not_mailed(client, sign_in, mailbox, people, item, question, asker):
    """Hiding mails nobody, and the question never reaches anyone by mail afterwards: the
    next question's mail to the author holds that question alone."""
    sign_in(item.author)
    hide(client, item, question)
    assert mailbox.messages == []

    sign_in(people["other_member"])
    client.post(f"/knowledge/{item.id}/questions", data={"body": "Waar kopen jullie onderdelen?"})

    [message] = mailbox.messages
    assert "Waar kopen jullie onderdelen?" in text_of(message)
    assert "pillen" not in text_of(message)
    assert "pillen" not in html_of(message)


def test_a_question_of_another_item_cannot_be_hidden_through_this_one(
    client, sign_in, author, item, asker
):
    elsewhere = QuestionFactory(
        item=KnowledgeItemFactory(author_membership=author), asked_by_id=asker.id
    )
    sign_in(item.author)

    response = hide(client, item, elsewhere)

    assert response.status_code == 404
    db.session.refresh(elsewhere)
    assert elsewhere.hidden_at is None


def test_hiding_needs_csrf(client, sign_in, item, question, csrf):
    sign_in(item.author)

    assert hide(client, item, question).status_code == 400
    db.session.refresh(question)
    assert question.hidden_at is None
