"""Memberships and board functions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class Function(enum.Enum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    TREASURER = "treasurer"
    BOARD_MEMBER = "board_member"
    ADMIN = "admin"


BOARD_FUNCTIONS = frozenset(Function)


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("cooperative_id", "number"),)

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

    cooperative = relationship("Cooperative", lazy="joined", innerjoin=True)
    user = relationship("User", back_populates="memberships")
    functions: Mapped[list[MembershipFunction]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def function_set(self) -> frozenset[Function]:
        return frozenset(f.function for f in self.functions)

    @property
    def is_active(self) -> bool:
        return self.status is MembershipStatus.ACTIVE

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
