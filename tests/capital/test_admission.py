"""Admission can wait until the applicant has paid the minimum holding."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coop.audit import AuditEvent
from coop.capital import services as capital
from coop.capital.models import ShareEntry
from coop.contributions.models import Charge, ChargeKind, ChargeStatus
from coop.errors import DomainError
from coop.extensions import db
from coop.members import services as members
from coop.members.models import ApplicationStatus, Function, Membership
from coop.payments import services as payments
from tests.factories import (
    ApplicationFactory,
    ShareClassFactory,
    UserFactory,
    board_member,
)
from tests.members.test_applications import RESIDENT, apply_url

TODAY = date(2026, 3, 2)


@pytest.fixture
def treasurer(coop):
    return board_member(coop, Function.TREASURER, Function.SECRETARY)


@pytest.fixture
def share_class(coop):
    return ShareClassFactory(cooperative=coop, minimum_holding=2, nominal_value_cents=2500)


def _require(coop, treasurer, on=True):
    capital.update_settings(
        coop, share_word="aandelen", payee_name="Buurtcoop", payee_iban="NL91ABNA0417164300",
        admission_requires_shares_paid=on, by=treasurer,
    )  # fmt: skip


def _pay(charge, treasurer):
    payments.record_bank_transfer(
        charge, amount_cents=charge.amount_cents, received_on=TODAY, today=TODAY, by=treasurer
    )


def test_setting_needs_a_class_with_a_minimum(coop, treasurer):
    with pytest.raises(DomainError) as caught:
        _require(coop, treasurer)
    assert caught.value.field == "admission_requires_shares_paid"
    assert not capital.settings_for(coop).admission_requires_shares_paid


def test_without_the_setting_nothing_changes(coop, treasurer, share_class):
    application = ApplicationFactory(cooperative=coop)
    assert capital.request_admission_shares(application, today=TODAY, by=treasurer) is None
    membership = members.admit(application, by=treasurer, on=TODAY)
    assert capital.holdings(membership) == []


def test_admission_waits_for_payment_then_issues_the_shares(coop, treasurer, share_class):
    _require(coop, treasurer)
    application = ApplicationFactory(cooperative=coop)
    charge = capital.request_admission_shares(application, today=TODAY, by=treasurer)
    assert charge.membership_id is None
    assert charge.application_id == application.id
    assert charge.kind is ChargeKind.SHARES
    assert (charge.share_quantity, charge.amount_cents) == (2, 5000)
    assert charge.reference.startswith("RF")
    # Asking again finds the same charge.
    assert capital.request_admission_shares(application, today=TODAY, by=treasurer) is charge

    with pytest.raises(DomainError, match="not paid"):
        members.admit(application, by=treasurer, on=TODAY)
    assert application.status is ApplicationStatus.PENDING

    _pay(charge, treasurer)
    assert charge.status is ChargeStatus.PAID
    # Paying does not issue shares yet: there is no member to hold them.
    assert db.session.scalar(select(ShareEntry).where(ShareEntry.charge_id == charge.id)) is None

    membership = members.admit(application, by=treasurer, on=TODAY)
    assert charge.membership_id == membership.id
    [holding] = capital.holdings(membership)
    assert (holding.quantity, holding.amount_cents) == (2, 5000)
    [certificate] = capital.certificates_of(membership)
    assert certificate.entry.charge_id == charge.id
    assert certificate.issued_on == TODAY
    kinds = set(db.session.scalars(select(AuditEvent.action)))
    assert {"capital.admission_shares_requested", "capital.admission_charge_assigned"} <= kinds


def test_no_charge_at_all_is_refused(coop, treasurer, share_class):
    _require(coop, treasurer)
    application = ApplicationFactory(cooperative=coop)
    with pytest.raises(DomainError, match="payment request"):
        members.admit(application, by=treasurer, on=TODAY)


def test_rejecting_waives_the_open_charge(coop, treasurer, share_class):
    _require(coop, treasurer)
    application = ApplicationFactory(cooperative=coop)
    charge = capital.request_admission_shares(application, today=TODAY, by=treasurer)
    members.reject(application, by=treasurer, reason="Niet in de wijk.")
    assert charge.status is ChargeStatus.WAIVED


def test_applying_makes_the_charge_and_mails_how_to_pay(client, login, mailbox, coop, treasurer):
    ShareClassFactory(cooperative=coop, minimum_holding=1, nominal_value_cents=5000)
    _require(coop, treasurer)
    user = UserFactory(email="amir@example.test")
    login(user)
    response = client.post(apply_url(coop), data=RESIDENT)
    assert response.status_code == 302
    charge = db.session.scalar(select(Charge).where(Charge.cooperative_id == coop.id))
    assert charge.application.user_id == user.id
    assert charge.amount_cents == 5000
    body = mailbox.last_to("amir@example.test").get_body(("plain",)).get_content()
    assert charge.reference in body
    assert "NL91ABNA0417164300" in body
    page = client.get(f"/c/{coop.slug}/members/apply/done").get_data(as_text=True)
    assert charge.reference in page


def test_board_sees_paid_or_not_and_admit_refuses_until_paid(client, login, coop, treasurer):
    ShareClassFactory(cooperative=coop, minimum_holding=1)
    _require(coop, treasurer)
    application = ApplicationFactory(cooperative=coop)  # applied before the setting
    treasurer.user.locale = "en"  # this board member reads the pages in English
    db.session.flush()
    login(treasurer.user)
    url = f"/c/{coop.slug}/members/applications/{application.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Not asked yet" in page
    assert "payment-request" in page

    response = client.post(f"{url}/admit", follow_redirects=True)
    assert "payment request" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(Membership).where(Membership.user_id == application.user_id))
        is None
    )

    assert client.post(f"{url}/payment-request").status_code == 302
    charge = capital.admission_charge(application)
    page = client.get(url).get_data(as_text=True)
    assert "Not paid" in page
    assert charge.reference in page

    response = client.post(f"{url}/admit", follow_redirects=True)
    assert "not paid for the shares yet" in response.get_data(as_text=True)

    _pay(charge, treasurer)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Paid:" in page
    assert client.post(f"{url}/admit").status_code == 302
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == application.user_id)
    )
    assert [h.quantity for h in capital.holdings(membership)] == [1]


def test_open_charges_list_shows_the_applicant(client, login, coop, treasurer, share_class):
    _require(coop, treasurer)
    application = ApplicationFactory(cooperative=coop, name="Fatima Bakker")
    charge = capital.request_admission_shares(application, today=TODAY, by=treasurer)
    login(treasurer.user)
    page = client.get(f"/c/{coop.slug}/payments/open").get_data(as_text=True)
    assert "Fatima Bakker" in page
    page = client.get(f"/c/{coop.slug}/payments/charges/{charge.id}/received")
    assert "Fatima Bakker" in page.get_data(as_text=True)


def test_settings_form_shows_the_problem_at_the_field(client, login, coop, treasurer):
    login(treasurer.user)
    response = client.post(
        f"/c/{coop.slug}/capital/settings",
        data={"share_word": "aandelen", "admission_requires_shares_paid": "y"},
    )
    assert response.status_code == 422
    assert 'id="admission_requires_shares_paid-error"' in response.get_data(as_text=True)


def test_reminders_skip_an_applicants_charge(coop, treasurer, share_class):
    from coop.contributions import services as contributions

    _require(coop, treasurer)
    application = ApplicationFactory(cooperative=coop)
    capital.request_admission_shares(application, today=TODAY, by=treasurer)
    assert contributions.due_reminders(date(2026, 12, 1), coop) == []
