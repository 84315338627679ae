"""General assembly (ALV): governance rules, assemblies, agenda, attendance, proxies,
motions, votes and anonymous ballots, results."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import utcnow
from coop.extensions import db


def _enum(cls, length: int = 20):
    return Enum(cls, native_enum=False, length=length)


class DecisionKind(enum.Enum):
    ORDINARY = "ordinary"
    STATUTES = "statutes"  # statutenwijziging
    DISSOLUTION = "dissolution"  # ontbinding
    ELECTION = "election"  # verkiezing


class Majority(enum.Enum):
    MORE_THAN_HALF = "more_than_half"
    TWO_THIRDS = "two_thirds"
    FRACTION = "fraction"  # at least numerator/denominator of the votes cast


class Weighting(enum.Enum):
    PER_MEMBER = "per_member"
    PER_SHARE = "per_share"


DEFAULT_DECISION_RULES = {
    DecisionKind.ORDINARY.value: {"quorum_percent": None, "majority": "more_than_half"},
    DecisionKind.STATUTES.value: {"quorum_percent": None, "majority": "two_thirds"},
    DecisionKind.DISSOLUTION.value: {"quorum_percent": 50, "majority": "two_thirds"},
    DecisionKind.ELECTION.value: {"quorum_percent": None, "majority": "more_than_half"},
}


def default_decision_rules() -> dict:
    return {kind: dict(rule) for kind, rule in DEFAULT_DECISION_RULES.items()}


class GovernanceRules(db.Model):
    """The assembly rules of one cooperative (from its statutes; the board edits them until
    the statutes issue fills them)."""

    __tablename__ = "governance_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), unique=True)
    notice_days: Mapped[int] = mapped_column(default=14)
    # Per decision kind: {"quorum_percent": int | None, "majority": Majority value,
    # "numerator": int, "denominator": int}.
    decision_rules: Mapped[dict] = mapped_column(JSON, default=default_decision_rules)
    blank_votes_count: Mapped[bool] = mapped_column(default=False)
    # When the quorum fails, a second assembly may decide regardless of the quorum.
    second_assembly_without_quorum: Mapped[bool] = mapped_column(default=True)
    proxies_allowed: Mapped[bool] = mapped_column(default=True)
    max_proxies_per_holder: Mapped[int] = mapped_column(default=1)
    weighting: Mapped[Weighting] = mapped_column(_enum(Weighting), default=Weighting.PER_MEMBER)
    share_vote_cap: Mapped[int | None]
    electronic_participation: Mapped[bool] = mapped_column(default=False)
    advance_voting: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def rule_for(self, kind: DecisionKind) -> dict:
        rules = self.decision_rules or {}
        return rules.get(kind.value) or DEFAULT_DECISION_RULES[kind.value]


class AssemblyStatus(enum.Enum):
    DRAFT = "draft"
    CONVENED = "convened"
    IN_SESSION = "in_session"
    CLOSED = "closed"


class Assembly(db.Model):
    __tablename__ = "assemblies"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # A second assembly after a failed quorum (decides regardless of the quorum when the
    # rules allow it).
    is_second: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AssemblyStatus] = mapped_column(
        _enum(AssemblyStatus), default=AssemblyStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    convened_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The reminder the day before went out (sent once).
    reminded_at: Mapped[datetime | None]

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="assembly",
        order_by="(AgendaItem.position, AgendaItem.id)",
        cascade="all, delete-orphan",
    )


class ItemKind(enum.Enum):
    INFORMATION = "information"
    DECISION = "decision"


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind), default=ItemKind.INFORMATION)
    # What was said at the item, written by the secretary for the minutes.
    minutes_note: Mapped[str] = mapped_column(Text, default="", server_default="")

    assembly: Mapped[Assembly] = relationship(back_populates="items")
    motions: Mapped[list[Motion]] = relationship(back_populates="agenda_item", order_by="Motion.id")
    documents: Mapped[list[AgendaDocument]] = relationship(
        back_populates="agenda_item", order_by="AgendaDocument.id"
    )


class AgendaDocument(db.Model):
    """A PDF that belongs to an agenda item (the annual accounts, a plan)."""

    __tablename__ = "agenda_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="documents")


class Notice(db.Model):
    """Who was sent which convocation (oproeping), and what it said."""

    __tablename__ = "assembly_notices"
    __table_args__ = (UniqueConstraint("assembly_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # The agenda as sent: [[position, title, kind, [document file names]], ...]
    # (notices recorded before the documents were included have three elements)
    agenda: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the mail did not go out, and why (``coop.mail.REFUSED`` or ``NOT_SENT``);
    # cleared when it is sent again.
    failed_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(String(20))
    # The board gave the member the invitation on paper (its mail did not go out or was not
    # confirmed, or the member was admitted after convening).
    on_paper_at: Mapped[datetime | None]
    # When the mail server took the mail (recorded after each batch of the sending);
    # cleared when it is sent again.
    mailed_at: Mapped[datetime | None]

    # A notice is in one state at a time: mailed, failed, on paper, or none of these
    # (unconfirmed). Each state below is one rule, in Python and as an SQL expression.

    @hybrid_property
    def unconfirmed(self) -> bool:
        """Recorded, but neither taken by the mail server, nor failed, nor given on paper:
        being sent, or the sending stopped halfway (``sending_stopped``)."""
        return self.mailed_at is None and self.failed_at is None and self.on_paper_at is None

    @unconfirmed.inplace.expression
    @classmethod
    def _unconfirmed_expression(cls):
        return and_(cls.mailed_at.is_(None), cls.failed_at.is_(None), cls.on_paper_at.is_(None))

    @hybrid_property
    def sending_stopped(self) -> bool:
        """Unconfirmed for longer than a sending takes (``SENDING_TIME``): to send again."""
        return self.unconfirmed and self.sent_at <= utcnow() - SENDING_TIME

    @sending_stopped.inplace.expression
    @classmethod
    def _sending_stopped_expression(cls):
        return and_(cls.unconfirmed, cls.sent_at <= utcnow() - SENDING_TIME)

    @hybrid_property
    def without_invitation(self) -> bool:
        """Its member has no invitation by it: the mail did not go out, or its sending
        stopped halfway. One being sent counts as sent."""
        return self.failed_at is not None or self.sending_stopped

    @without_invitation.inplace.expression
    @classmethod
    def _without_invitation_expression(cls):
        return or_(cls.failed_at.is_not(None), cls.sending_stopped)


# How long sending the invitations may take before an unconfirmed one counts as stopped
# halfway (a worker serving it is stopped after 5 minutes, see README): until then it counts
# as sent, so that a second click does not send everyone's invitation twice.
SENDING_TIME = timedelta(minutes=10)


class Attendance(db.Model):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("assembly_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    online: Mapped[bool] = mapped_column(default=False)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)

    membership = relationship("Membership", foreign_keys=[membership_id], lazy="joined")


class Choice(enum.Enum):
    FOR = "for"  # voor
    AGAINST = "against"  # tegen
    ABSTAIN = "abstain"  # onthouding


class ProxyStatus(enum.Enum):
    ACTIVE = "active"
    REVOKED = "revoked"
    VOID = "void"  # the grantor attended or voted


class Proxy(db.Model):
    """A volmacht: the grantor lets the holder vote for them at one assembly."""

    __tablename__ = "proxies"

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    grantor_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    status: Mapped[ProxyStatus] = mapped_column(_enum(ProxyStatus), default=ProxyStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    assembly: Mapped[Assembly] = relationship()
    grantor = relationship("Membership", foreign_keys=[grantor_id], lazy="joined")
    holder = relationship("Membership", foreign_keys=[holder_id], lazy="joined")


class ProxyInstruction(db.Model):
    """A steminstructie: how the grantor wants the holder to vote on one motion. No row
    for a motion means the holder is free to choose. Seen only by grantor and holder."""

    __tablename__ = "proxy_instructions"
    __table_args__ = (UniqueConstraint("proxy_id", "motion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proxy_id: Mapped[int] = mapped_column(ForeignKey("proxies.id"), index=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"))
    choice: Mapped[Choice] = mapped_column(_enum(Choice))


class MotionStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Motion(db.Model):
    """A voorstel on a decision item, or an amendement on a motion (``parent_id``)."""

    __tablename__ = "motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    decision_kind: Mapped[DecisionKind] = mapped_column(
        _enum(DecisionKind), default=DecisionKind.ORDINARY
    )
    secret: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MotionStatus] = mapped_column(_enum(MotionStatus), default=MotionStatus.DRAFT)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Paper votes counted in the room, entered by the chair (added to the online votes).
    paper_for: Mapped[int] = mapped_column(default=0)
    paper_against: Mapped[int] = mapped_column(default=0)
    paper_abstain: Mapped[int] = mapped_column(default=0)
    # An ordinary motion 'adopt the minutes of <an earlier assembly>': adopted at the
    # close, the minutes of that assembly become adopted and final.
    adopts_minutes_of_id: Mapped[int | None] = mapped_column(ForeignKey("assemblies.id"))
    # Elections: the number of seats; each voter picks up to this many candidates.
    seats: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Changed after the invitation went out: when last, and the title and text members
    # could read before the first such change (the motion page shows both).
    changed_after_invitation_at: Mapped[datetime | None]
    title_before_change: Mapped[str | None] = mapped_column(String(200))
    text_before_change: Mapped[str | None] = mapped_column(Text)

    @property
    def added_after_invitation(self) -> bool:
        """Put on the agenda after the invitation went out (members could not read it in
        time to prepare; their motion page says so)."""
        convened = self.assembly.convened_at
        return convened is not None and self.created_at > convened

    assembly: Mapped[Assembly] = relationship(
        lazy="joined", innerjoin=True, foreign_keys=[assembly_id]
    )
    adopts_minutes_of: Mapped[Assembly | None] = relationship(foreign_keys=[adopts_minutes_of_id])
    agenda_item: Mapped[AgendaItem] = relationship(back_populates="motions")
    parent: Mapped[Motion | None] = relationship(remote_side=[id], back_populates="amendments")
    amendments: Mapped[list[Motion]] = relationship(back_populates="parent", order_by="Motion.id")
    candidates: Mapped[list[Candidate]] = relationship(order_by="Candidate.id")
    result: Mapped[MotionResult | None] = relationship(back_populates="motion", uselist=False)

    @property
    def is_amendment(self) -> bool:
        return self.parent_id is not None

    @hybrid_property
    def paper_total(self) -> int:
        """Votes the chair counted on paper in the room (also as an SQL expression)."""
        return self.paper_for + self.paper_against + self.paper_abstain

    @property
    def is_election(self) -> bool:
        return self.decision_kind is DecisionKind.ELECTION


class Candidate(db.Model):
    """A person standing in an election (a motion of kind ELECTION)."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    # Votes for this candidate on paper in the room, entered by the chair; the motion's
    # paper_for holds the paper ballots with names (persons), paper_abstain the blank ones.
    paper_votes: Mapped[int] = mapped_column(default=0, server_default="0")


