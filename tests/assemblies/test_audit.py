"""The steps of an assembly that change its record each write an audit event in the same
transaction (single votes do not: the ballots and their receipts are the record)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coop import audit
from coop.assemblies import services
from coop.assemblies.models import (
    AssemblyStatus,
    Choice,
    DecisionKind,
    ItemKind,
    ProxyStatus,
)
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Function
from tests.factories import CooperativeFactory, MembershipFactory, MotionFactory, board_member


def events(cooperative, action):
    return db.session.scalars(
        select(audit.AuditEvent)
        .where(
            audit.AuditEvent.scope == audit.scope_of(cooperative),
            audit.AuditEvent.action == action,
        )
        .order_by(audit.AuditEvent.seq)
    ).all()


def only(cooperative, action, subject):
    """The one event of ``action`` in the cooperative's chain, about ``subject``."""
    found = events(cooperative, action)
    assert len(found) == 1, (action, found)
    event = found[0]
    assert (event.subject_type, event.subject_id) == (type(subject).__name__, subject.id)
    return event


def test_convening_reminding_session_attendance_proxies_and_votes_are_audited():
    cooperative = CooperativeFactory()
    chair = board_member(cooperative, Function.CHAIR)
    grantor, holder, other = (MembershipFactory(cooperative=cooperative) for _ in range(3))
    assembly = services.create_assembly(
        cooperative,
        title="ALV najaar",
        starts_at=utcnow() + timedelta(days=20),
        place="Buurthuis",
        online_url="",
        is_second=False,
        by=chair,
    )
    item = services.add_item(
        assembly, title="Begroting", description="", kind=ItemKind.DECISION, by=chair
    )

    sent = services.convene(assembly, by=chair)
    event = only(cooperative, "assembly.convened", assembly)
    assert event.actor_id == chair.user.id
    assert event.data["recipients"] == len(sent) == 4

    assert len(services.remind(assembly)) == 4
    event = only(cooperative, "assembly.reminded", assembly)
    assert event.actor_id is None  # the daily command, not a person
    assert event.data["recipients"] == 4

    first = services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.revoke_proxy(first, by=grantor)
    assert only(cooperative, "assembly.proxy_revoked", first).actor_id == grantor.user.id

    second = services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.open_session(assembly, by=chair)
    assert only(cooperative, "assembly.opened", assembly).actor_id == chair.user.id

    # Checking in the grantor makes their proxy void: the check-in's event names it.
    attendance = services.check_in(assembly, grantor, by=chair)
    assert second.status is ProxyStatus.VOID
    event = only(cooperative, "assembly.checked_in", attendance)
    assert event.actor_id == chair.user.id
    assert event.data == {"member": grantor.number, "online": False, "proxies_void": [second.id]}

    motion = services.add_motion(
        assembly,
        item=item,
        title="Begroting 2027",
        text="",
        decision_kind=DecisionKind.ORDINARY,
        by=chair,
    )
    services.open_vote(motion, by=chair)
    assert only(cooperative, "motion.vote_opened", motion).actor_id == chair.user.id

    before = audit.count_for(cooperative)
    services.cast_vote(motion, voter=grantor, choice=Choice.FOR)
    assert audit.count_for(cooperative) == before  # a single vote is no audit event

    services.close_vote(motion, by=chair)
    services.close_session(assembly, by=chair)
    assert assembly.status is AssemblyStatus.CLOSED
    assert only(cooperative, "assembly.closed", assembly).actor_id == chair.user.id
    assert audit.verify().ok


def test_a_proxy_made_void_by_its_grantors_own_vote_is_audited():
    cooperative = CooperativeFactory()
    chair = board_member(cooperative)
    grantor, holder = (MembershipFactory(cooperative=cooperative) for _ in range(2))
    motion = MotionFactory(agenda_item__assembly__cooperative=cooperative)
    assembly = motion.assembly  # convened: members vote in advance
    services.update_rules(
        cooperative,
        data={"notice_days": 14, "advance_voting": True},
        decision_rules={},
        by=chair,
    )
    services.open_vote(motion, by=chair)
    proxy = services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.cast_vote(motion, voter=grantor, choice=Choice.AGAINST)
    assert proxy.status is ProxyStatus.VOID
    event = only(cooperative, "assembly.proxy_voided", proxy)
    assert event.actor_id == grantor.user.id
    # Which proxy, whose and on which vote; never how the grantor voted.
    assert event.data == {
        "grantor": grantor.number,
        "holder": holder.number,
        "motion": motion.id,
    }
    # The holder's own vote voids nothing and writes no event.
    services.cast_vote(motion, voter=holder, choice=Choice.FOR)
    assert len(events(cooperative, "assembly.proxy_voided")) == 1
    assert audit.verify().ok
