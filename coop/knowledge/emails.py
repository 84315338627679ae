"""Knowledge network mails, each in the recipient's language."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from coop import mail


def _item_url(item) -> str:
    return url_for("knowledge.item", item_id=item.id, _external=True)


def question_asked(question, item):
    """To the author of the item: someone asked a question under it."""
    author = item.author
    return mail.mail_to(
        author,
        _l("A question about %(title)s", title=item.title),
        "knowledge/question",
        question=question,
        item=item,
        author=author,
        url=url_for("knowledge.item", item_id=item.id, _external=True, _anchor="questions"),
    )


def digest(user, new_items, deadlines):
    """The weekly digest: new items in followed themes, funding that closes soon."""
    return mail.mail_to(
        user,
        _l("This week in the knowledge network"),
        "knowledge/digest",
        user=user,
        new_items=[(item, _item_url(item)) for item in new_items],
        deadlines=[(item, _item_url(item)) for item in deadlines],
        funding_url=url_for("knowledge.funding", _external=True),
        following_url=url_for("knowledge.following", _external=True),
    )
