"""Capital rules: share classes, issue, transfer, redemption, certificates, the register."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coop import audit
from coop.capital.models import (
    CapitalSettings,
    Certificate,
    EntryKind,
    RequestKind,
    RequestStatus,
    ShareClass,
    ShareEntry,
    ShareRequest,
)
from coop.db import utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Membership, MembershipStatus

MAX_ID = 2**31 - 1
MAX_QUANTITY = 100_000


# Settings and classes ---------------------------------------------------------------------


def settings_for(cooperative) -> CapitalSettings:
    settings = db.session.scalar(
        select(CapitalSettings).where(CapitalSettings.cooperative_id == cooperative.id)
    )
    if settings is None:
        settings = CapitalSettings(cooperative_id=cooperative.id, share_word="aandelen")
        db.session.add(settings)
        db.session.flush()
    return settings


def share_word(cooperative) -> str:
    settings = db.session.scalar(
        select(CapitalSettings).where(CapitalSettings.cooperative_id == cooperative.id)
    )
    return settings.share_word if settings is not None else "aandelen"


def update_settings(
    cooperative,
    *,
    share_word: str,
    payee_name: str,
    payee_iban: str,
    by,
    admission_requires_shares_paid: bool | None = None,
):
    settings = settings_for(cooperative)
    before = {
        "share_word": settings.share_word,
        "payee_iban": settings.payee_iban,
        "admission_requires_shares_paid": settings.admission_requires_shares_paid,
    }
    if admission_requires_shares_paid is not None:
        if admission_requires_shares_paid and _first_class_with_minimum(cooperative) is None:
            raise DomainError(
                _l("First add a kind of share with a minimum of at least 1."),
                field="admission_requires_shares_paid",
            )
        settings.admission_requires_shares_paid = bool(admission_requires_shares_paid)
    settings.share_word = share_word.strip()
    settings.payee_name = payee_name.strip()
    settings.payee_iban = payee_iban
    db.session.flush()
    audit.record(
        cooperative, by, "capital.settings_changed", settings, before=before,
        share_word=settings.share_word, payee_iban=payee_iban,
        admission_requires_shares_paid=settings.admission_requires_shares_paid,
    )  # fmt: skip
    return settings


def classes(cooperative) -> list[ShareClass]:
    return db.session.scalars(
        select(ShareClass)
        .where(ShareClass.cooperative_id == cooperative.id)
        .order_by(ShareClass.id)
    ).all()


def get_class(cooperative, class_id: int) -> ShareClass:
    item = db.session.get(ShareClass, class_id) if 0 < class_id <= MAX_ID else None
    if item is None or item.cooperative_id != cooperative.id:
        raise DomainError(_l("This kind of share does not exist."), field="share_class")
    return item


CLASS_FIELDS = (
    "name",
    "nominal_value_cents",
    "minimum_holding",
    "maximum_per_member",
    "transferable",
    "redeemable",
    "redemption_wait_days",
    "votes_per_share",
)


def create_class(cooperative, *, data: dict, by) -> ShareClass:
    values = {key: data[key] for key in CLASS_FIELDS if key in data}
    values["name"] = values["name"].strip()
    if db.session.scalar(
        select(ShareClass.id).where(
            ShareClass.cooperative_id == cooperative.id, ShareClass.name == values["name"]
        )
    ):
        raise DomainError(_l("There is already a kind of share with this name."), field="name")
    maximum = values.get("maximum_per_member")
    if maximum is not None and maximum < values.get("minimum_holding", 1):
        raise DomainError(
            _l("The maximum cannot be lower than the minimum."), field="maximum_per_member"
        )
    item = ShareClass(cooperative_id=cooperative.id, **values)
    db.session.add(item)
    db.session.flush()
    audit.record(cooperative, by, "capital.class_created", item, **values)
    return item


def next_certificate_number(share_class: ShareClass) -> int:
    """Atomically take the next certificate number of the class: no gaps, never reused."""
    number = db.session.execute(
        update(ShareClass)
        .where(ShareClass.id == share_class.id)
        .values(last_certificate_number=ShareClass.last_certificate_number + 1)
        .returning(ShareClass.last_certificate_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(share_class, ["last_certificate_number"])
    return number


# Holdings (always derived from the ledger) ----------------------------------------------------


def holding(membership, share_class, on: date | None = None) -> int:
    query = select(func.coalesce(func.sum(ShareEntry.quantity), 0)).where(
        ShareEntry.membership_id == membership.id, ShareEntry.share_class_id == share_class.id
    )
    if on is not None:
        query = query.where(ShareEntry.effective_on <= on)
    return db.session.scalar(query)


@dataclass
class Holding:
    share_class: ShareClass
    quantity: int
    amount_cents: int


def holdings(membership, on: date | None = None) -> list[Holding]:
    query = (
        select(
            ShareEntry.share_class_id,
            func.sum(ShareEntry.quantity),
            func.sum(ShareEntry.amount_cents),
        )
        .where(ShareEntry.membership_id == membership.id)
        .group_by(ShareEntry.share_class_id)
    )
    if on is not None:
        query = query.where(ShareEntry.effective_on <= on)
    result = []
    for class_id, quantity, amount in db.session.execute(query):
        if quantity:
            result.append(Holding(db.session.get(ShareClass, class_id), quantity, amount))
    return result


def share_votes(membership_ids, on: date) -> dict[int, int]:
    """The votes the members' shares carry at the end of ``on`` (peildatum), per
    membership id: the shares of each kind times its votes per share (a kind without
    voting rights has 0), as in the register's votes column. One query for any number of
    members; a member without voting shares is missing from the answer."""
    ids = sorted(set(membership_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            ShareEntry.membership_id,
            func.sum(ShareEntry.quantity * ShareClass.votes_per_share),
        )
        .join(ShareClass, ShareClass.id == ShareEntry.share_class_id)
        .where(ShareEntry.membership_id.in_(ids), ShareEntry.effective_on <= on)
        .group_by(ShareEntry.membership_id)
    ).all()
    return {member_id: int(votes) for member_id, votes in rows if votes}


@dataclass
class RegisterLine:
    membership: Membership
    share_class: ShareClass
    quantity: int
    amount_cents: int
    votes: int


def register(cooperative, on: date) -> list[RegisterLine]:
    """The share register as it stood at the end of ``on`` (peildatum)."""
    rows = db.session.execute(
        select(
            ShareEntry.membership_id,
            ShareEntry.share_class_id,
            func.sum(ShareEntry.quantity),
            func.sum(ShareEntry.amount_cents),
        )
        .where(ShareEntry.cooperative_id == cooperative.id, ShareEntry.effective_on <= on)
        .group_by(ShareEntry.membership_id, ShareEntry.share_class_id)
    ).all()
    members = {
        m.id: m
        for m in db.session.scalars(
            select(Membership).where(Membership.id.in_({r[0] for r in rows}))
        )
    }
    share_classes = {c.id: c for c in classes(cooperative)}
    lines = [
        RegisterLine(
            members[m_id],
            share_classes[c_id],
            qty,
            amount,
            qty * share_classes[c_id].votes_per_share,
        )
        for m_id, c_id, qty, amount in rows
        if qty
    ]
    lines.sort(key=lambda line: (line.membership.number or 0, line.share_class.id))
    return lines


def capital_cents(cooperative, on: date) -> int:
    """Paid-in capital at the end of ``on``."""
    return db.session.scalar(
        select(func.coalesce(func.sum(ShareEntry.amount_cents), 0)).where(
            ShareEntry.cooperative_id == cooperative.id, ShareEntry.effective_on <= on
        )
    )


def movements_cents(cooperative, start: date, end: date) -> dict[EntryKind, int]:
    rows = db.session.execute(
        select(ShareEntry.kind, func.sum(ShareEntry.amount_cents))
        .where(
            ShareEntry.cooperative_id == cooperative.id,
            ShareEntry.effective_on >= start,
            ShareEntry.effective_on <= end,
        )
        .group_by(ShareEntry.kind)
    )
    result = dict.fromkeys(EntryKind, 0)
    result.update({kind: amount for kind, amount in rows})
    return result


def certificates_of(membership) -> list[Certificate]:
    return db.session.scalars(
        select(Certificate)
        .where(Certificate.membership_id == membership.id)
        .order_by(Certificate.share_class_id, Certificate.number)
    ).all()


def get_certificate(cooperative, certificate_id: int) -> Certificate:
    item = db.session.get(Certificate, certificate_id) if 0 < certificate_id <= MAX_ID else None
    if item is None or item.share_class.cooperative_id != cooperative.id:
        raise DomainError(_l("This certificate does not exist."))
    return item


# Changes to the register ------------------------------------------------------------------------


def _check_quantity(quantity) -> None:
    if not isinstance(quantity, int) or quantity < 1:
        raise DomainError(_l("Choose at least 1."), field="quantity")
    if quantity > MAX_QUANTITY:
        raise DomainError(_l("That is too many."), field="quantity")


def _check_active(membership, field: str | None = None) -> None:
    if membership.status is not MembershipStatus.ACTIVE:
        raise DomainError(_l("Only active members can hold these."), field=field)


def _entry(share_class, membership, kind, quantity, *, on, by, **extra) -> ShareEntry:
    entry = ShareEntry(
        cooperative_id=share_class.cooperative_id,
        share_class_id=share_class.id,
        membership_id=membership.id,
        kind=kind,
        quantity=quantity,
        amount_cents=quantity * share_class.nominal_value_cents,
        effective_on=on,
        approved_by_id=getattr(by, "id", None) if isinstance(by, Membership) else None,
        **extra,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _certificate(entry: ShareEntry) -> Certificate:
    certificate = Certificate(
        share_class_id=entry.share_class_id,
        number=next_certificate_number(entry.share_class),
        entry_id=entry.id,
        membership_id=entry.membership_id,
        quantity=entry.quantity,
        issued_on=entry.effective_on,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _check_maximum(share_class, membership, quantity: int, *, pending: int = 0) -> None:
    maximum = share_class.maximum_per_member
    if maximum is not None and holding(membership, share_class) + pending + quantity > maximum:
        raise DomainError(
            _l("A member can hold at most %(max)s of these.", max=maximum), field="quantity"
        )


def issue(share_class, membership, quantity: int, *, on: date, by, charge=None) -> Certificate:
    """Issue shares (after payment) with a certificate of their own."""
    _check_quantity(quantity)
    if membership.cooperative_id != share_class.cooperative_id:
        raise DomainError(_l("This member does not exist."))
    _lock(share_class.cooperative)
    entry = _entry(
        share_class, membership, EntryKind.ISSUE, quantity, on=on, by=by,
        charge_id=charge.id if charge is not None else None,
    )  # fmt: skip
    certificate = _certificate(entry)
    audit.record(
        share_class.cooperative, by, "capital.issued", entry,
        member=membership.number, share_class=share_class.name, quantity=quantity,
        amount_cents=entry.amount_cents, certificate=certificate.number,
    )  # fmt: skip
    return certificate


def _lock(cooperative) -> None:
    """Serialise register changes per cooperative (PostgreSQL), like the audit chain."""
    audit._lock_scope(audit.scope_of(cooperative))


def _check_minimum_kept(share_class, membership, left: int) -> None:
    """An active member keeps at least the minimum holding of the class."""
    if membership.is_active and left < share_class.minimum_holding:
        raise DomainError(
            _l(
                "An active member must keep at least %(min)s. This would leave %(left)s.",
                min=share_class.minimum_holding,
                left=left,
            ),
            field="quantity",
        )


def _check_can_give_up(share_class, membership, quantity: int) -> None:
    """The member holds `quantity` and, when active, keeps the minimum holding after it."""
    have = holding(membership, share_class)
    if quantity > have:
        raise DomainError(
            _l("This member holds only %(count)s of these.", count=have), field="quantity"
        )
    _check_minimum_kept(share_class, membership, have - quantity)


def transfer(share_class, source, target, quantity: int, *, on: date, by) -> Certificate:
    _check_quantity(quantity)
    if not share_class.transferable:
        raise DomainError(_l("These cannot be transferred."), field="share_class")
    if target.cooperative_id != share_class.cooperative_id or target.id == source.id:
        raise DomainError(_l("Choose another member of this cooperative."), field="to_number")
    _check_active(target, field="to_number")
    _lock(share_class.cooperative)
    _check_can_give_up(share_class, source, quantity)
    _check_maximum(share_class, target, quantity)
    _entry(
        share_class, source, EntryKind.TRANSFER_OUT, -quantity, on=on, by=by,
        counterparty_id=target.id,
    )  # fmt: skip
    entry = _entry(
        share_class, target, EntryKind.TRANSFER_IN, quantity, on=on, by=by,
        counterparty_id=source.id,
    )  # fmt: skip
    certificate = _certificate(entry)
    audit.record(
        share_class.cooperative, by, "capital.transferred", entry,
        source=source.number, target=target.number, share_class=share_class.name,
        quantity=quantity, certificate=certificate.number,
    )  # fmt: skip
    return certificate


def redeem(
    share_class, membership, quantity: int, *, requested_on: date, on: date, by
) -> ShareEntry:
    """Pay back shares (board approval); never below the minimum of an active member."""
    _check_quantity(quantity)
    if not share_class.redeemable:
        raise DomainError(_l("These cannot be paid back."), field="share_class")
    earliest = requested_on + timedelta(days=share_class.redemption_wait_days)
    if on < earliest:
        raise DomainError(
            _l("These can be paid back on %(date)s at the earliest.", date=earliest.isoformat()),
            field="effective_on",
        )
    _lock(share_class.cooperative)
    _check_can_give_up(share_class, membership, quantity)
    entry = _entry(
        share_class, membership, EntryKind.REDEMPTION, -quantity, on=on, by=by,
        note=f"requested {requested_on.isoformat()}",
    )  # fmt: skip
    audit.record(
        share_class.cooperative, by, "capital.redeemed", entry,
        member=membership.number, share_class=share_class.name, quantity=quantity,
        amount_cents=entry.amount_cents,
    )  # fmt: skip
    return entry


# Buying ------------------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(24)


def pending_quantity(membership, share_class) -> int:
    from coop.contributions.models import Charge, ChargeKind, ChargeStatus

    return db.session.scalar(
        select(func.coalesce(func.sum(Charge.share_quantity), 0)).where(
            Charge.membership_id == membership.id,
            Charge.kind == ChargeKind.SHARES,
            Charge.share_class_id == share_class.id,
            Charge.status == ChargeStatus.OPEN,
        )
    )


def request_purchase(membership, share_class, quantity: int, *, token: str, today: date):
    """A member asks to buy shares: one charge per form (a double submit finds it again).
    The shares are issued only when the payment is confirmed."""
    from coop.contributions import ledger
    from coop.contributions.models import Charge, ChargeKind
    from coop.contributions.services import assign_reference

    if token:
        existing = db.session.scalar(
            select(Charge).where(
                Charge.membership_id == membership.id, Charge.request_token == token
            )
        )
        if existing is not None:
            return existing
    _check_active(membership)
    _check_quantity(quantity)
    if share_class.cooperative_id != membership.cooperative_id:
        raise DomainError(_l("This kind of share does not exist."), field="share_class")
    _check_maximum(
        share_class, membership, quantity, pending=pending_quantity(membership, share_class)
    )
    charge = Charge(
        cooperative_id=membership.cooperative_id,
        membership_id=membership.id,
        kind=ChargeKind.SHARES,
        amount_cents=quantity * share_class.nominal_value_cents,
        share_class_id=share_class.id,
        share_quantity=quantity,
        request_token=token or None,
        due_on=today + timedelta(days=14),
    )
    try:
        with db.session.begin_nested():
            db.session.add(charge)
            db.session.flush()
    except IntegrityError:
        # The same form arrived twice at the same moment: the other request made the charge.
        return db.session.scalar(
            select(Charge).where(
                Charge.membership_id == membership.id, Charge.request_token == token
            )
        )
    assign_reference(charge)
    ledger.billed(charge, by=membership, reason="shares requested")
    audit.record(
        membership.cooperative, membership, "capital.purchase_requested", charge,
        share_class=share_class.name, quantity=quantity, amount_cents=charge.amount_cents,
    )  # fmt: skip
    return charge


# Paying the minimum holding before admission --------------------------------------------------
#
# When the cooperative asks for it (CapitalSettings.admission_requires_shares_paid), an
# applicant owes the minimum holding of the first kind of share with a minimum. The charge
# is made when they apply (or by the board for older applications), belongs to the
# application (no membership yet) and is paid by bank transfer with its payment reference;
# the treasurer records it as usual. The board can admit only once it is paid; the paid
# shares are then issued to the new membership, with a certificate.


def _first_class_with_minimum(cooperative) -> ShareClass | None:
    return db.session.scalar(
        select(ShareClass)
        .where(ShareClass.cooperative_id == cooperative.id, ShareClass.minimum_holding >= 1)
        .order_by(ShareClass.id)
        .limit(1)
    )


def admission_class(cooperative) -> ShareClass | None:
    """The kind of share an applicant must pay before admission, or None when not asked."""
    settings = db.session.scalar(
        select(CapitalSettings).where(CapitalSettings.cooperative_id == cooperative.id)
    )
    if settings is None or not settings.admission_requires_shares_paid:
        return None
    return _first_class_with_minimum(cooperative)


def admission_charge(application):
    from coop.contributions.models import Charge

    return db.session.scalar(select(Charge).where(Charge.application_id == application.id))


def request_admission_shares(application, *, today: date, by):
    """The charge for the minimum holding an applicant pays before admission (made once;
    asking again returns it). None when the cooperative does not ask for it."""
    from coop.contributions import ledger
    from coop.contributions.models import Charge, ChargeKind
    from coop.contributions.services import assign_reference

    share_class = admission_class(application.cooperative)
    if share_class is None:
        return None
    existing = admission_charge(application)
    if existing is not None:
        return existing
    if not application.is_open:
        raise DomainError(_l("This application has already been decided."))
    quantity = share_class.minimum_holding
    charge = Charge(
        cooperative_id=application.cooperative_id,
        membership_id=None,
        application_id=application.id,
        kind=ChargeKind.SHARES,
        amount_cents=quantity * share_class.nominal_value_cents,
        share_class_id=share_class.id,
        share_quantity=quantity,
        due_on=today + timedelta(days=14),
    )
    db.session.add(charge)
    db.session.flush()
    assign_reference(charge)
    ledger.billed(charge, by=by if isinstance(by, Membership) else None, reason="admission")
    audit.record(
        application.cooperative, by, "capital.admission_shares_requested", charge,
        application=application.id, share_class=share_class.name, quantity=quantity,
        amount_cents=charge.amount_cents,
    )  # fmt: skip
    return charge


def check_admission_paid(application) -> None:
    """Refuse the admission while the minimum holding is asked for and not paid."""
    from coop.contributions.models import ChargeStatus

    if admission_class(application.cooperative) is None:
        return
    charge = admission_charge(application)
    if charge is None:
        raise DomainError(
            _l(
                "This cooperative asks new members to pay for their shares first. "
                "Send the applicant a payment request."
            )
        )
    if charge.status is not ChargeStatus.PAID:
        raise DomainError(
            _l(
                "The applicant has not paid for the shares yet. You can admit them once "
                "the treasurer has recorded the payment."
            )
        )


def issue_admission_shares(application, membership, *, on: date, by) -> Certificate | None:
    """At admission: the paid charge becomes the new member's, its shares are issued."""
    from coop.contributions import ledger
    from coop.contributions.models import ChargeEntryKind, ChargeStatus

    charge = admission_charge(application)
    if charge is None or charge.status is not ChargeStatus.PAID:
        return None
    ledger.record(
        charge,
        ChargeEntryKind.ASSIGNED,
        membership_id=membership.id,
        reason=f"admitted as member {membership.number}",
        by=by if isinstance(by, Membership) else None,
    )
    db.session.expire(charge, ["membership"])
    audit.record(
        application.cooperative, by, "capital.admission_charge_assigned", charge,
        application=application.id, member=membership.number,
    )  # fmt: skip
    return issue(charge.share_class, membership, charge.share_quantity, on=on, by=by, charge=charge)


