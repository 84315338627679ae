"""Memberships and board functions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from coop.db import utcnow
from coop.extensions import db


class MemberKind(enum.Enum):
    BEWONER = "bewoner"
    ONDERNEMER = "ondernemer"
    ORGANISATIE = "organisatie"


class MembershipStatus(enum.Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class EndReason(enum.Enum):
    RESIGNED = "resigned"  # opzegging door het lid
    TERMINATED = "terminated"  # opzegging door de coöperatie
    EXPELLED = "expelled"  # ontzetting


class ApplicationStatus(enum.Enum):
    PENDING = "pending"
    QUESTION = "question"  # the board asked something; the application waits
    ADMITTED = "admitted"
    REJECTED = "rejected"


class Function(enum.Enum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    TREASURER = "treasurer"
    BOARD_MEMBER = "board_member"
    ADMIN = "admin"


BOARD_FUNCTIONS = frozenset(Function)


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "number"),
        # Members with voting rights (active) per cooperative: counted at every tally.
        Index("ix_memberships_cooperative_status", "cooperative_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int | None]
    kind: Mapped[MemberKind] = mapped_column(Enum(MemberKind, native_enum=False, length=20))
    status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, native_enum=False, length=20), default=MembershipStatus.ACTIVE
    )
    name: Mapped[str] = mapped_column(String(200))
    admitted_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Contact details (what the member keeps up to date).
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(7), default="", index=True)
    city: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    contact_person: Mapped[str] = mapped_column(String(200), default="")
    iban: Mapped[str | None] = mapped_column(String(34))
    in_directory: Mapped[bool] = mapped_column(default=False)
    # What a member in the directory shows besides name and kind.
    directory_email: Mapped[bool] = mapped_column(default=False)
    directory_phone: Mapped[bool] = mapped_column(default=False)
    directory_address: Mapped[bool] = mapped_column(default=False)
    outside_area: Mapped[bool] = mapped_column(default=False)
    # Resignation or termination: requested, then ends on a date.
    resignation_requested_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    end_reason: Mapped[EndReason | None] = mapped_column(
        Enum(EndReason, native_enum=False, length=20)
    )
    end_note: Mapped[str] = mapped_column(Text, default="")
    anonymised_at: Mapped[datetime | None]

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    user = relationship("User", back_populates="memberships")
    functions: Mapped[list[MembershipFunction]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", lazy="selectin"
    )

    # The names of the functions, comma-separated ("" for none), when the query that read
    # the membership asked for them (the signed-in member's, on every page): cheaper than
    # the collection. The collection wins once loaded, so change functions through
    # ``membership.functions`` (a MembershipFunction added from its side is not seen here).
    function_names: Mapped[str | None] = query_expression()

    @property
    def function_set(self) -> frozenset[Function]:
        names = self.function_names
        if names is not None and "functions" not in self.__dict__:
            return frozenset(Function[name] for name in names.split(",") if name)
        return frozenset(f.function for f in self.functions)

    @property
    def functions_held(self) -> list[Function]:
        """The functions, in the order of ``Function`` (for pages; no query for the
        signed-in member's own)."""
        held = self.function_set
        return [function for function in Function if function in held]

    @property
    def is_active(self) -> bool:
        return self.status is MembershipStatus.ACTIVE

    @property
    def anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def is_board(self) -> bool:
        return self.is_active and bool(self.function_set & BOARD_FUNCTIONS)

    def has_function(self, function: Function) -> bool:
        fs = self.function_set
        return self.is_active and (function in fs or Function.ADMIN in fs)


class MembershipFunction(db.Model):
    __tablename__ = "membership_functions"
    __table_args__ = (UniqueConstraint("membership_id", "function"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    function: Mapped[Function] = mapped_column(Enum(Function, native_enum=False, length=20))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    membership: Mapped[Membership] = relationship(back_populates="functions")


class MembershipStatusChange(db.Model):
    """Status history: the register on any date is rebuilt from these rows."""

    __tablename__ = "membership_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, native_enum=False, length=20)
    )
    effective_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(db.Model):
    """An application for membership (aanmelding), decided by the board."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[MemberKind] = mapped_column(Enum(MemberKind, native_enum=False, length=20))
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=20), default=ApplicationStatus.PENDING
    )
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(7), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    contact_person: Mapped[str] = mapped_column(String(200), default="")
    iban: Mapped[str | None] = mapped_column(String(34))
    in_directory: Mapped[bool] = mapped_column(default=False)
    outside_area: Mapped[bool] = mapped_column(default=False)
    accepted_terms_at: Mapped[datetime]
    question: Mapped[str] = mapped_column(Text, default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    user = relationship("User", lazy="joined", innerjoin=True)

    @property
    def is_open(self) -> bool:
        return self.status in (ApplicationStatus.PENDING, ApplicationStatus.QUESTION)
