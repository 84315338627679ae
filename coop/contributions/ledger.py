"""The charge ledger: every change of a charge is a new ``ChargeEntry``; nothing is updated
in place. The charge's cached columns (``models.CACHED``) are written here only, together
with the entry, by the same fold step that ``derive`` uses, so they always say what the
entries say (``mismatches`` checks it)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, literal, select, update

from coop.contributions.models import (
    CACHED,
    Charge,
    ChargeEntry,
    ChargeEntryKind,
    ChargeStatus,
)
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Membership

BATCH = 5000
COLUMNS = [
    "charge_id", "kind", "status", "amount_cents", "reduced", "membership_id", "reason", "by_id",
    "recorded_at",
]  # fmt: skip
# The kinds whose entry changes only the status (and for payments the day paid).
STATUS_ONLY = frozenset(
    {
        ChargeEntryKind.COLLECTING,
        ChargeEntryKind.REOPENED,
        ChargeEntryKind.PAID,
        ChargeEntryKind.REFUNDED,
    }
)


def _by_id(by) -> int | None:
    """Who made the change: a membership (the system, a webhook or a command: None)."""
    return by.id if isinstance(by, Membership) else None


def _empty() -> dict:
    return {
        "status": ChargeStatus.OPEN,
        "amount_cents": 0,
        "reduced": False,
        "membership_id": None,
        "paid_on": None,
        "waived_reason": "",
        "waived_by_id": None,
        "reminders_sent": 0,
        "last_reminded_on": None,
    }


def _fold(state: dict, entry) -> dict:
    """The charge's state after one entry (``entry`` has ChargeEntry's attributes)."""
    state = dict(state)
    state["status"] = entry.status
    state["amount_cents"] = entry.amount_cents
    state["reduced"] = entry.reduced
    state["membership_id"] = entry.membership_id
    if entry.kind is ChargeEntryKind.PAID:
        state["paid_on"] = entry.effective_on
    elif entry.kind is ChargeEntryKind.WAIVED:
        state["waived_reason"] = entry.reason
        state["waived_by_id"] = entry.by_id
    elif entry.kind is ChargeEntryKind.REMINDED:
        state["reminders_sent"] += 1
        state["last_reminded_on"] = entry.effective_on
    return state


def derive(entries) -> dict:
    """What the entries (oldest first) say about a charge: its status, amount due, …"""
    state = _empty()
    for entry in entries:
        state = _fold(state, entry)
    return state


def cached(charge: Charge) -> dict:
    return {name: getattr(charge, name) for name in CACHED}


def record(
    charge: Charge,
    kind: ChargeEntryKind,
    *,
    status: ChargeStatus | None = None,
    amount_cents: int | None = None,
    reduced: bool | None = None,
    membership_id: int | None = None,
    on: date | None = None,
    reason: str = "",
    by=None,
    payment=None,
) -> ChargeEntry:
    """Append one entry to the charge (the state after the change; anything not given stays
    as it was) and bring the charge's cache up to date with it."""
    entry = ChargeEntry(
        charge_id=charge.id,
        kind=kind,
        status=status if status is not None else charge.status,
        amount_cents=amount_cents if amount_cents is not None else charge.amount_cents,
        reduced=reduced if reduced is not None else bool(charge.reduced),
        membership_id=membership_id if membership_id is not None else charge.membership_id,
        payment_id=getattr(payment, "id", None),
        effective_on=on,
        reason=reason or "",
        by_id=_by_id(by),
        recorded_at=utcnow(),
    )
    db.session.add(entry)
    state = _fold(cached(charge) if kind is not ChargeEntryKind.BILLED else _empty(), entry)
    charge.__dict__["_ledger_writing"] = True
    try:
        for name, value in state.items():
            if getattr(charge, name) != value:
                setattr(charge, name, value)
        db.session.flush()
    finally:
        charge.__dict__.pop("_ledger_writing", None)
    return entry


