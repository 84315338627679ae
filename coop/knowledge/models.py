"""The knowledge network: items (ideas, plans, statutes, funding, stories), themes, files."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import get_locale
from sqlalchemy import (
    BigInteger,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import utcnow
from coop.extensions import db


class ItemKind(enum.Enum):
    IDEA = "idee"
    PLAN = "projectplan"
    STATUTES = "statuten"
    FUNDING = "financiering"
    STORY = "verhaal"


class ItemStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Visibility(enum.Enum):
    PUBLIC = "public"  # everyone, also without an account
    NETWORK = "network"  # anyone with an active membership on this installation
    COOPERATIVE = "cooperative"  # active members of the item's cooperative


class FundingKind(enum.Enum):
    SUBSIDY = "subsidy"
    LOAN = "loan"
    INVESTMENT = "investment"
    PRIZE = "prize"
    CROWDFUNDING = "crowdfunding"


class TargetGroup(enum.Enum):
    EVERYONE = "everyone"
    CHILDREN = "children"
    YOUTH = "youth"
    FAMILIES = "families"
    ELDERLY = "elderly"
    LOW_INCOME = "low_income"
    NEWCOMERS = "newcomers"
    DISABILITY = "disability"
    ENTREPRENEURS = "entrepreneurs"
    VOLUNTEERS = "volunteers"


item_themes = Table(
    "knowledge_item_themes",
    db.metadata,
    Column("item_id", ForeignKey("knowledge_items.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("knowledge_themes.id"), primary_key=True, index=True),
)


class Theme(db.Model):
    __tablename__ = "knowledge_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_nl: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_nl

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class KnowledgeItem(db.Model):
    __tablename__ = "knowledge_items"
    # The filtered list (neighbourhood and kind): the index holds what the visibility
    # rule reads too, so counting reads the index alone and a page reads only the items
    # it may show.
    __table_args__ = (
        Index(
            "ix_knowledge_items_wijk_kind",
            "wijk",
            "kind",
            "status",
            "visibility",
            "hidden_at",
            "author_id",
            "cooperative_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(Enum(ItemKind, native_enum=False, length=20), index=True)
    status: Mapped[ItemStatus] = mapped_column(
        Enum(ItemStatus, native_enum=False, length=20), default=ItemStatus.DRAFT
    )
    visibility: Mapped[Visibility] = mapped_column(
        Enum(Visibility, native_enum=False, length=20), default=Visibility.NETWORK
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    wijk: Mapped[str] = mapped_column(String(100), default="", index=True)
    target_group: Mapped[TargetGroup | None] = mapped_column(
        Enum(TargetGroup, native_enum=False, length=20)
    )
    tags: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    # Project plan (Markdown).
    need: Mapped[str] = mapped_column(Text, default="")
    wijk_analysis: Mapped[str] = mapped_column(Text, default="")
    approach: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[str] = mapped_column(Text, default="")
    funders: Mapped[str] = mapped_column(Text, default="")
    expected_impact: Mapped[str] = mapped_column(Text, default="")
    measured_impact: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    # Funding opportunity.
    funder: Mapped[str] = mapped_column(String(200), default="")
    funding_kind: Mapped[FundingKind | None] = mapped_column(
        Enum(FundingKind, native_enum=False, length=20)
    )
    amount_min_cents: Mapped[int | None] = mapped_column(BigInteger)
    amount_max_cents: Mapped[int | None] = mapped_column(BigInteger)
    deadline_on: Mapped[date | None] = mapped_column(index=True)
    eligibility: Mapped[str] = mapped_column(Text, default="")  # who may apply (Markdown)
    criteria: Mapped[str] = mapped_column(Text, default="")  # Markdown
    link: Mapped[str] = mapped_column(String(500), default="")
    # Plain text of every field, for full-text search (kept by services.save).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Moderation by a platform admin; the reason is shown to the author.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # A copy made with 'use this plan' links to the plan it came from.
    reused_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_items.id", ondelete="SET NULL"), index=True
    )

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    author = relationship("User", foreign_keys=[author_id])
    themes: Mapped[list[Theme]] = relationship(
        secondary=item_themes, lazy="selectin", order_by=Theme.name_nl
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="item", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    reused_from: Mapped[KnowledgeItem | None] = relationship(
        remote_side=[id], foreign_keys=[reused_from_id]
    )

    @property
    def is_draft(self) -> bool:
        return self.status is ItemStatus.DRAFT

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    def __repr__(self) -> str:
        return f"<KnowledgeItem {self.id} {self.kind.value}>"


class Attachment(db.Model):
    """A file of an item. The bytes live under instance/knowledge/<sha256>."""

    __tablename__ = "knowledge_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_items.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[KnowledgeItem] = relationship(back_populates="attachments")


class ThemeFollow(db.Model):
    """A person follows a theme: new items in it come in the weekly digest."""

    __tablename__ = "knowledge_theme_follows"
    __table_args__ = (UniqueConstraint("user_id", "theme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_themes.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    theme: Mapped[Theme] = relationship(lazy="joined")


class Bookmark(db.Model):
    __tablename__ = "knowledge_bookmarks"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_items.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(db.Model):
    """A question under an item, and the answer of its author or board."""

    __tablename__ = "knowledge_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_items.id", ondelete="CASCADE"), index=True
    )
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    # Moderation by the item's author, its cooperative's board or a platform admin: a
    # hidden question or answer is shown to its writer (with the reason) and to those who
    # may moderate, to nobody else.
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_hidden_at: Mapped[datetime | None]
    answer_hidden_reason: Mapped[str] = mapped_column(Text, default="")
    answer_hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[KnowledgeItem] = relationship()
    asked_by = relationship("User", foreign_keys=[asked_by_id], lazy="joined")
    answered_by = relationship("User", foreign_keys=[answered_by_id])


class DigestState(db.Model):
    """When a person last received the weekly digest."""

    __tablename__ = "knowledge_digests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_digest_at: Mapped[datetime]


class DigestItem(db.Model):
    """An item that went out in someone's digest: it never goes out to them again."""

    __tablename__ = "knowledge_digest_items"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_items.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
