"""Members ask for a transfer or a redemption; the board approves or rejects."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from coop.audit import AuditEvent
from coop.capital import services as capital
from coop.capital.models import EntryKind, RequestKind, RequestStatus, ShareEntry, ShareRequest
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ShareClassFactory,
    board_member,
    issue_shares,
)

TODAY = date(2026, 3, 2)


@pytest.fixture
def share_class(coop):
    return ShareClassFactory(
        cooperative=coop, minimum_holding=1, maximum_per_member=10, transferable=True,
        redeemable=True, redemption_wait_days=30,
    )  # fmt: skip


@pytest.fixture
def member(coop, share_class):
    member = MembershipFactory(cooperative=coop)
    issue_shares(share_class, member, 4)
    return member


@pytest.fixture
def other(coop):
    return MembershipFactory(cooperative=coop)


def _entries():
    return db.session.scalar(select(func.count()).select_from(ShareEntry))


def _ask(member, share_class, quantity, kind=RequestKind.REDEMPTION, target=None):
    return capital.request_change(
        member, share_class, quantity, kind=kind, target=target, today=TODAY
    )


def test_transfer_request_approved_books_the_register(member, other, share_class, treasurer):
    item = _ask(member, share_class, 2, RequestKind.TRANSFER, other)
    assert item.status is RequestStatus.PENDING
    assert capital.holding(member, share_class) == 4  # nothing booked yet
    capital.approve_request(item, on=TODAY, by=treasurer)
    assert item.status is RequestStatus.APPROVED
    assert item.decided_by_id == treasurer.id
    assert capital.holding(member, share_class) == 2
    assert capital.holding(other, share_class) == 2
    assert db.session.get(ShareEntry, item.entry_id).kind is EntryKind.TRANSFER_IN
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"capital.transfer_requested", "capital.request_approved", "capital.transferred"} <= (
        actions
    )


def test_redemption_waits_and_keeps_the_minimum(member, share_class, treasurer):
    with pytest.raises(DomainError) as caught:
        _ask(member, share_class, 4)  # would leave 0, below the minimum of 1
    assert caught.value.field == "quantity"
    item = _ask(member, share_class, 3)
    # A second request cannot use the same shares again.
    with pytest.raises(DomainError, match="would leave 0"):
        _ask(member, share_class, 1)
    before = _entries()
    with pytest.raises(DomainError) as caught:
        capital.approve_request(item, on=TODAY, by=treasurer)  # within the 30 days
    assert caught.value.field == "effective_on"
    assert _entries() == before
    assert item.status is RequestStatus.PENDING
    capital.approve_request(item, on=date(2026, 4, 1), by=treasurer)
    assert capital.holding(member, share_class) == 1


def test_flags_are_checked_at_request(coop, member, other):
    fixed = ShareClassFactory(cooperative=coop, transferable=False, redeemable=False)
    issue_shares(fixed, member, 3)
    with pytest.raises(DomainError, match="cannot be transferred"):
        _ask(member, fixed, 1, RequestKind.TRANSFER, other)
    with pytest.raises(DomainError, match="cannot be paid back"):
        _ask(member, fixed, 1)


def test_transfer_target_rules(coop, member, share_class):
    with pytest.raises(DomainError) as caught:
        _ask(member, share_class, 1, RequestKind.TRANSFER, member)
    assert caught.value.field == "to_number"
    suspended = MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)
    with pytest.raises(DomainError):
        _ask(member, share_class, 1, RequestKind.TRANSFER, suspended)
    full = MembershipFactory(cooperative=coop)
    issue_shares(share_class, full, 9)
    with pytest.raises(DomainError, match="at most 10"):
        _ask(member, share_class, 2, RequestKind.TRANSFER, full)


def test_rules_are_checked_again_at_approval(coop, member, other, share_class, treasurer):
    item = _ask(member, share_class, 2, RequestKind.TRANSFER, other)
    # Meanwhile the class became non-transferable and the other member was suspended.
    share_class.transferable = False
    db.session.flush()
    before = _entries()
    with pytest.raises(DomainError, match="cannot be transferred"):
        capital.approve_request(item, on=TODAY, by=treasurer)
    share_class.transferable = True
    other.status = MembershipStatus.SUSPENDED
    db.session.flush()
    with pytest.raises(DomainError):
        capital.approve_request(item, on=TODAY, by=treasurer)
    assert _entries() == before
    assert item.status is RequestStatus.PENDING


def test_reject_needs_a_reason_and_decides_once(member, share_class, treasurer):
    item = _ask(member, share_class, 1)
    with pytest.raises(DomainError) as caught:
        capital.reject_request(item, reason=" ", by=treasurer)
    assert caught.value.field == "reason"
    capital.reject_request(item, reason="Eerst de jaarrekening.", by=treasurer)
    assert item.status is RequestStatus.REJECTED
    with pytest.raises(DomainError, match="already been decided"):
        capital.approve_request(item, on=date(2026, 5, 1), by=treasurer)
    # A rejected request no longer holds shares back.
    _ask(member, share_class, 3)


# Through the pages ------------------------------------------------------------------------------


def test_member_asks_and_board_approves_in_the_browser(
    client, login, mailbox, coop, member, other, share_class
):
    chair = board_member(coop, Function.CHAIR)
    login(member.user)
    base = f"/c/{coop.slug}/capital"
    page = client.get(f"{base}/me").get_data(as_text=True)
    assert "transfer-to_number" in page
    assert "redemption-quantity" in page

    bad = client.post(
        f"{base}/requests/transfer",
        data={"transfer-share_class": share_class.id, "transfer-to_number": 999999,
              "transfer-quantity": 1},
    )  # fmt: skip
    assert bad.status_code == 422
    assert 'id="transfer-to_number-error"' in bad.get_data(as_text=True)
    bad = client.post(
        f"{base}/requests/redemption",
        data={"redemption-share_class": share_class.id, "redemption-quantity": "x"},
    )
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ShareRequest)) == 0

    ok = client.post(
        f"{base}/requests/transfer",
        data={"transfer-share_class": share_class.id, "transfer-to_number": other.number,
              "transfer-quantity": 2},
    )  # fmt: skip
    assert ok.status_code == 302
    item = db.session.scalar(select(ShareRequest))

    login(chair.user)
    page = client.get(f"{base}/requests").get_data(as_text=True)
    assert member.name in page
    assert other.name in page
    bad = client.post(f"{base}/requests/{item.id}/approve", data={})
    assert bad.status_code == 422
    assert f'id="approve-{item.id}-effective_on-error"' in bad.get_data(as_text=True)
    ok = client.post(
        f"{base}/requests/{item.id}/approve",
        data={f"approve-{item.id}-effective_on": TODAY.isoformat()},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert capital.holding(other, share_class) == 2
    body = mailbox.last_to(member.user.email).get_body(("plain",)).get_content()
    assert "approved your request" in body or "keurde je verzoek" in body


def test_rejection_is_mailed_with_the_reason(client, login, mailbox, coop, member, share_class):
    item = _ask(member, share_class, 1)
    login(board_member(coop, Function.CHAIR).user)
    url = f"/c/{coop.slug}/capital/requests/{item.id}/reject"
    bad = client.post(url, data={f"reject-{item.id}-reason": ""})
    assert bad.status_code == 422
    assert f'id="reject-{item.id}-reason-error"' in bad.get_data(as_text=True)
    assert client.post(url, data={f"reject-{item.id}-reason": "Eerst de ALV."}).status_code == 302
    body = mailbox.last_to(member.user.email).get_body(("plain",)).get_content()
    assert "Eerst de ALV." in body


def test_approval_refused_shows_the_reason(client, login, coop, member, share_class, treasurer):
    item = _ask(member, share_class, 1)
    login(treasurer.user)
    response = client.post(
        f"/c/{coop.slug}/capital/requests/{item.id}/approve",
        data={f"approve-{item.id}-effective_on": TODAY.isoformat()},
    )
    assert response.status_code == 422
    assert "op zijn vroegst" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ShareRequest, item.id).status is RequestStatus.PENDING


def test_other_cooperatives_request_is_not_found(client, login, member, share_class):
    item = _ask(member, share_class, 1)
    elsewhere = CooperativeFactory()
    login(board_member(elsewhere, Function.TREASURER).user)
    response = client.post(
        f"/c/{elsewhere.slug}/capital/requests/{item.id}/reject",
        data={f"reject-{item.id}-reason": "nee"},
    )
    assert response.status_code == 404
