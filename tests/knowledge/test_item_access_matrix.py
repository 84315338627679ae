"""Every endpoint of one knowledge item, as every kind of person, on every kind of item.

The expected outcome comes from the rules (DESIGN.md and the knowledge issue), not from the
code: who may see an item (``SEES``), who may change it (the author and the board of its
cooperative), who may moderate questions (those and platform admins), who may hide items
(platform admins), and who may reuse a plan or ask a question (people with a membership;
for questions also platform admins) once the item is published.

Outcomes: ``ok`` (the page, or the change is made), ``404`` (the item is not theirs to see:
nobody learns which ids exist), ``denied`` (they see it but may not do this: 403, a form
error, or back to the item with a message; nothing changes), ``login`` (a visitor is sent
to log in). A new endpoint that takes an item id fails this test until it is in ``ACTIONS``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import select

from coop.db import utcnow
from coop.extensions import db
from coop.knowledge.models import (
    Attachment,
    Bookmark,
    ItemKind,
    KnowledgeItem,
    Question,
)
from tests.factories import PDF_BYTES, AttachmentFactory, KnowledgeItemFactory, QuestionFactory
from tests.knowledge.conftest import item_variant

ROLES = (
    "visitor",
    "no_membership",  # an account without a membership
    "member",  # of the author's cooperative
    "other_member",  # of another cooperative
    "board",  # of the author's cooperative
    "author",
    "platform_admin",
)
VARIANTS = ("draft", "own_cooperative", "network", "public", "hidden")

# Who sees each kind of item (a project plan by a member of ``coop``).
SEES = {
    "draft": {"author"},
    "own_cooperative": {"member", "board", "author"},
    "network": {"member", "other_member", "board", "author", "platform_admin"},
    "public": set(ROLES),
    "hidden": {"author", "platform_admin"},
}
WITH_A_MEMBERSHIP = {"member", "other_member", "board", "author"}
EDITORS = {"author", "board"}
MODERATORS = EDITORS | {"platform_admin"}

OK, NOT_FOUND, DENIED, LOGIN = "ok", "404", "denied", "login"


def anyone(role, variant):
    return True


def editors(role, variant):
    return role in EDITORS


def moderators(role, variant):
    return role in MODERATORS


def reusers(role, variant):
    """A published plan, into one of your own cooperatives."""
    return variant != "draft" and role in WITH_A_MEMBERSHIP


def askers(role, variant):
    """A published item; members of a cooperative and platform admins ask."""
    return variant != "draft" and (role in WITH_A_MEMBERSHIP or role == "platform_admin")


@dataclass
class Case:
    """What one request needs: the ids of the item and its file and question, and who asks."""

    item_id: int
    attachment_id: int
    question_id: int
    visibility: str
    user: object  # None for a visitor
    cooperative_id: int  # the user's own cooperative (for reuse)


TITLE, TEXT, REASON = "Titel uit de matrix", "Tekst uit de matrix", "Reden uit de matrix"


def _question(case: Case) -> Question:
    return db.session.get(Question, case.question_id)


def _item(case: Case) -> KnowledgeItem:
    return db.session.get(KnowledgeItem, case.item_id)


def _bookmarked(case: Case) -> bool:
    if case.user is None:
        return False
    return (
        db.session.scalar(
            select(Bookmark.id).where(
                Bookmark.item_id == case.item_id, Bookmark.user_id == case.user.id
            )
        )
        is not None
    )


def _add_bookmark(case: Case) -> None:
    if case.user is not None:
        db.session.add(Bookmark(item_id=case.item_id, user_id=case.user.id))


def _hide_question(case: Case) -> None:
    question = _question(case)
    question.hidden_at = utcnow()
    question.hidden_reason = "Eerder verborgen"


@dataclass
class Action:
    endpoint: str
    method: str
    policy: str  # "public", "signed_in" or "platform_admin": what the endpoint declares
    allowed: Callable  # (role, variant) -> bool, for people who see the item
    data: Callable = lambda case: {}
    # For changes: whether the change is there (read before and after the request).
    done: Callable | None = None
    prepare: Callable | None = None  # run before the request (rolled back after it)
    name: str = ""  # when one endpoint is here twice
    body: Callable | None = None  # a check of the body of an allowed response

    @property
    def id(self) -> str:
        return self.name or f"{self.method} {self.endpoint}"


ACTIONS = [
    Action("knowledge.item", "GET", "public", anyone),
    Action(
        "knowledge.attachment",
        "GET",
        "public",
        anyone,
        body=lambda response: response.data == PDF_BYTES,
    ),
    Action("knowledge.edit", "GET", "signed_in", editors),
    Action(
        "knowledge.edit",
        "POST",
        "signed_in",
        editors,
        data=lambda case: {"title": TITLE, "visibility": case.visibility},
        done=lambda case: _item(case).title == TITLE,
    ),
    Action("knowledge.reuse", "GET", "signed_in", reusers),
    Action(
        "knowledge.reuse",
        "POST",
        "signed_in",
        reusers,
        data=lambda case: {"cooperative_id": case.cooperative_id},
        done=lambda case: (
            case.user is not None
            and db.session.scalar(
                select(KnowledgeItem.id).where(
                    KnowledgeItem.reused_from_id == case.item_id,
                    KnowledgeItem.author_id == case.user.id,
                )
            )
            is not None
        ),
    ),
    Action(
        "knowledge.ask",
        "POST",
        "signed_in",
        askers,
        data=lambda case: {"body": TEXT},
        done=lambda case: (
            db.session.scalar(
                select(Question.id).where(Question.item_id == case.item_id, Question.body == TEXT)
            )
            is not None
        ),
    ),
    Action(
        "knowledge.answer",
        "POST",
        "signed_in",
        editors,
        data=lambda case: {f"q{case.question_id}-answer": TEXT},
        done=lambda case: _question(case).answer == TEXT,
    ),
    Action(
        "knowledge.hide_question",
        "POST",
        "signed_in",
        moderators,
        data=lambda case: {"part": "question", f"hq{case.question_id}-reason": REASON},
        done=lambda case: _question(case).hidden_reason == REASON,
    ),
    Action(
        "knowledge.unhide_question",
        "POST",
        "signed_in",
        moderators,
        data=lambda case: {"part": "question"},
        prepare=_hide_question,
        done=lambda case: _question(case).hidden_at is None,
    ),
    Action(
        "knowledge.bookmark",
        "POST",
        "signed_in",
        anyone,
        name="bookmark",
        data=lambda case: {"on": "1"},
        done=_bookmarked,
    ),
    Action(
        "knowledge.bookmark",
        "POST",
        "signed_in",
        anyone,
        name="unbookmark",
        data=lambda case: {"on": "0"},
        prepare=_add_bookmark,
        done=lambda case: case.user is not None and not _bookmarked(case),
    ),
    Action(
        "knowledge.upload",
        "POST",
        "signed_in",
        editors,
        data=lambda case: {"file": (io.BytesIO(PDF_BYTES), "matrix.pdf")},
        done=lambda case: (
            db.session.scalar(
                select(Attachment.id).where(
                    Attachment.item_id == case.item_id, Attachment.filename == "matrix.pdf"
                )
            )
            is not None
        ),
    ),
    Action(
        "knowledge.delete_attachment",
        "POST",
        "signed_in",
        editors,
        done=lambda case: db.session.get(Attachment, case.attachment_id) is None,
    ),
    Action(
        "knowledge.hide",
        "POST",
        "platform_admin",
        anyone,
        data=lambda case: {"reason": REASON},
        done=lambda case: _item(case).hidden_reason == REASON,
    ),
    Action(
        "knowledge.unhide",
        "POST",
        "platform_admin",
        anyone,
        # Showing an item that is not hidden changes nothing, and is fine.
        done=lambda case: _item(case).hidden_at is None,
    ),
]


def expected(action: Action, role: str, variant: str) -> str:
    if action.policy != "public" and role == "visitor":
        return LOGIN
    if action.policy == "platform_admin" and role != "platform_admin":
        return DENIED
    if role not in SEES[variant]:
        return NOT_FOUND
    return OK if action.allowed(role, variant) else DENIED


def test_every_endpoint_of_an_item_is_in_the_matrix(app):
    found = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("knowledge.") and "item_id" in rule.arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert found == {(action.endpoint, action.method) for action in ACTIONS}
    for action in ACTIONS:
        assert app.view_functions[action.endpoint].access_policy == action.policy, action.id


def test_the_expected_table_follows_the_rules():
    """A few cells spelled out, so that a slip in ``expected`` shows."""
    edit = next(a for a in ACTIONS if a.id == "POST knowledge.edit")
    hide = next(a for a in ACTIONS if a.id == "POST knowledge.hide")
    assert expected(edit, "board", "public") == OK
    assert expected(edit, "board", "draft") == NOT_FOUND
    assert expected(edit, "member", "own_cooperative") == DENIED
    assert expected(edit, "other_member", "own_cooperative") == NOT_FOUND
    assert expected(edit, "visitor", "public") == LOGIN
    assert expected(hide, "author", "public") == DENIED
    assert expected(hide, "platform_admin", "own_cooperative") == NOT_FOUND
    assert expected(hide, "platform_admin", "hidden") == OK


def make_items(author, people) -> dict[str, dict]:
    """Per kind: a project plan by ``author`` with a file and a question (their ids)."""
    items = {}
    for variant in VARIANTS:
        item = KnowledgeItemFactory(
            author_membership=author,
            kind=ItemKind.PLAN,
            title=f"Plan {variant}",
            **item_variant(variant),
        )
        items[variant] = {
            "item_id": item.id,
            "attachment_id": AttachmentFactory(item=item).id,
            "question_id": QuestionFactory(item=item, asked_by_id=people["other_member"].id).id,
            "visibility": item.visibility.name,
        }
    return items


def outcome(response, item_id: int, done: bool | None) -> str:
    """What happened, from the response and (for changes) whether the change is there."""
    location = response.headers.get("Location", "")
    back_to_the_item = location.startswith(f"/knowledge/{item_id}")
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 302 and "/account/login?next=" in location:
        return LOGIN
    if response.status_code in (403, 422):
        return DENIED  # 422: refused with a message at the form
    if response.status_code == 200 and done is None:
        return OK
    if response.status_code == 302 and done:
        return OK
    if response.status_code == 302 and back_to_the_item:
        return DENIED  # back to the item with a message; nothing changed
    return f"unexpected {response.status_code} {location}"


@pytest.mark.parametrize("action", ACTIONS, ids=[a.id for a in ACTIONS])
def test_item_access_matrix(app, client, sign_in, people, author, coop, other_coop, action):
    users = {**people, "visitor": None}
    own = {"member": coop, "board": coop, "author": coop, "other_member": other_coop}
    items = make_items(author, people)
    (rule,) = app.url_map.iter_rules(action.endpoint)
    wrong = []
    for variant in VARIANTS:
        ids = items[variant]
        with app.test_request_context():
            url = url_for(action.endpoint, **{name: ids[name] for name in rule.arguments})
        for role in ROLES:
            case = Case(**ids, user=users[role], cooperative_id=own.get(role, coop).id)
            sign_in(case.user)
            savepoint = db.session.begin_nested()
            db.session.connection()  # the savepoint now, before the request's own
            try:
                if action.prepare is not None:
                    action.prepare(case)
                    db.session.flush()
                done_before = action.done(case) if action.done else None
                response = client.open(url, method=action.method, data=action.data(case))
                db.session.expire_all()
                done_after = action.done(case) if action.done else None
            finally:
                savepoint.rollback()
            got = outcome(response, case.item_id, done_after)
            want = expected(action, role, variant)
            if got == OK and action.body is not None and not action.body(response):
                got = "ok, but the wrong content"
            if got != want:
                wrong.append(
                    f"{variant:<16} {role:<15} got {got} ({response.status_code} "
                    f"{response.headers.get('Location', '')}), expected {want}"
                )
            elif got != OK and action.done is not None and done_after and not done_before:
                wrong.append(f"{variant:<16} {role:<15} {got}, but the change was made")
    assert not wrong, f"{action.id}:\n" + "\n".join(wrong)
