"""Statutes: the platform's library of model texts (versioned) and each cooperative's
statutes (a template version with parameter values) through draft, proposal, adoption and
entry into force."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import utcnow
from coop.extensions import db


class StatuteTemplate(db.Model):
    """A model text of the platform library (for example ``buurtcooperatie``)."""

    __tablename__ = "statute_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[StatuteTemplateVersion]] = relationship(
        back_populates="template", order_by="StatuteTemplateVersion.version"
    )


class StatuteTemplateVersion(db.Model):
    """One version of a model text. Never changed once stored: a changed text in the
    library becomes a new version, so a version a cooperative adopted stays as it was."""

    __tablename__ = "statute_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("statute_templates.id"), index=True)
    version: Mapped[int]
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_nl: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    defaults: Mapped[dict] = mapped_column(JSON, default=dict)
    text_nl: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    template: Mapped[StatuteTemplate] = relationship(back_populates="versions", lazy="joined")

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_nl

    def summary(self, locale: str) -> str:
        return self.summary_en if locale == "en" else self.summary_nl

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_nl


class TemplateVersionsAreFinal(RuntimeError):
    """A stored template version does not change."""


@event.listens_for(StatuteTemplateVersion, "before_update")
@event.listens_for(StatuteTemplateVersion, "before_delete")
def _template_versions_are_final(mapper, connection, target):
    raise TemplateVersionsAreFinal(f"template version {target.id} is final")


class StatutesStatus(enum.Enum):
    DRAFT = "draft"
    PROPOSED = "proposed"  # on an assembly's agenda as a motion
    ADOPTED = "adopted"  # the assembly adopted it; waiting for the notarial deed
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"


FINAL_STATUSES = (StatutesStatus.ADOPTED, StatutesStatus.IN_FORCE, StatutesStatus.SUPERSEDED)


class Statutes(db.Model):
    """One version of a cooperative's statutes: a template version and parameter values."""

    __tablename__ = "statutes"
    __table_args__ = (UniqueConstraint("cooperative_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    # 1, 2, 3 … per cooperative.
    number: Mapped[int]
    template_version_id: Mapped[int] = mapped_column(ForeignKey("statute_template_versions.id"))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[StatutesStatus] = mapped_column(
        Enum(StatutesStatus, native_enum=False, length=20), default=StatutesStatus.DRAFT
    )
    # The motion (decision kind 'statutes') on an assembly's agenda while proposed.
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"))
    # Where the draft came from: another cooperative's published statutes (knowledge item).
    based_on_item_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_items.id"))
    # Published to the knowledge network as this item.
    knowledge_item_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_items.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_at: Mapped[datetime | None]
    adopted_at: Mapped[datetime | None]
    # The date of the notarial deed: the statutes are in force from that day.
    deed_on: Mapped[date | None]
    in_force_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    template_version: Mapped[StatuteTemplateVersion] = relationship(lazy="joined", innerjoin=True)
    motion = relationship("Motion", foreign_keys=[motion_id])

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class StatutesAreFinal(RuntimeError):
    """Adopted statutes do not change (only their deed date and status move on)."""


FROZEN_ATTRIBUTES = ("parameters", "template_version_id", "cooperative_id", "number", "motion_id")


@event.listens_for(Statutes, "before_update")
def _adopted_statutes_are_final(mapper, connection, target):
    state = inspect(target)
    history = state.attrs.status.history
    before = (history.deleted or history.unchanged or [None])[0]
    if before not in FINAL_STATUSES:
        return
    for name in FROZEN_ATTRIBUTES:
        if state.attrs[name].history.has_changes():
            raise StatutesAreFinal(f"statutes {target.id} are adopted; {name} cannot change")
    if before is StatutesStatus.SUPERSEDED and history.has_changes():
        raise StatutesAreFinal(f"statutes {target.id} are superseded")


@event.listens_for(Statutes, "before_delete")
def _adopted_statutes_stay(mapper, connection, target):
    if target.is_final:
        raise StatutesAreFinal(f"statutes {target.id} are adopted and cannot be deleted")