def cancel_admission_charge(application, *, by) -> None:
    """A rejected application owes nothing: an open charge is waived. A paid one stays paid
    (the treasurer pays it back by hand) and is flagged in the audit event."""
    from coop.contributions import ledger
    from coop.contributions.models import ChargeEntryKind, ChargeStatus

    charge = admission_charge(application)
    if charge is None:
        return
    if charge.status is ChargeStatus.OPEN:
        ledger.record(
            charge,
            ChargeEntryKind.WAIVED,
            status=ChargeStatus.WAIVED,
            reason="application rejected",
            by=by if isinstance(by, Membership) else None,
        )
    audit.record(
        application.cooperative, by, "capital.admission_charge_cancelled", charge,
        application=application.id, status=charge.status.value,
        pay_back_cents=charge.amount_cents if charge.status is ChargeStatus.PAID else 0,
    )  # fmt: skip


# Members' requests: transfer or redemption, approved by the board ----------------------------
#
# The rules are checked when the member asks and again when the board approves (through
# transfer() and redeem(), which book the register). Shares in other pending requests of the
# same member count as already gone, so two requests cannot together break the minimum.


def _pending_out(membership, share_class, *, besides: ShareRequest | None = None) -> int:
    query = select(func.coalesce(func.sum(ShareRequest.quantity), 0)).where(
        ShareRequest.membership_id == membership.id,
        ShareRequest.share_class_id == share_class.id,
        ShareRequest.status == RequestStatus.PENDING,
    )
    if besides is not None:
        query = query.where(ShareRequest.id != besides.id)
    return db.session.scalar(query)


