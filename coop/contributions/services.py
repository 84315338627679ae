"""Contribution rules: plans, billing a year, reduced amounts, waivers, reminders, overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import selectinload

from coop import audit
from coop.contributions import ledger
from coop.contributions.models import (
    Charge,
    ChargeEntryKind,
    ChargeKind,
    ChargeStatus,
    ContributionPlan,
    ContributionSettings,
)
from coop.contributions.rules import contribution_period, pro_rata_cents, rf_reference
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import MemberKind, Membership, MembershipStatus

MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 2000, 2100


def assign_reference(charge: Charge) -> None:
    """A structured payment reference, unique per charge."""
    if charge.kind is ChargeKind.CONTRIBUTION:
        charge.reference = contribution_reference(charge.contribution_year, charge.membership_id)
    else:
        charge.reference = rf_reference(f"S{charge.id:012d}")
    db.session.flush()


def contribution_reference(year: int, membership_id: int) -> str:
    return rf_reference(f"{year}{membership_id:010d}")


def settings_for(cooperative) -> ContributionSettings:
    settings = db.session.scalar(
        select(ContributionSettings).where(ContributionSettings.cooperative_id == cooperative.id)
    )
    if settings is None:
        settings = ContributionSettings(
            cooperative_id=cooperative.id,
            allow_reduced=True,
            pro_rata=True,
            due_days=30,
            reminder_days=[14, 42],
            sepa_creditor_id="",
        )
        db.session.add(settings)
        db.session.flush()
    return settings


def update_settings(
    cooperative, *, allow_reduced, pro_rata, due_days, reminder_days, by, sepa_creditor_id=None
):
    settings = settings_for(cooperative)
    if sepa_creditor_id is not None:
        settings.sepa_creditor_id = sepa_creditor_id.replace(" ", "").upper()
    settings.allow_reduced = bool(allow_reduced)
    settings.pro_rata = bool(pro_rata)
    settings.due_days = due_days
    settings.reminder_days = sorted(set(reminder_days))
    db.session.flush()
    audit.record(
        cooperative, by, "contributions.settings_changed", settings,
        allow_reduced=settings.allow_reduced, pro_rata=settings.pro_rata,
        due_days=due_days, reminder_days=settings.reminder_days,
    )  # fmt: skip
    return settings


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(_l("Choose a year between 2000 and 2100."), field="year")


def plans(cooperative, year: int) -> dict[MemberKind, ContributionPlan]:
    return {
        plan.kind: plan
        for plan in db.session.scalars(
            select(ContributionPlan).where(
                ContributionPlan.cooperative_id == cooperative.id, ContributionPlan.year == year
            )
        )
    }


def save_plan(cooperative, *, year: int, kind: MemberKind, full_cents: int, reduced_cents: int, by):
    check_year(year)
    if full_cents < 0:
        raise DomainError(_l("The amount cannot be negative."), field="full")
    if not 0 <= reduced_cents <= full_cents:
        raise DomainError(
            _l("The reduced amount must be between 0 and the full amount."), field="reduced"
        )
    plan = plans(cooperative, year).get(kind)
    if plan is None:
        plan = ContributionPlan(cooperative_id=cooperative.id, year=year, kind=kind)
        db.session.add(plan)
    plan.full_cents = full_cents
    plan.reduced_cents = reduced_cents
    db.session.flush()
    audit.record(
        cooperative, by, "contributions.plan_saved", plan, year=year, kind=kind.value,
        full_cents=full_cents, reduced_cents=reduced_cents,
    )  # fmt: skip
    return plan


@dataclass
class BillResult:
    created: int
    total_cents: int


def bill_year(cooperative, year: int, *, today: date, by=None) -> BillResult:
    """One contribution charge per active member (admitted by the end of the year) whose kind
    has a plan. Running it again creates nothing (and a unique constraint guarantees it)."""
    check_year(year)
    year_plans = plans(cooperative, year)
    if not year_plans:
        raise DomainError(_l("There is no contribution plan for %(year)s yet.", year=year))
    settings = settings_for(cooperative)
    fy_start_month = cooperative.fy_start_month or 1
    _start, end = contribution_period(year, fy_start_month)
    audit._lock_scope(audit.scope_of(cooperative))
    billed = select(Charge.membership_id).where(
        Charge.cooperative_id == cooperative.id, Charge.contribution_year == year
    )
    members = db.session.execute(
        select(Membership.id, Membership.kind, Membership.admitted_on).where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.kind.in_(list(year_plans)),
            (Membership.admitted_on.is_(None)) | (Membership.admitted_on <= end),
            Membership.id.not_in(billed),
        )
    ).all()
    due_on = today + timedelta(days=settings.due_days)
    rows = []
    total = 0
    for membership_id, kind, admitted_on in members:
        plan = year_plans[kind]
        full, reduced = plan.full_cents, plan.reduced_cents
        if settings.pro_rata:
            full = pro_rata_cents(full, year, admitted_on, fy_start_month)
            reduced = pro_rata_cents(reduced, year, admitted_on, fy_start_month)
        total += full
        rows.append(
            {
                "cooperative_id": cooperative.id,
                "membership_id": membership_id,
                "kind": ChargeKind.CONTRIBUTION,
                "status": ChargeStatus.OPEN,
                "amount_cents": full,
                "contribution_year": year,
                "member_kind": kind,
                "full_cents": full,
                "reduced_cents": reduced,
                "reduced": False,
                "reference": contribution_reference(year, membership_id),
                "due_on": due_on,
                "waived_reason": "",
                "reminders_sent": 0,
            }
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Charge), rows[start : start + 5000])
    if rows:
        ledger.billed_in_bulk(
            (Charge.cooperative_id == cooperative.id) & (Charge.contribution_year == year), by=by
        )
    audit.record(
        cooperative, by, "contributions.billed", None, year=year, charges=len(rows),
        total_cents=total, due_on=due_on.isoformat(),
    )  # fmt: skip
    return BillResult(len(rows), total)


def get_charge(cooperative, charge_id: int) -> Charge:
    charge = db.session.get(Charge, charge_id) if 0 < charge_id <= MAX_ID else None
    if charge is None or charge.cooperative_id != cooperative.id:
        raise DomainError(_l("This charge does not exist."))
    return charge


def charges_of(membership) -> list[Charge]:
    return db.session.scalars(
        select(Charge)
        .where(Charge.membership_id == membership.id)
        .order_by(Charge.created_at.desc(), Charge.id.desc())
    ).all()


def year_charges(cooperative, year: int, *, status: ChargeStatus | None = None, limit=500):
    query = (
        select(Charge)
        .options(selectinload(Charge.membership))
        .where(Charge.cooperative_id == cooperative.id, Charge.contribution_year == year)
        .order_by(Charge.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(Charge.status == status)
    return db.session.scalars(query).all()


def _has_pending_payment(charge) -> bool:
    from coop.payments.models import Payment, PaymentStatus

    return bool(
        db.session.scalar(
            select(Payment.id).where(
                Payment.charge_id == charge.id, Payment.status == PaymentStatus.PENDING
            )
        )
    )


def choose_amount(charge: Charge, *, reduced: bool, by) -> Charge:
    """The member chooses the full or the reduced contribution, without giving reasons."""
    if charge.kind is not ChargeKind.CONTRIBUTION:
        raise DomainError(_l("This is not a contribution."))
    if charge.status is not ChargeStatus.OPEN:
        raise DomainError(_l("This charge is no longer open."))
    cooperative = charge.cooperative
    if reduced and not settings_for(cooperative).allow_reduced:
        raise DomainError(_l("This cooperative has no reduced contribution."))
    if _has_pending_payment(charge):
        raise DomainError(_l("A payment for this charge is on its way. Wait for it first."))
    before = charge.amount_cents
    ledger.record(
        charge,
        ChargeEntryKind.AMOUNT_CHANGED,
        amount_cents=charge.reduced_cents if reduced else charge.full_cents,
        reduced=reduced,
        reason="reduced amount chosen" if reduced else "full amount chosen",
        by=by,
    )
    audit.record(
        cooperative, by, "contributions.amount_chosen", charge, reduced=reduced,
        before_cents=before, amount_cents=charge.amount_cents,
    )  # fmt: skip
    return charge


def waive(charge: Charge, *, reason: str, by) -> Charge:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason."), field="reason")
    if charge.status is not ChargeStatus.OPEN:
        raise DomainError(_l("Only an open charge can be waived."))
    if _has_pending_payment(charge):
        raise DomainError(_l("A payment for this charge is on its way. Wait for it first."))
    ledger.record(charge, ChargeEntryKind.WAIVED, status=ChargeStatus.WAIVED, reason=reason, by=by)
    audit.record(
        charge.cooperative, by, "contributions.waived", charge,
        amount_cents=charge.amount_cents, reason=reason,
    )  # fmt: skip
    return charge


def due_reminders(today: date, cooperative=None) -> list[Charge]:
    """Open, overdue charges whose next reminder is due; marks them as reminded."""
    query = (
        select(Charge, ContributionSettings.reminder_days)
        .outerjoin(
            ContributionSettings, ContributionSettings.cooperative_id == Charge.cooperative_id
        )
        .where(
            Charge.status == ChargeStatus.OPEN,
            Charge.due_on < today,
            # An applicant's shares (no membership yet) are not reminded by this mail.
            Charge.membership_id.is_not(None),
        )
        .order_by(Charge.id)
    )
    if cooperative is not None:
        query = query.where(Charge.cooperative_id == cooperative.id)
    result = []
    for charge, reminder_days in db.session.execute(query).all():
        days = sorted(reminder_days if reminder_days is not None else [14, 42])
        if charge.reminders_sent >= len(days):
            continue
        if today < charge.due_on + timedelta(days=days[charge.reminders_sent]):
            continue
        if charge.last_reminded_on == today:
            continue
        ledger.record(charge, ChargeEntryKind.REMINDED, on=today)
        result.append(charge)
    db.session.flush()
    return result


# The treasurer's overview --------------------------------------------------------------------


@dataclass
class Row:
    billed: int = 0
    received: int = 0
    open: int = 0
    overdue: int = 0
    waived: int = 0
    refunded: int = 0
    count: int = 0


@dataclass
class Overview:
    year: int
    by_kind: dict = field(default_factory=dict)
    total: Row = field(default_factory=Row)
    capital_start: int = 0
    capital_end: int = 0
    issued: int = 0
    redeemed: int = 0
    transferred: int = 0
    open_share_charges: int = 0
    start: date | None = None
    end: date | None = None


def overview(cooperative, year: int, *, today: date) -> Overview:
    from coop.capital import services as capital
    from coop.capital.models import EntryKind
    from coop.payments.models import Payment, PaymentStatus

    check_year(year)
    received = (
        select(Payment.charge_id, func.sum(Payment.amount_cents).label("paid"))
        .where(Payment.status == PaymentStatus.PAID, Payment.cooperative_id == cooperative.id)
        .group_by(Payment.charge_id)
        .subquery()
    )
    is_open = Charge.status.in_((ChargeStatus.OPEN, ChargeStatus.COLLECTING))
    rows = db.session.execute(
        select(
            Charge.member_kind,
            func.count(),
            func.sum(Charge.amount_cents),
            func.sum(func.coalesce(received.c.paid, 0)),
            func.sum(case((is_open, Charge.amount_cents), else_=0)),
            func.sum(case((is_open & (Charge.due_on < today), Charge.amount_cents), else_=0)),
            func.sum(case((Charge.status == ChargeStatus.WAIVED, Charge.amount_cents), else_=0)),
            func.sum(case((Charge.status == ChargeStatus.REFUNDED, Charge.amount_cents), else_=0)),
        )
        .outerjoin(received, received.c.charge_id == Charge.id)
        .where(Charge.cooperative_id == cooperative.id, Charge.contribution_year == year)
        .group_by(Charge.member_kind)
    ).all()
    result = Overview(year=year)
    for kind, count, billed, got, open_, overdue, waived, refunded in rows:
        row = Row(billed, got, open_, overdue, waived, refunded, count)
        result.by_kind[kind] = row
        for name in ("billed", "received", "open", "overdue", "waived", "refunded", "count"):
            setattr(result.total, name, getattr(result.total, name) + getattr(row, name))
    start, end = contribution_period(year, cooperative.fy_start_month or 1)
    result.start, result.end = start, end
    result.capital_start = capital.capital_cents(cooperative, start - timedelta(days=1))
    result.capital_end = capital.capital_cents(cooperative, end)
    moves = capital.movements_cents(cooperative, start, end)
    result.issued = moves[EntryKind.ISSUE]
    result.redeemed = -moves[EntryKind.REDEMPTION]
    result.transferred = moves[EntryKind.TRANSFER_IN]
    result.open_share_charges = db.session.scalar(
        select(func.coalesce(func.sum(Charge.amount_cents), 0)).where(
            Charge.cooperative_id == cooperative.id,
            Charge.kind == ChargeKind.SHARES,
            Charge.status == ChargeStatus.OPEN,
        )
    )
    return result


def overview_chart(data: Overview) -> dict:
    """Bar geometry for the server-rendered SVG chart (no JavaScript)."""
    bars = [
        ("billed", data.total.billed),
        ("received", data.total.received),
        ("open", data.total.open),
        ("overdue", data.total.overdue),
        ("waived", data.total.waived),
    ]
    top = max([value for _, value in bars] + [1])
    width = 320
    return {
        "bars": [
            {"key": key, "value": value, "width": round(value * width / top), "y": 10 + i * 34}
            for i, (key, value) in enumerate(bars)
        ],
        "height": 10 + len(bars) * 34,
        "width": width,
    }


def export_rows(cooperative, year: int):
    """Every contribution charge of the year for the bookkeeper (streams in batches)."""
    from coop.payments.models import Payment, PaymentStatus

    paid = (
        select(
            Payment.charge_id,
            func.sum(Payment.amount_cents).label("paid"),
            func.max(Payment.received_on).label("received_on"),
        )
        .where(Payment.status == PaymentStatus.PAID, Payment.cooperative_id == cooperative.id)
        .group_by(Payment.charge_id)
        .subquery()
    )
    query = (
        select(
            Membership.number,
            Membership.name,
            Charge.member_kind,
            Charge.reference,
            Charge.amount_cents,
            Charge.reduced,
            Charge.status,
            Charge.due_on,
            func.coalesce(paid.c.paid, 0),
            paid.c.received_on,
            Charge.waived_reason,
        )
        .join(Membership, Membership.id == Charge.membership_id)
        .outerjoin(paid, paid.c.charge_id == Charge.id)
        .where(Charge.cooperative_id == cooperative.id, Charge.contribution_year == year)
        .order_by(Membership.number)
        .execution_options(yield_per=2000)
    )
    yield from db.session.execute(query)