class Vote(db.Model):
    """Who voted on a motion (for themselves or, as proxy holder, for a grantor).

    One row per member per motion, enforced by the unique constraint. For an open ballot
    the choice is kept here too; for a secret ballot it is not (only in ``Ballot``).
    """

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("motion_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id"))
    choice: Mapped[Choice | None] = mapped_column(_enum(Choice))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))

    membership = relationship("Membership", foreign_keys=[membership_id], lazy="joined")
    # Who cast it: the member, or the holder of their proxy.
    cast_by = relationship("Membership", foreign_keys=[cast_by_id], lazy="raise")


class Ballot(db.Model):
    """What was voted, counted at the close. Deliberately nothing that leads back to a
    member or to the ``Vote`` row: a random UUID key, no timestamp, no sequence."""

    __tablename__ = "ballots"
    # Covers the tally: count and weight per choice straight from the index.
    # On SQLite, WITHOUT ROWID: rows are kept in the order of the random key, so there
    # is no hidden insertion counter either.
    __table_args__ = (
        Index("ix_ballots_tally", "motion_id", "choice", "weight"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"))
    choice: Mapped[Choice] = mapped_column(_enum(Choice))
    # In an election: the candidate voted for (choice FOR); a blank vote is ABSTAIN.
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))
    weight: Mapped[int] = mapped_column(default=1)
    # A random code the voter gets once; published with the choice after the close.
    receipt: Mapped[str] = mapped_column(String(20))