def _check_leaving(share_class, membership, quantity: int, *, pending: int) -> None:
    have = holding(membership, share_class) - pending
    if quantity > have:
        raise DomainError(
            _l("You can use only %(count)s of these.", count=max(have, 0)), field="quantity"
        )
    _check_minimum_kept(share_class, membership, have - quantity)


def _check_request(req_kind, share_class, membership, quantity, target, *, besides=None):
    _check_quantity(quantity)
    _check_active(membership)
    if share_class.cooperative_id != membership.cooperative_id:
        raise DomainError(_l("This kind of share does not exist."), field="share_class")
    if req_kind is RequestKind.TRANSFER:
        if not share_class.transferable:
            raise DomainError(_l("These cannot be transferred."), field="share_class")
        if (
            target is None
            or target.cooperative_id != share_class.cooperative_id
            or target.id == membership.id
        ):
            raise DomainError(_l("Choose another member of this cooperative."), field="to_number")
        _check_active(target, field="to_number")
        incoming = db.session.scalar(
            select(func.coalesce(func.sum(ShareRequest.quantity), 0)).where(
                ShareRequest.to_membership_id == target.id,
                ShareRequest.share_class_id == share_class.id,
                ShareRequest.status == RequestStatus.PENDING,
                ShareRequest.id != (besides.id if besides is not None else 0),
            )
        )
        _check_maximum(share_class, target, quantity, pending=incoming)
    elif not share_class.redeemable:
        raise DomainError(_l("These cannot be paid back."), field="share_class")
    _check_leaving(
        share_class, membership, quantity,
        pending=_pending_out(membership, share_class, besides=besides),
    )  # fmt: skip


