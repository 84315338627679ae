"""Share classes, the append-only share ledger and certificates."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import utcnow
from coop.extensions import db


class CapitalSettings(db.Model):
    """Per cooperative: the word for shares and the account members pay to."""

    __tablename__ = "capital_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), unique=True)
    # The word the statutes use, for example 'aandelen', 'participaties', 'ledencertificaten'.
    share_word: Mapped[str] = mapped_column(String(40), default="aandelen")
    payee_name: Mapped[str] = mapped_column(String(200), default="")
    payee_iban: Mapped[str] = mapped_column(String(34), default="")
    # Admission waits until the applicant has paid the minimum holding of the first kind of
    # share that has a minimum (a charge made when they apply, see capital.services).
    admission_requires_shares_paid: Mapped[bool] = mapped_column(default=False)


class ShareClass(db.Model):
    __tablename__ = "share_classes"
    __table_args__ = (UniqueConstraint("cooperative_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    nominal_value_cents: Mapped[int]
    minimum_holding: Mapped[int] = mapped_column(default=1)
    maximum_per_member: Mapped[int | None]
    transferable: Mapped[bool] = mapped_column(default=False)
    redeemable: Mapped[bool] = mapped_column(default=True)
    redemption_wait_days: Mapped[int] = mapped_column(default=0)
    votes_per_share: Mapped[int] = mapped_column(default=0)
    last_certificate_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative = relationship("Cooperative")


class EntryKind(enum.Enum):
    ISSUE = "issue"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"
    REDEMPTION = "redemption"


class ShareEntry(db.Model):
    """One line of the share register. Never updated or deleted: corrections are new lines.

    ``quantity`` and ``amount_cents`` are signed: positive for issue and transfer in,
    negative for transfer out and redemption.
    """

    __tablename__ = "share_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    share_class_id: Mapped[int] = mapped_column(ForeignKey("share_classes.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(Enum(EntryKind, native_enum=False, length=20))
    quantity: Mapped[int]
    amount_cents: Mapped[int]
    effective_on: Mapped[date] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")

    share_class: Mapped[ShareClass] = relationship()
    membership = relationship("Membership", foreign_keys=[membership_id])


@event.listens_for(ShareEntry, "before_update")
@event.listens_for(ShareEntry, "before_delete")
def _entries_append_only(mapper, connection, target):
    raise RuntimeError("the share register is append-only")


class Certificate(db.Model):
    """A certificate for the shares a member received in one entry (issue or transfer in)."""

    __tablename__ = "share_certificates"
    __table_args__ = (UniqueConstraint("share_class_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_class_id: Mapped[int] = mapped_column(ForeignKey("share_classes.id"), index=True)
    number: Mapped[int]
    entry_id: Mapped[int] = mapped_column(ForeignKey("share_entries.id"), unique=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    quantity: Mapped[int]
    issued_on: Mapped[date]

    share_class: Mapped[ShareClass] = relationship()
    entry: Mapped[ShareEntry] = relationship()
    membership = relationship("Membership")


class RequestKind(enum.Enum):
    TRANSFER = "transfer"
    REDEMPTION = "redemption"


class RequestStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ShareRequest(db.Model):
    """A member asks to transfer shares to another member or to have them paid back. The
    board approves (then the register gets its entries) or rejects it."""

    __tablename__ = "share_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    share_class_id: Mapped[int] = mapped_column(ForeignKey("share_classes.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(Enum(RequestKind, native_enum=False, length=20))
    quantity: Mapped[int]
    to_membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    requested_on: Mapped[date]
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=20),
        default=RequestStatus.PENDING,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("share_entries.id"))

    share_class: Mapped[ShareClass] = relationship()
    membership = relationship("Membership", foreign_keys=[membership_id])
    to_membership = relationship("Membership", foreign_keys=[to_membership_id])