class MotionResult(db.Model):
    """The tally, computed once at the close and stored."""

    __tablename__ = "motion_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), unique=True)
    eligible: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    represented: Mapped[int] = mapped_column(Integer)
    cast: Mapped[int] = mapped_column(Integer)
    cast_weight: Mapped[int] = mapped_column(Integer)
    for_count: Mapped[int] = mapped_column(Integer)
    against_count: Mapped[int] = mapped_column(Integer)
    abstain_count: Mapped[int] = mapped_column(Integer)
    for_weight: Mapped[int] = mapped_column(Integer)
    against_weight: Mapped[int] = mapped_column(Integer)
    abstain_weight: Mapped[int] = mapped_column(Integer)
    online_count: Mapped[int] = mapped_column(Integer)
    paper_count: Mapped[int] = mapped_column(Integer)
    quorum_met: Mapped[bool] = mapped_column(Boolean)
    majority_met: Mapped[bool] = mapped_column(Boolean)
    adopted: Mapped[bool] = mapped_column(Boolean)
    outcome_nl: Mapped[str] = mapped_column(Text)
    outcome_en: Mapped[str] = mapped_column(Text)
    # The rules it was counted by: the quorum that applied (None: none) and whether blank
    # votes counted as cast. Both None on results counted before they were kept.
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    blank_votes_count: Mapped[bool | None] = mapped_column(Boolean)
    # Elections: [{"id", "name", "count", "weight", "elected"}] in order of votes.
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    motion: Mapped[Motion] = relationship(back_populates="result")

    def outcome(self, locale: str) -> str:
        return self.outcome_en if locale == "en" else self.outcome_nl

    @property
    def quorum_required(self) -> bool:
        """Whether a quorum applied (assumed for results counted before the rules were
        kept with them)."""
        return self.quorum_percent is not None or self.blank_votes_count is None

    @property
    def blanks_not_cast(self) -> bool:
        """Abstentions (blank votes) were cast but not counted as votes cast."""
        return self.blank_votes_count is False and self.abstain_count > 0

    @property
    def is_weighted(self) -> bool:
        """Some votes weighed more than one (votes per share): the counts of members and
        the votes differ, so both are shown."""
        weights = (self.for_weight, self.against_weight, self.abstain_weight, self.cast_weight)
        counts = (self.for_count, self.against_count, self.abstain_count, self.cast)
        return weights != counts or any(
            row.get("weight") != row.get("count") for row in self.candidates or []
        )


class AdoptedMinutes(db.Model):
    """The minutes of an assembly, adopted (vastgesteld) by a later assembly. Final: the
    row cannot change or go away once written (see the guard below); without a row the
    minutes are a draft."""

    __tablename__ = "adopted_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), unique=True)
    adopted_by_assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"))
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), unique=True)
    adopted_at: Mapped[datetime] = mapped_column(default=utcnow)

    adopted_by: Mapped[Assembly] = relationship(foreign_keys=[adopted_by_assembly_id])


class MinutesAreFinal(RuntimeError):
    """Adopted minutes do not change."""


@event.listens_for(AdoptedMinutes, "before_update")
@event.listens_for(AdoptedMinutes, "before_delete")
def _adopted_minutes_are_final(mapper, connection, target):
    raise MinutesAreFinal(f"the minutes of assembly {target.assembly_id} are adopted")
