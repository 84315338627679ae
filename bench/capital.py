"""Capital and contributions with 100,000 members in one cooperative.

- ``contributions_bill_100k_s``: ``bill_year`` for 100,000 active members (one charge each,
  with payment references), committed. Billing again (which creates nothing) is noted.
- ``treasurer_overview_ms``: median server time of ``GET /c/<slug>/contributions/?year=…``
  over those 100,000 charges, half of them paid by bank transfer.
- ``certificate_pdf_ms``: median time to render one share certificate with WeasyPrint.
- ``sepa_export_10k_s``: a pain.008 batch of 10,000 debits (open contributions of members
  with a mandate), validated against the XSD, stored and committed.

The cooperative is generated beside the shared installation (``generate(1, 100_000)``).
"""

from __future__ import annotations

import time
from datetime import date

from bench.common import installation, median_ms, note, report

MEMBERS = 100_000
YEAR = 2026
RUNS, WARMUP = 20, 3


def _setup(app):
    from sqlalchemy import insert, select

    from coop.accounts.models import User
    from coop.core.generate import generate
    from coop.db import utcnow
    from coop.extensions import db
    from coop.members.models import Function, MemberKind, Membership, MembershipFunction

    with app.app_context():
        start = time.perf_counter()
        cooperative = generate(1, MEMBERS, seed=3).cooperatives[0]
        note(f"generated {MEMBERS} members in {time.perf_counter() - start:.1f} s")
        user = User(
            email="bench-penningmeester@bench.test",
            name="Bench Penningmeester",
            password_hash="!",  # noqa: S106 - no password: the bench logs in by session
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        cooperative.last_member_number += 1
        treasurer = Membership(
            cooperative_id=cooperative.id,
            user_id=user.id,
            kind=MemberKind.BEWONER,
            number=cooperative.last_member_number,
            name="Bench Penningmeester",
            admitted_on=date(2020, 1, 1),
            functions=[MembershipFunction(function=Function.TREASURER)],
        )
        db.session.add(treasurer)
        from coop.contributions.models import ContributionPlan

        db.session.execute(
            insert(ContributionPlan),
            [
                {
                    "cooperative_id": cooperative.id,
                    "year": YEAR,
                    "kind": kind,
                    "full_cents": 2400 + 100 * i,
                    "reduced_cents": 1200,
                }
                for i, kind in enumerate(MemberKind)
            ],  # fmt: skip
        )
        db.session.commit()
        ids = (cooperative.id, treasurer.id, user.get_id(), cooperative.slug)
        active = db.session.scalar(
            select(db.func.count()).where(Membership.cooperative_id == cooperative.id)
        )
        note(f"{active} memberships in the cooperative")
        db.session.remove()
    return ids


def _bill(app, cooperative_id, treasurer_id) -> float:
    from coop.contributions import services
    from coop.core.models import Cooperative
    from coop.extensions import db
    from coop.members.models import Membership

    with app.app_context():
        cooperative = db.session.get(Cooperative, cooperative_id)
        treasurer = db.session.get(Membership, treasurer_id)
        start = time.perf_counter()
        result = services.bill_year(cooperative, YEAR, today=date(YEAR, 2, 1), by=treasurer)
        db.session.commit()
        seconds = time.perf_counter() - start
        note(f"billed {result.created} charges, EUR {result.total_cents / 100:,.2f}")
        again = time.perf_counter()
        second = services.bill_year(cooperative, YEAR, today=date(YEAR, 2, 1), by=treasurer)
        db.session.commit()
        note(f"billing again made {second.created} in {time.perf_counter() - again:.1f} s")
        db.session.remove()
    return seconds


def _pay_half(app, cooperative_id) -> None:
    """Every second charge paid by bank transfer (bulk, as the ledgers would hold it)."""
    from sqlalchemy import insert, select

    from coop.contributions import ledger
    from coop.contributions.models import Charge, ChargeEntryKind, ChargeStatus
    from coop.extensions import db
    from coop.payments.models import Payment, PaymentMethod, PaymentStatus

    with app.app_context():
        rows = db.session.execute(
            select(Charge.id, Charge.amount_cents)
            .where(Charge.cooperative_id == cooperative_id)
            .order_by(Charge.id)
        ).all()[::2]
        payments = [
            {"cooperative_id": cooperative_id, "charge_id": charge_id,
             "method": PaymentMethod.BANK_TRANSFER, "status": PaymentStatus.PAID,
             "amount_cents": amount, "currency": "eur", "received_on": date(YEAR, 2, 20),
             "flagged": False, "flag_reason": ""}
            for charge_id, amount in rows
        ]  # fmt: skip
        for start in range(0, len(payments), 5000):
            db.session.execute(insert(Payment), payments[start : start + 5000])
        ledger.moved_in_bulk(
            [charge_id for charge_id, _ in rows],
            ChargeEntryKind.PAID,
            ChargeStatus.PAID,
            on=date(YEAR, 2, 20),
            reason="bench",
        )
        db.session.commit()
        db.session.remove()


def _certificate_ms(app, cooperative_id, treasurer_id) -> float:
    from coop.capital import documents
    from coop.capital import services as capital
    from coop.capital.models import ShareClass
    from coop.extensions import db
    from coop.members.models import Membership

    with app.test_request_context():
        share_class = ShareClass(
            cooperative_id=cooperative_id, name="Buurtaandeel", nominal_value_cents=2500
        )
        db.session.add(share_class)
        db.session.flush()
        member = db.session.get(Membership, treasurer_id)
        certificate = capital.issue(share_class, member, 2, on=date(YEAR, 3, 1), by=member)
        db.session.commit()
        ms = median_ms(lambda: documents.certificate_pdf(certificate), runs=20, warmup=2)
        db.session.remove()
    return ms


def _sepa_s(app, cooperative_id, treasurer_id) -> float:
    from sqlalchemy import insert, select

    from coop.capital import services as capital
    from coop.contributions import sepa
    from coop.contributions import services as contributions
    from coop.contributions.models import Charge, ChargeStatus, Mandate
    from coop.core.models import Cooperative
    from coop.extensions import db
    from coop.members.models import Membership

    with app.test_request_context():
        cooperative = db.session.get(Cooperative, cooperative_id)
        treasurer = db.session.get(Membership, treasurer_id)
        capital.update_settings(
            cooperative, share_word="aandelen", payee_name="Bench",
            payee_iban="NL91ABNA0417164300", by=treasurer,
        )  # fmt: skip
        contributions.update_settings(
            cooperative, allow_reduced=True, pro_rata=True, due_days=30, reminder_days=[14],
            by=treasurer, sepa_creditor_id="NL00ZZZ123456780000",
        )  # fmt: skip
        members = db.session.scalars(
            select(Charge.membership_id)
            .where(Charge.cooperative_id == cooperative_id, Charge.status == ChargeStatus.OPEN)
            .order_by(Charge.id)
            .limit(10_000)
        ).all()
        db.session.execute(
            insert(Mandate),
            [
                {
                    "cooperative_id": cooperative_id,
                    "membership_id": m,
                    "reference": f"BENCH{m}",
                    "iban": "NL20INGB0001234567",
                    "holder_name": f"Lid {m}",
                    "signed_on": date(YEAR, 1, 1),
                    "consent_text": "bench",
                }
                for m in members
            ],  # fmt: skip
        )
        db.session.commit()
        start = time.perf_counter()
        batch = sepa.export_batch(
            cooperative, collection_on=date(YEAR, 12, 30), today=date(YEAR, 2, 1), by=treasurer
        )
        db.session.commit()
        seconds = time.perf_counter() - start
        note(f"pain.008 batch: {batch.count} debits, {len(batch.xml) / 1e6:.1f} MB")
        db.session.remove()
    return seconds


def capital_bench() -> None:
    inst = installation()
    app = inst.app
    cooperative_id, treasurer_id, user_id, slug = _setup(app)
    report("contributions_bill_100k_s", _bill(app, cooperative_id, treasurer_id), "s")
    _pay_half(app, cooperative_id)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True

    def overview():
        response = client.get(f"/c/{slug}/contributions/?year={YEAR}")
        if response.status_code != 200:
            raise RuntimeError(f"overview: {response.status_code}")

    report("treasurer_overview_ms", median_ms(overview, RUNS, WARMUP), "ms")
    report("certificate_pdf_ms", _certificate_ms(app, cooperative_id, treasurer_id), "ms")
    report("sepa_export_10k_s", _sepa_s(app, cooperative_id, treasurer_id), "s")