def request_change(
    membership, share_class, quantity: int, *, kind: RequestKind, today: date, target=None
) -> ShareRequest:
    """A member asks for a transfer (to ``target``) or a redemption of their own shares."""
    _lock(share_class.cooperative)
    _check_request(kind, share_class, membership, quantity, target)
    item = ShareRequest(
        cooperative_id=membership.cooperative_id,
        share_class_id=share_class.id,
        membership_id=membership.id,
        kind=kind,
        quantity=quantity,
        to_membership_id=target.id if target is not None else None,
        requested_on=today,
        status=RequestStatus.PENDING,
        decision_note="",
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        membership.cooperative, membership, f"capital.{kind.value}_requested", item,
        member=membership.number, share_class=share_class.name, quantity=quantity,
        target=target.number if target is not None else None,
    )  # fmt: skip
    return item


def earliest_redemption(item: ShareRequest) -> date:
    return item.requested_on + timedelta(days=item.share_class.redemption_wait_days)


def requests_of(membership) -> list[ShareRequest]:
    return db.session.scalars(
        select(ShareRequest)
        .where(ShareRequest.membership_id == membership.id)
        .order_by(ShareRequest.id.desc())
        .limit(50)
    ).all()


def pending_requests(cooperative) -> list[ShareRequest]:
    return db.session.scalars(
        select(ShareRequest)
        .where(
            ShareRequest.cooperative_id == cooperative.id,
            ShareRequest.status == RequestStatus.PENDING,
        )
        .order_by(ShareRequest.requested_on, ShareRequest.id)
    ).all()


