"""Contribution plans, settings and charges (what a member owes: a contribution or shares)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import utcnow
from coop.extensions import db
from coop.members.models import MemberKind


class ContributionSettings(db.Model):
    __tablename__ = "contribution_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), unique=True)
    # A member may choose the reduced amount without giving reasons.
    allow_reduced: Mapped[bool] = mapped_column(default=True)
    # Members admitted during the year pay for the remaining months only.
    pro_rata: Mapped[bool] = mapped_column(default=True)
    due_days: Mapped[int] = mapped_column(default=30)
    # Reminders go out this many days after the due date (one per number).
    reminder_days: Mapped[list] = mapped_column(JSON, default=lambda: [14, 42])
    # SEPA direct debit without Stripe: the creditor identifier (incassant-ID).
    sepa_creditor_id: Mapped[str] = mapped_column(String(35), default="")


class ContributionPlan(db.Model):
    __tablename__ = "contribution_plans"
    __table_args__ = (UniqueConstraint("cooperative_id", "year", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    year: Mapped[int]
    kind: Mapped[MemberKind] = mapped_column(Enum(MemberKind, native_enum=False, length=20))
    full_cents: Mapped[int]
    reduced_cents: Mapped[int]


class ChargeKind(enum.Enum):
    CONTRIBUTION = "contribution"
    SHARES = "shares"


class ChargeStatus(enum.Enum):
    OPEN = "open"
    COLLECTING = "collecting"  # in a SEPA direct-debit batch, waiting for the bank
    PAID = "paid"
    WAIVED = "waived"
    REFUNDED = "refunded"


class Charge(db.Model):
    """An amount a member owes. One contribution charge per member and year (a unique
    constraint, so billing twice cannot charge twice).

    The row is the charge's identity. What happened to it is in its ``ChargeEntry`` rows
    (append-only); the columns in ``CACHED`` are a cache of what the entries say, for fast
    queries, written only by ``coop.contributions.ledger.record`` (and its bulk variants)
    together with a new entry. A change of a cached column without an entry raises.
    """

    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("membership_id", "contribution_year"),
        UniqueConstraint("membership_id", "request_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    # Empty only for the shares an applicant pays before admission (``application_id``);
    # set when the board admits them.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), unique=True)
    kind: Mapped[ChargeKind] = mapped_column(Enum(ChargeKind, native_enum=False, length=20))
    status: Mapped[ChargeStatus] = mapped_column(
        Enum(ChargeStatus, native_enum=False, length=20), default=ChargeStatus.OPEN, index=True
    )
    amount_cents: Mapped[int]
    # Contributions: the year, the member kind billed and whether the reduced amount applies.
    contribution_year: Mapped[int | None] = mapped_column(index=True)
    member_kind: Mapped[MemberKind | None] = mapped_column(
        Enum(MemberKind, native_enum=False, length=20)
    )
    full_cents: Mapped[int | None]
    reduced_cents: Mapped[int | None]
    reduced: Mapped[bool] = mapped_column(default=False)
    # Shares: the class and the number bought.
    share_class_id: Mapped[int | None] = mapped_column(ForeignKey("share_classes.id"))
    share_quantity: Mapped[int | None]
    # Structured payment reference (ISO 11649, 'RF…') for bank transfers.
    reference: Mapped[str | None] = mapped_column(String(35), unique=True)
    # The form's one-time token: a double submit finds the charge it already made.
    request_token: Mapped[str | None] = mapped_column(String(64))
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_on: Mapped[date | None]
    waived_reason: Mapped[str] = mapped_column(Text, default="")
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_reminded_on: Mapped[date | None]

    membership = relationship("Membership", foreign_keys=[membership_id])
    application = relationship("Application")
    cooperative = relationship("Cooperative")
    share_class = relationship("ShareClass")

    entries: Mapped[list[ChargeEntry]] = relationship(
        order_by="ChargeEntry.id", lazy="select", viewonly=True
    )

    @property
    def payer_name(self) -> str:
        if self.membership is not None:
            return self.membership.name
        return self.application.name if self.application is not None else ""


# Written only together with a new ChargeEntry (coop.contributions.ledger).
CACHED = (
    "status",
    "amount_cents",
    "reduced",
    "membership_id",
    "paid_on",
    "waived_reason",
    "waived_by_id",
    "reminders_sent",
    "last_reminded_on",
)


@event.listens_for(Charge, "before_update")
def _cache_written_with_an_entry(mapper, connection, target):
    if target.__dict__.get("_ledger_writing"):
        return
    state = inspect(target)
    changed = [name for name in CACHED if state.attrs[name].history.has_changes()]
    if changed:
        raise RuntimeError(
            f"charge {target.id}: {', '.join(changed)} change only with a new charge entry"
        )


class ChargeEntryKind(enum.Enum):
    BILLED = "billed"  # the charge was made
    AMOUNT_CHANGED = "amount_changed"  # full or reduced amount chosen, or corrected
    WAIVED = "waived"
    COLLECTING = "collecting"  # in a SEPA direct-debit batch
    REOPENED = "reopened"  # the direct debit was reversed
    PAID = "paid"
    REFUNDED = "refunded"
    ASSIGNED = "assigned"  # an applicant's charge linked to the membership at admission
    REMINDED = "reminded"


class ChargeEntry(db.Model):
    """One change of a charge. Never updated or deleted: corrections are new entries.

    Each entry holds the charge's status, amount due, reduced choice and membership after
    the change; the charge's state is its latest entry (see ``ledger.derive``).
    """

    __tablename__ = "charge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id"), index=True)
    kind: Mapped[ChargeEntryKind] = mapped_column(
        Enum(ChargeEntryKind, native_enum=False, length=20)
    )
    status: Mapped[ChargeStatus] = mapped_column(Enum(ChargeStatus, native_enum=False, length=20))
    amount_cents: Mapped[int]
    reduced: Mapped[bool] = mapped_column(default=False)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    # The day it took effect: paid on, reminded on.
    effective_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    by = relationship("Membership", foreign_keys=[by_id])


@event.listens_for(ChargeEntry, "before_update")
@event.listens_for(ChargeEntry, "before_delete")
def _charge_entries_append_only(mapper, connection, target):
    raise RuntimeError("charge entries are append-only")


class Mandate(db.Model):
    """A SEPA direct-debit mandate signed online by a member."""

    __tablename__ = "sepa_mandates"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    iban: Mapped[str] = mapped_column(String(34))
    holder_name: Mapped[str] = mapped_column(String(70))
    signed_on: Mapped[date]
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent_text: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]

    membership = relationship("Membership")


class SepaBatch(db.Model):
    __tablename__ = "sepa_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    collection_on: Mapped[date]
    count: Mapped[int]
    total_cents: Mapped[int]
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))


class DebitStatus(enum.Enum):
    SENT = "sent"
    PAID = "paid"
    REVERSED = "reversed"


class SepaDebit(db.Model):
    __tablename__ = "sepa_debits"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("sepa_batches.id"), index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("charges.id"), index=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("sepa_mandates.id"))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    amount_cents: Mapped[int]
    status: Mapped[DebitStatus] = mapped_column(
        Enum(DebitStatus, native_enum=False, length=20), default=DebitStatus.SENT
    )
    reason_code: Mapped[str] = mapped_column(String(10), default="")
    result_on: Mapped[date | None]

    charge = relationship("Charge")
    mandate = relationship("Mandate")
