"""The weekly digest: per follower, new items in the themes they follow and funding whose
deadline is within 30 days. Every item goes out to a person once: what was sent is kept
in ``knowledge_digest_items``, and ``knowledge_digests.last_digest_at`` marks since when
items count as new. Run by ``flask coop knowledge digest`` (weekly, from cron)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from coop import mail
from coop.accounts.models import User
from coop.extensions import db
from coop.knowledge import emails
from coop.knowledge.models import (
    DigestItem,
    DigestState,
    ItemKind,
    ItemStatus,
    KnowledgeItem,
    Theme,
    ThemeFollow,
)
from coop.knowledge.services import visible_to

FIRST_DIGEST_LOOKBACK = timedelta(days=7)
DEADLINE_WINDOW = timedelta(days=30)
MAX_ITEMS = 50


@dataclass
class Digest:
    new_items: list
    deadlines: list

    def __bool__(self) -> bool:
        return bool(self.new_items or self.deadlines)


def _sendable(user):
    """Published, not hidden, visible to the person, not their own, not sent before."""
    already_sent = select(DigestItem.item_id).where(DigestItem.user_id == user.id)
    return select(KnowledgeItem).where(
        visible_to(user),
        KnowledgeItem.status == ItemStatus.PUBLISHED,
        KnowledgeItem.hidden_at.is_(None),
        KnowledgeItem.author_id != user.id,
        KnowledgeItem.id.not_in(already_sent),
    )


def compose(user, *, now: datetime, today: date) -> Digest:
    state = db.session.get(DigestState, user.id)
    since = state.last_digest_at if state is not None else now - FIRST_DIGEST_LOOKBACK
    followed = select(ThemeFollow.theme_id).where(ThemeFollow.user_id == user.id)
    soon = (KnowledgeItem.deadline_on >= today) & (
        KnowledgeItem.deadline_on <= today + DEADLINE_WINDOW
    )
    deadlines = db.session.scalars(
        _sendable(user)
        .where(KnowledgeItem.kind == ItemKind.FUNDING, soon)
        .order_by(KnowledgeItem.deadline_on, KnowledgeItem.id)
        .limit(MAX_ITEMS)
    ).all()
    new_items = db.session.scalars(
        _sendable(user)
        .where(
            KnowledgeItem.published_at > since,
            KnowledgeItem.published_at <= now,
            KnowledgeItem.themes.any(Theme.id.in_(followed)),
            KnowledgeItem.id.not_in([item.id for item in deadlines]),
        )
        .order_by(KnowledgeItem.published_at.desc(), KnowledgeItem.id.desc())
        .limit(MAX_ITEMS)
    ).all()
    return Digest(new_items=list(new_items), deadlines=list(deadlines))


def followers():
    return db.session.scalars(
        select(User)
        .where(
            User.id.in_(select(ThemeFollow.user_id)),
            User.email_verified_at.is_not(None),
        )
        .order_by(User.id)
    )


def send_digests(*, now: datetime, today: date) -> int:
    """Queue one digest mail per follower with something new (sent when the caller
    commits); record what went out. Returns the number of mails."""
    sent = 0
    for user in followers().all():
        digest = compose(user, now=now, today=today)
        if digest:
            mail.after_commit(emails.digest(user, digest.new_items, digest.deadlines))
            for item in [*digest.new_items, *digest.deadlines]:
                db.session.add(DigestItem(user_id=user.id, item_id=item.id, sent_at=now))
            sent += 1
        state = db.session.get(DigestState, user.id)
        if state is None:
            db.session.add(DigestState(user_id=user.id, last_digest_at=now))
        else:
            state.last_digest_at = now
        db.session.flush()
    return sent