def billed(charge: Charge, *, by=None, reason: str = "") -> ChargeEntry:
    """The first entry of a charge just made (with its amount, status open)."""
    return record(
        charge,
        ChargeEntryKind.BILLED,
        status=ChargeStatus.OPEN,
        amount_cents=charge.amount_cents,
        reduced=bool(charge.reduced),
        membership_id=charge.membership_id,
        reason=reason,
        by=by,
    )


def billed_in_bulk(where, *, by=None) -> None:
    """The first entry of every charge matching ``where`` that has none yet (after a bulk
    insert with the cache columns as the entry says: open, amount, not reduced)."""
    has_entry = select(ChargeEntry.id).where(ChargeEntry.charge_id == Charge.id).exists()
    now = utcnow()
    db.session.execute(
        insert(ChargeEntry).from_select(
            COLUMNS,
            select(
                Charge.id,
                literal(ChargeEntryKind.BILLED, ChargeEntry.kind.type),
                literal(ChargeStatus.OPEN, ChargeEntry.status.type),
                Charge.amount_cents,
                Charge.reduced,
                Charge.membership_id,
                literal("", ChargeEntry.reason.type),
                literal(_by_id(by), ChargeEntry.by_id.type),
                literal(now, ChargeEntry.recorded_at.type),
            ).where(where, ~has_entry),
        )  # fmt: skip
    )


def moved_in_bulk(
    charge_ids: list[int],
    kind: ChargeEntryKind,
    status: ChargeStatus,
    *,
    on: date | None = None,
    reason="",
    by=None,
) -> None:
    """One entry per charge that changes only the status (a SEPA batch: being collected),
    and the cache with it, in batches of statements (no query per charge)."""
    if kind not in STATUS_ONLY:
        raise ValueError(f"{kind} changes more than the status: use record()")
    now = utcnow()
    by_id = _by_id(by)
    values = {"status": status}
    if kind is ChargeEntryKind.PAID:
        values["paid_on"] = on
    for start in range(0, len(charge_ids), BATCH):
        ids = charge_ids[start : start + BATCH]
        db.session.execute(
            insert(ChargeEntry).from_select(
                COLUMNS + ["effective_on"],
                select(
                    Charge.id,
                    literal(kind, ChargeEntry.kind.type),
                    literal(status, ChargeEntry.status.type),
                    Charge.amount_cents,
                    Charge.reduced,
                    Charge.membership_id,
                    literal(reason, ChargeEntry.reason.type),
                    literal(by_id, ChargeEntry.by_id.type),
                    literal(now, ChargeEntry.recorded_at.type),
                    literal(on, ChargeEntry.effective_on.type),
                ).where(Charge.id.in_(ids)),
            )  # fmt: skip
        )
        db.session.execute(
            update(Charge)
            .where(Charge.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def entries_of(charge: Charge) -> list[ChargeEntry]:
    return db.session.scalars(
        select(ChargeEntry).where(ChargeEntry.charge_id == charge.id).order_by(ChargeEntry.id)
    ).all()


def mismatches(cooperative=None) -> list[int]:
    """The ids of charges whose cached columns differ from what their entries say (or that
    have no entries). Empty when the ledger and the cache agree."""
    query = select(Charge)
    if cooperative is not None:
        query = query.where(Charge.cooperative_id == cooperative.id)
    charges = {charge.id: charge for charge in db.session.scalars(query.order_by(Charge.id))}
    entries: dict[int, list] = {}
    rows = select(ChargeEntry).join(Charge, Charge.id == ChargeEntry.charge_id)
    if cooperative is not None:
        rows = rows.where(Charge.cooperative_id == cooperative.id)
    for entry in db.session.scalars(rows.order_by(ChargeEntry.id)):
        entries.setdefault(entry.charge_id, []).append(entry)
    wrong = []
    for charge_id, charge in charges.items():
        if charge_id not in entries or derive(entries[charge_id]) != cached(charge):
            wrong.append(charge_id)
    return wrong


def entry_count(charge: Charge) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ChargeEntry).where(ChargeEntry.charge_id == charge.id)
    )
