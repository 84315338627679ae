"""The share register: append-only, certificates without gaps, holdings from the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coop import audit
from coop.capital import services as capital
from coop.capital.models import Certificate, EntryKind, ShareEntry
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import MembershipStatus
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ShareClassFactory,
    issue_shares,
)


@pytest.fixture
def share_class(coop):
    return ShareClassFactory(cooperative=coop, nominal_value_cents=5000, minimum_holding=1)


def test_issue_writes_ledger_certificate_and_audit(coop, share_class, treasurer):
    member = MembershipFactory(cooperative=coop)
    before = audit.count_for(coop)
    certificate = capital.issue(share_class, member, 3, on=date(2026, 2, 1), by=treasurer)
    assert certificate.number == 1
    assert certificate.quantity == 3
    assert capital.holding(member, share_class) == 3
    entry = db.session.scalar(select(ShareEntry).where(ShareEntry.membership_id == member.id))
    assert entry.kind is EntryKind.ISSUE
    assert entry.amount_cents == 15000
    assert audit.count_for(coop) == before + 1
    assert audit.verify().ok


def test_certificate_numbers_per_class_without_gaps(coop, share_class):
    other_class = ShareClassFactory(cooperative=coop)
    a, b = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    numbers = [issue_shares(share_class, m, 1).number for m in (a, b, a)]
    assert numbers == [1, 2, 3]
    assert issue_shares(other_class, a, 1).number == 1
    stored = db.session.scalars(
        select(Certificate.number).where(Certificate.share_class_id == share_class.id)
    ).all()
    assert sorted(stored) == [1, 2, 3]


def test_ledger_is_append_only(coop, share_class):
    member = MembershipFactory(cooperative=coop)
    certificate = issue_shares(share_class, member, 2)
    entry = certificate.entry
    entry.quantity = 5
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_register_for_any_date(coop, share_class, treasurer):
    a = MembershipFactory(cooperative=coop)
    b = MembershipFactory(cooperative=coop)
    issue_shares(share_class, a, 4, on=date(2025, 3, 1))
    capital.transfer(share_class, a, b, 2, on=date(2025, 6, 1), by=treasurer)
    capital.redeem(
        share_class, b, 1, requested_on=date(2025, 8, 1), on=date(2025, 9, 1), by=treasurer
    )

    def snapshot(on):
        return {(line.membership.id, line.quantity) for line in capital.register(coop, on)}

    assert snapshot(date(2025, 2, 28)) == set()
    assert snapshot(date(2025, 3, 1)) == {(a.id, 4)}
    assert snapshot(date(2025, 6, 1)) == {(a.id, 2), (b.id, 2)}
    assert snapshot(date(2025, 12, 31)) == {(a.id, 2), (b.id, 1)}
    assert capital.capital_cents(coop, date(2025, 12, 31)) == 3 * 5000


def test_transfer_gets_own_certificate_and_needs_transferable(coop, treasurer):
    share_class = ShareClassFactory(cooperative=coop, transferable=False)
    a, b = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    issue_shares(share_class, a, 3)
    with pytest.raises(DomainError, match="cannot be transferred"):
        capital.transfer(share_class, a, b, 1, on=date(2026, 2, 1), by=treasurer)


def test_transfer_keeps_minimum_of_active_member(coop, share_class, treasurer):
    a, b = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    issue_shares(share_class, a, 1)
    with pytest.raises(DomainError) as error:
        capital.transfer(share_class, a, b, 1, on=date(2026, 2, 1), by=treasurer)
    assert error.value.field == "quantity"
    assert capital.holding(b, share_class) == 0


def test_redemption_never_below_minimum_of_active_member(coop, treasurer):
    share_class = ShareClassFactory(cooperative=coop, minimum_holding=2)
    member = MembershipFactory(cooperative=coop)
    issue_shares(share_class, member, 3)
    with pytest.raises(DomainError) as error:
        capital.redeem(
            share_class, member, 2, requested_on=date(2026, 2, 1), on=date(2026, 2, 1),
            by=treasurer,
        )  # fmt: skip
    assert error.value.field == "quantity"
    capital.redeem(
        share_class, member, 1, requested_on=date(2026, 2, 1), on=date(2026, 2, 1), by=treasurer
    )
    assert capital.holding(member, share_class) == 2


def test_ended_member_can_be_paid_back_in_full(coop, share_class, treasurer):
    member = MembershipFactory(cooperative=coop)
    issue_shares(share_class, member, 2)
    member.status = MembershipStatus.ENDED
    capital.redeem(
        share_class, member, 2, requested_on=date(2026, 2, 1), on=date(2026, 2, 1), by=treasurer
    )
    assert capital.holding(member, share_class) == 0


def test_redemption_waits_and_needs_redeemable(coop, treasurer):
    waiting = ShareClassFactory(cooperative=coop, redemption_wait_days=30, minimum_holding=0)
    fixed = ShareClassFactory(cooperative=coop, redeemable=False, minimum_holding=0)
    member = MembershipFactory(cooperative=coop)
    issue_shares(waiting, member, 1)
    issue_shares(fixed, member, 1)
    with pytest.raises(DomainError) as error:
        capital.redeem(
            waiting, member, 1, requested_on=date(2026, 2, 1), on=date(2026, 2, 20), by=treasurer
        )
    assert error.value.field == "effective_on"
    with pytest.raises(DomainError, match="cannot be paid back"):
        capital.redeem(
            fixed, member, 1, requested_on=date(2026, 2, 1), on=date(2026, 6, 1), by=treasurer
        )


@pytest.mark.parametrize("quantity", [0, -1, 100_001])
def test_bad_quantities_book_nothing(coop, share_class, quantity):
    member = MembershipFactory(cooperative=coop)
    with pytest.raises(DomainError) as error:
        capital.issue(share_class, member, quantity, on=date(2026, 2, 1), by=None)
    assert error.value.field == "quantity"
    assert capital.holding(member, share_class) == 0


def test_share_word_is_per_cooperative(coop, treasurer):
    other = CooperativeFactory()
    assert capital.share_word(coop) == "aandelen"
    capital.update_settings(
        coop, share_word="participaties", payee_name="", payee_iban="", by=treasurer
    )
    assert capital.share_word(coop) == "participaties"
    assert capital.share_word(other) == "aandelen"


def test_votes_per_share_in_register(coop, treasurer):
    share_class = ShareClassFactory(cooperative=coop, votes_per_share=2)
    member = MembershipFactory(cooperative=coop)
    issue_shares(share_class, member, 3)
    (line,) = capital.register(coop, date(2026, 12, 31))
    assert line.votes == 6
