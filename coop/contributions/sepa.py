"""SEPA direct debit without Stripe: mandates, pain.008 batches, the bank's results."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from coop import audit
from coop.contributions import ledger
from coop.contributions.models import (
    Charge,
    ChargeEntryKind,
    ChargeKind,
    ChargeStatus,
    DebitStatus,
    Mandate,
    SepaBatch,
    SepaDebit,
)
from coop.contributions.services import settings_for
from coop.db import utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Membership, MembershipStatus
from coop.members.rules import iban_problem, normalise_iban

SCHEMA = "pain.008.001.02"
MAX_ID = 2**31 - 1


def consent_text(cooperative) -> str:
    """The words the member agrees to (kept with the mandate, in the language shown)."""
    return str(
        _l(
            "By signing this mandate you allow %(name)s to send instructions to your bank to "
            "take money from your account, and your bank to do so, for your contribution and "
            "the shares you buy. You can ask your bank to pay back a debit within 8 weeks.",
            name=cooperative.name,
        )
    )


def active_mandate(membership) -> Mandate | None:
    return db.session.scalar(
        select(Mandate)
        .where(Mandate.membership_id == membership.id, Mandate.revoked_at.is_(None))
        .order_by(Mandate.id.desc())
        .limit(1)
    )


def sign_mandate(membership, *, iban: str, holder_name: str, consent: str, today: date):
    problem = iban_problem(iban or "")
    if problem:
        raise DomainError(problem, field="iban")
    if not membership.is_active:
        raise DomainError(_l("Only active members can sign a mandate."))
    cooperative = membership.cooperative
    now = utcnow()
    db.session.execute(
        update(Mandate)
        .where(Mandate.membership_id == membership.id, Mandate.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    mandate = Mandate(
        cooperative_id=cooperative.id,
        membership_id=membership.id,
        reference=f"BC{cooperative.id}M{membership.number}X{secrets.token_hex(4).upper()}",
        iban=normalise_iban(iban),
        holder_name=holder_name.strip()[:70],
        signed_on=today,
        consent_text=consent,
    )
    db.session.add(mandate)
    db.session.flush()
    audit.record(
        cooperative, membership, "sepa.mandate_signed", mandate, reference=mandate.reference,
        iban_last4=mandate.iban[-4:],
    )  # fmt: skip
    return mandate


@cache
def _schema():
    from pathlib import Path

    import sepaxml
    from lxml import etree

    path = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def validate_pain008(xml: bytes) -> None:
    """Validate against the pain.008 XSD (lxml: seconds faster than sepaxml's own check)."""
    from lxml import etree

    _schema().assertValid(etree.fromstring(xml))


@cache
def _bic(iban: str) -> str | None:
    from schwifty import IBAN

    try:
        bic = IBAN(iban).bic
    except ValueError:
        return None
    return str(bic) if bic else None


def export_batch(cooperative, *, collection_on: date, today: date, by) -> SepaBatch:
    """A pain.008 batch of every open contribution charge whose member has a mandate,
    validated against the XSD. Those charges are 'being collected' afterwards."""
    from sepaxml import SepaDD

    from coop.capital.services import settings_for as capital_settings

    settings = settings_for(cooperative)
    payee = capital_settings(cooperative)
    if not settings.sepa_creditor_id or not payee.payee_iban:
        raise DomainError(
            _l("First fill in the creditor identifier and the IBAN of the cooperative.")
        )
    if collection_on <= today:
        raise DomainError(_l("Choose a collection date after today."), field="collection_on")
    audit._lock_scope(audit.scope_of(cooperative))
    rows = db.session.execute(
        select(Charge, Mandate, Membership.name)
        .join(Membership, Membership.id == Charge.membership_id)
        .join(
            Mandate, (Mandate.membership_id == Charge.membership_id) & Mandate.revoked_at.is_(None)
        )
        .where(
            Charge.cooperative_id == cooperative.id,
            Charge.kind == ChargeKind.CONTRIBUTION,
            Charge.status == ChargeStatus.OPEN,
            Charge.amount_cents > 0,
            Membership.status != MembershipStatus.ENDED,
        )
        .order_by(Charge.id)
    ).all()
    if not rows:
        raise DomainError(_l("There are no open contributions of members with a mandate."))
    config = {
        "name": cooperative.name[:70],
        "IBAN": payee.payee_iban,
        "BIC": _bic(payee.payee_iban) or "NOTPROVIDED",
        "batch": True,
        "creditor_id": settings.sepa_creditor_id,
        "currency": "EUR",
        "instrument": "CORE",
    }
    sepa = SepaDD(config, schema=SCHEMA, clean=True)
    stamp = datetime.now().strftime("%y%m%d%H%M%S")  # noqa: DTZ005 - an identifier only
    debits = []
    total = 0
    for charge, mandate, name in rows:
        end_to_end = f"C{charge.id}B{stamp}"[:35]
        payment = {
            "name": (mandate.holder_name or name)[:70],
            "IBAN": mandate.iban,
            "amount": charge.amount_cents,
            "type": "RCUR",
            "collection_date": collection_on,
            "mandate_id": mandate.reference,
            "mandate_date": mandate.signed_on,
            "description": f"{charge.reference} ledenbijdrage {charge.contribution_year}"[:140],
            "endtoend_id": end_to_end,
        }
        bic = _bic(mandate.iban)
        if bic:
            payment["BIC"] = bic
        sepa.add_payment(payment)
        debits.append((charge, mandate, end_to_end))
        total += charge.amount_cents
    raw = sepa.export(validate=False)
    validate_pain008(raw)
    xml = raw.decode()
    batch = SepaBatch(
        cooperative_id=cooperative.id,
        message_id=sepa.msg_id[:35],
        collection_on=collection_on,
        count=len(debits),
        total_cents=total,
        xml=xml,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(batch)
    db.session.flush()
    db.session.execute(
        SepaDebit.__table__.insert(),
        [
            {
                "batch_id": batch.id,
                "charge_id": charge.id,
                "mandate_id": mandate.id,
                "end_to_end_id": e2e,
                "amount_cents": charge.amount_cents,
                "status": DebitStatus.SENT,
                "reason_code": "",
            }
            for charge, mandate, e2e in debits
        ],  # fmt: skip
    )
    ledger.moved_in_bulk(
        [charge.id for charge, _, _ in debits],
        ChargeEntryKind.COLLECTING,
        ChargeStatus.COLLECTING,
        reason=f"SEPA batch {batch.message_id}",
        by=by,
    )
    db.session.expire_all()
    audit.record(
        cooperative, by, "sepa.batch_exported", batch, count=batch.count, total_cents=total,
        collection_on=collection_on.isoformat(),
    )  # fmt: skip
    return batch


def batches(cooperative) -> list[SepaBatch]:
    return db.session.scalars(
        select(SepaBatch)
        .where(SepaBatch.cooperative_id == cooperative.id)
        .order_by(SepaBatch.id.desc())
    ).all()


def get_batch(cooperative, batch_id: int) -> SepaBatch:
    batch = db.session.get(SepaBatch, batch_id) if 0 < batch_id <= MAX_ID else None
    if batch is None or batch.cooperative_id != cooperative.id:
        raise DomainError(_l("This batch does not exist."))
    return batch


@dataclass
class ResultLine:
    end_to_end_id: str
    paid: bool
    reason: str


def parse_results(text: str) -> list[ResultLine]:
    """Lines 'end-to-end id;paid' or 'end-to-end id;reversed;reason code'."""
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        raw = raw.strip()
        if not raw:
            continue
        parts = [p.strip() for p in raw.replace(",", ";").split(";")]
        outcome = parts[1].lower() if len(parts) > 1 else ""
        if outcome not in ("paid", "reversed") or not parts[0]:
            raise DomainError(
                _l("Line %(n)s: write 'id;paid' or 'id;reversed;reason code'.", n=number),
                field="results",
            )
        reason = parts[2][:10] if len(parts) > 2 else ""
        lines.append(ResultLine(parts[0][:35], outcome == "paid", reason))
    if not lines:
        raise DomainError(_l("Fill in this field."), field="results")
    return lines


def record_results(batch: SepaBatch, lines: list[ResultLine], *, on: date, by) -> list[Charge]:
    """Book the bank's result per debit; unknown debits refuse the whole file. Returns the
    reversed charges (open again; the member gets a mail)."""
    from coop.payments.models import Payment, PaymentMethod, PaymentStatus
    from coop.payments.services import book_paid

    debits = {
        d.end_to_end_id: d
        for d in db.session.scalars(select(SepaDebit).where(SepaDebit.batch_id == batch.id))
    }
    unknown = [line.end_to_end_id for line in lines if line.end_to_end_id not in debits]
    if unknown:
        raise DomainError(
            _l(
                "These debits are not in this batch: %(ids)s. Nothing was booked.",
                ids=", ".join(unknown[:10]),
            ),
            field="results",
        )
    reversed_charges = []
    for line in lines:
        debit = debits[line.end_to_end_id]
        if debit.status is not DebitStatus.SENT:
            continue  # already booked: a file read twice changes nothing
        debit.result_on = on
        charge = debit.charge
        if line.paid:
            debit.status = DebitStatus.PAID
            payment = Payment(
                cooperative_id=charge.cooperative_id,
                charge_id=charge.id,
                method=PaymentMethod.SEPA_DEBIT,
                status=PaymentStatus.PENDING,
                amount_cents=debit.amount_cents,
                currency="eur",
            )
            payment.charge = charge
            db.session.add(payment)
            db.session.flush()
            book_paid(payment, on=on, by=by, reason=f"SEPA debit {debit.end_to_end_id}")
        else:
            debit.status = DebitStatus.REVERSED
            debit.reason_code = line.reason
            if charge.status is ChargeStatus.COLLECTING:
                ledger.record(
                    charge,
                    ChargeEntryKind.REOPENED,
                    status=ChargeStatus.OPEN,
                    reason=f"SEPA debit {debit.end_to_end_id} reversed {line.reason}".strip(),
                    by=by,
                )
            reversed_charges.append(charge)
            audit.record(
                batch_cooperative(batch), by, "sepa.debit_reversed", debit,
                charge=charge.id, reason=line.reason,
            )  # fmt: skip
    db.session.flush()
    return reversed_charges


def batch_cooperative(batch):
    from coop.core.models import Cooperative

    return db.session.get(Cooperative, batch.cooperative_id)
