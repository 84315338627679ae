"""Billing a year, reduced amounts, waivers, reminders, the overview and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coop.capital import services as capital
from coop.contributions import services
from coop.contributions.models import Charge, ChargeStatus
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function, MemberKind, MembershipStatus
from coop.payments import services as payments
from coop.payments.models import Payment, PaymentStatus
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ShareClassFactory,
    board_member,
    contribution_plan,
)

TODAY = date(2026, 2, 1)


@pytest.fixture
def treasurer(coop):
    return board_member(coop, Function.TREASURER, admitted_on=date(2020, 1, 1))


def _count(coop, year=2026):
    return db.session.scalar(
        select(func.count())
        .select_from(Charge)
        .where(Charge.cooperative_id == coop.id, Charge.contribution_year == year)
    )


def test_bill_once_per_active_member(coop, treasurer):
    contribution_plan(coop, kind=MemberKind.BEWONER, full=2400, reduced=1200)
    contribution_plan(coop, kind=MemberKind.ONDERNEMER, full=10000, reduced=5000)
    MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1))
    MembershipFactory(cooperative=coop, kind=MemberKind.ONDERNEMER, admitted_on=date(2020, 1, 1))
    MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)
    MembershipFactory(cooperative=coop, admitted_on=date(2027, 1, 5))
    result = services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    assert result.created == 3  # treasurer, resident, entrepreneur
    assert result.total_cents == 2400 + 2400 + 10000
    again = services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    assert again.created == 0
    assert _count(coop) == 3


def test_unique_constraint_backs_idempotency(coop, treasurer):
    contribution_plan(coop)
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    duplicate = Charge(
        cooperative_id=coop.id,
        membership_id=treasurer.id,
        kind=services.ChargeKind.CONTRIBUTION,
        amount_cents=1,
        contribution_year=2026,
        due_on=TODAY,
    )
    nested = db.session.begin_nested()
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()
    nested.rollback()
    assert _count(coop) == 1


def test_pro_rata_for_members_admitted_during_the_year(coop, treasurer):
    contribution_plan(coop, full=2400, reduced=1200)
    late = MembershipFactory(cooperative=coop, admitted_on=date(2026, 7, 10))
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = db.session.scalar(select(Charge).where(Charge.membership_id == late.id))
    assert charge.amount_cents == 1200
    assert charge.reduced_cents == 600


def test_billing_follows_a_financial_year_from_july(client, login):
    coop = CooperativeFactory(fy_start_month=7)
    treasurer = board_member(coop, Function.TREASURER, admitted_on=date(2020, 1, 1))
    contribution_plan(coop, full=2400, reduced=1200)
    early = MembershipFactory(cooperative=coop, admitted_on=date(2026, 6, 30))
    december = MembershipFactory(cooperative=coop, admitted_on=date(2026, 12, 15))
    spring = MembershipFactory(cooperative=coop, admitted_on=date(2027, 3, 1))
    too_late = MembershipFactory(cooperative=coop, admitted_on=date(2027, 7, 1))
    result = services.bill_year(coop, 2026, today=date(2026, 7, 1), by=treasurer)
    assert result.created == 4  # not the member admitted after 30 June 2027

    def amount(member):
        return db.session.scalar(
            select(Charge.amount_cents).where(Charge.membership_id == member.id)
        )

    assert amount(early) == 2400
    assert amount(december) == 1400  # December to June
    assert amount(spring) == 800  # March to June
    assert amount(too_late) is None

    login(treasurer.user)
    page = client.get(f"/c/{coop.slug}/contributions/?year=2026").get_data(as_text=True)
    assert "1 July 2026" in page or "1 juli 2026" in page
    assert "30 June 2027" in page or "30 juni 2027" in page


def test_overview_capital_uses_the_financial_year():
    coop = CooperativeFactory(fy_start_month=7)
    member = MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1))
    share_class = ShareClassFactory(cooperative=coop)
    capital.issue(share_class, member, 2, on=date(2026, 6, 30), by=None)
    capital.issue(share_class, member, 3, on=date(2027, 6, 30), by=None)
    capital.issue(share_class, member, 4, on=date(2027, 7, 1), by=None)
    data = services.overview(coop, 2026, today=date(2027, 8, 1))
    assert data.capital_start == 2 * 2500
    assert data.capital_end == 5 * 2500
    assert data.issued == 3 * 2500


def test_pro_rata_can_be_off(coop, treasurer):
    contribution_plan(coop, full=2400, reduced=1200)
    services.update_settings(
        coop, allow_reduced=True, pro_rata=False, due_days=30, reminder_days=[14], by=treasurer
    )
    late = MembershipFactory(cooperative=coop, admitted_on=date(2026, 7, 10))
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = db.session.scalar(select(Charge).where(Charge.membership_id == late.id))
    assert charge.amount_cents == 2400


def test_bill_without_plan_says_so(coop, treasurer):
    with pytest.raises(DomainError, match="no contribution plan"):
        services.bill_year(coop, 2026, today=TODAY, by=treasurer)


def test_member_chooses_reduced(client, login, coop, treasurer):
    contribution_plan(coop, full=2400, reduced=1200)
    member = MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1))
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = db.session.scalar(select(Charge).where(Charge.membership_id == member.id))
    login(member.user)
    response = client.post(
        f"/c/{coop.slug}/contributions/charges/{charge.id}/amount", data={"reduced": "1"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert charge.amount_cents == 1200
    assert charge.reduced


def test_reduced_not_allowed(coop, treasurer):
    contribution_plan(coop)
    services.update_settings(
        coop, allow_reduced=False, pro_rata=True, due_days=30, reminder_days=[14], by=treasurer
    )
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = db.session.scalar(select(Charge).where(Charge.cooperative_id == coop.id))
    with pytest.raises(DomainError, match="no reduced"):
        services.choose_amount(charge, reduced=True, by=treasurer)
    assert charge.amount_cents == 2400


def test_waive_needs_a_reason(client, login, coop, treasurer):
    contribution_plan(coop)
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = db.session.scalar(select(Charge).where(Charge.cooperative_id == coop.id))
    login(treasurer.user)
    url = f"/c/{coop.slug}/contributions/charges/{charge.id}/waive"
    empty = client.post(url, data={"reason": "  "})
    assert empty.status_code == 422
    assert "reason-error" in empty.get_data(as_text=True)
    assert client.post(url, data={"reason": "Verhuisd naar Zweden"}).status_code == 302
    db.session.expire_all()
    assert charge.status is ChargeStatus.WAIVED
    assert charge.waived_reason == "Verhuisd naar Zweden"


def test_reminders_at_configured_intervals(app, coop, treasurer, mailbox):
    contribution_plan(coop)
    services.update_settings(
        coop, allow_reduced=True, pro_rata=True, due_days=10, reminder_days=[7, 21], by=treasurer
    )
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)  # due 11 February
    assert services.due_reminders(date(2026, 2, 17), coop) == []
    assert len(services.due_reminders(date(2026, 2, 18), coop)) == 1
    assert services.due_reminders(date(2026, 2, 19), coop) == []
    assert len(services.due_reminders(date(2026, 3, 4), coop)) == 1
    assert services.due_reminders(date(2026, 6, 1), coop) == []


def test_remind_command_mails(app, coop, treasurer, mailbox):
    contribution_plan(coop)
    services.bill_year(coop, 2026, today=date(2025, 1, 1), by=treasurer)
    runner = CliRunner()
    from coop.contributions.cli import remind_command

    app.config["COOP_PUBLIC_URL"] = "https://wijk.example.org"
    try:
        with app.test_request_context():
            result = runner.invoke(remind_command, ["--cooperative", coop.slug])
    finally:
        app.config["COOP_PUBLIC_URL"] = "http://127.0.0.1:5000"
    assert result.exit_code == 0, result.output
    assert "1 reminders" in result.output
    message = mailbox.last_to(treasurer.user.email)
    assert coop.name in str(message["Subject"])
    # The link in the mail points at the configured public address (config.py).
    body = message.get_body(("plain",)).get_content()
    assert f"https://wijk.example.org/c/{coop.slug}/" in body


def test_public_url_has_a_default_in_config():
    from config import Config

    assert Config.COOP_PUBLIC_URL.startswith("http")


def test_bill_command_is_idempotent(app, coop, treasurer):
    contribution_plan(coop)
    from coop.contributions.cli import bill_command

    runner = CliRunner()
    with app.test_request_context():
        first = runner.invoke(bill_command, ["2026", "--cooperative", coop.slug])
        second = runner.invoke(bill_command, ["2026", "--cooperative", coop.slug])
    assert "1 charges" in first.output
    assert "0 charges" in second.output
    assert _count(coop) == 1


def test_overview_reconciles_with_the_ledgers(client, login, coop, treasurer):
    contribution_plan(coop, kind=MemberKind.BEWONER, full=2400, reduced=1200)
    contribution_plan(coop, kind=MemberKind.ORGANISATIE, full=5000, reduced=2500)
    members = [MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1)) for _ in range(4)]
    org = MembershipFactory(
        cooperative=coop, kind=MemberKind.ORGANISATIE, admitted_on=date(2020, 1, 1)
    )
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge_of = {
        c.membership_id: c
        for c in db.session.scalars(select(Charge).where(Charge.cooperative_id == coop.id))
    }
    payments.record_bank_transfer(
        charge_of[members[0].id], amount_cents=2400, received_on=TODAY, today=TODAY, by=treasurer
    )
    services.choose_amount(charge_of[members[1].id], reduced=True, by=members[1])
    payments.record_bank_transfer(
        charge_of[members[1].id], amount_cents=1200, received_on=TODAY, today=TODAY, by=treasurer
    )
    services.waive(charge_of[members[2].id], reason="Ziek", by=treasurer)
    payments.record_bank_transfer(
        charge_of[org.id], amount_cents=5000, received_on=TODAY, today=TODAY, by=treasurer
    )
    share_class = ShareClassFactory(cooperative=coop)
    capital.issue(share_class, members[0], 2, on=date(2025, 6, 1), by=treasurer)
    capital.issue(share_class, members[1], 1, on=date(2026, 6, 1), by=treasurer)

    data = services.overview(coop, 2026, today=date(2026, 4, 1))
    total = data.total
    all_charges = list(charge_of.values())
    assert total.billed == sum(c.amount_cents for c in all_charges)
    paid = db.session.scalar(
        select(func.sum(Payment.amount_cents)).where(
            Payment.cooperative_id == coop.id, Payment.status == PaymentStatus.PAID
        )
    )
    assert total.received == paid == 2400 + 1200 + 5000
    assert total.waived == 2400
    assert total.billed == total.received + total.open + total.waived + total.refunded
    assert total.overdue == total.open  # due 3 March, looked at on 1 April
    assert data.by_kind[MemberKind.ORGANISATIE].received == 5000
    assert data.capital_start == 2500 * 2
    assert data.capital_end == 2500 * 3
    assert data.issued == 2500

    login(treasurer.user)
    page = client.get(f"/c/{coop.slug}/contributions/?year=2026").get_data(as_text=True)
    assert "<svg" in page
    response = client.get(f"/c/{coop.slug}/contributions/2026.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    assert len(rows) == len(all_charges)
    received = sum(round(float(r["received_eur"]) * 100) for r in rows)
    assert received == total.received
    billed = sum(round(float(r["amount_eur"]) * 100) for r in rows)
    assert billed == total.billed


def test_bill_button(client, login, coop, treasurer):
    contribution_plan(coop)
    login(treasurer.user)
    response = client.post(f"/c/{coop.slug}/contributions/bill", data={"year": "2026"})
    assert response.status_code == 302
    client.post(f"/c/{coop.slug}/contributions/bill", data={"year": "2026"})
    assert _count(coop) == 1
    bad = client.post(f"/c/{coop.slug}/contributions/bill", data={"year": "99999"})
    assert bad.status_code == 302


def test_plan_form_refuses_bad_amounts(client, login, coop, treasurer):
    login(treasurer.user)
    url = f"/c/{coop.slug}/contributions/plans"
    bad = client.post(url, data={"year": 2026, "kind": "bewoner", "full": "10", "reduced": "20"})
    assert bad.status_code == 422
    assert "reduced-error" in bad.get_data(as_text=True)
    ok = client.post(url, data={"year": 2026, "kind": "bewoner", "full": "24", "reduced": "12,50"})
    assert ok.status_code == 302
    assert services.plans(coop, 2026)[MemberKind.BEWONER].reduced_cents == 1250


def test_commands_are_registered_under_flask_coop(app):
    result = app.test_cli_runner().invoke(args=["coop", "contributions", "--help"])
    assert result.exit_code == 0
    assert "bill" in result.output
    assert "remind" in result.output
    bad = app.test_cli_runner().invoke(args=["coop", "contributions", "bill", "1999"])
    assert bad.exit_code != 0