def get_request(cooperative, request_id: int) -> ShareRequest:
    item = db.session.get(ShareRequest, request_id) if 0 < request_id <= MAX_ID else None
    if item is None or item.cooperative_id != cooperative.id:
        raise DomainError(_l("This request does not exist."))
    return item


def _require_pending(item: ShareRequest) -> None:
    if item.status is not RequestStatus.PENDING:
        raise DomainError(_l("This request has already been decided."))


def approve_request(item: ShareRequest, *, on: date, by) -> ShareRequest:
    """The board approves: every rule is checked again and the register is booked."""
    _lock(item.share_class.cooperative)
    db.session.refresh(item, ["status"])
    _require_pending(item)
    share_class = item.share_class
    _check_request(
        item.kind, share_class, item.membership, item.quantity, item.to_membership, besides=item
    )
    if item.kind is RequestKind.TRANSFER:
        certificate = transfer(
            share_class, item.membership, item.to_membership, item.quantity, on=on, by=by
        )
        item.entry_id = certificate.entry_id
    else:
        entry = redeem(
            share_class, item.membership, item.quantity,
            requested_on=item.requested_on, on=on, by=by,
        )  # fmt: skip
        item.entry_id = entry.id
    item.status = RequestStatus.APPROVED
    item.decided_at = utcnow()
    item.decided_by_id = by.id
    db.session.flush()
    audit.record(
        share_class.cooperative, by, "capital.request_approved", item,
        kind=item.kind.value, quantity=item.quantity, on=on.isoformat(),
    )  # fmt: skip
    return item


def reject_request(item: ShareRequest, *, reason: str, by) -> ShareRequest:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason."), field="reason")
    _require_pending(item)
    item.status = RequestStatus.REJECTED
    item.decision_note = reason
    item.decided_at = utcnow()
    item.decided_by_id = by.id
    db.session.flush()
    audit.record(
        item.share_class.cooperative, by, "capital.request_rejected", item,
        kind=item.kind.value, quantity=item.quantity, reason=reason,
    )  # fmt: skip
    return item
