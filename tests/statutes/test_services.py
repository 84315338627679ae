"""Statutes services: the library, drafts, adoption through an assembly, the deed and the
rules that follow from the statutes in force."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from coop import audit
from coop.assemblies import services as assembly_services
from coop.assemblies.models import (
    AgendaDocument,
    Assembly,
    AssemblyStatus,
    Choice,
    DecisionKind,
    ItemKind,
    Majority,
    Motion,
    MotionStatus,
    ProxyInstruction,
    Weighting,
)
from coop.db import today
from coop.errors import DomainError
from coop.extensions import db
from coop.statutes import services
from coop.statutes.models import (
    Statutes,
    StatutesAreFinal,
    StatutesStatus,
    StatuteTemplateVersion,
    TemplateVersionsAreFinal,
)
from tests.factories import AssemblyFactory, ShareClassFactory
from tests.statutes.conftest import TEST_LIBRARY, vote_on


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


def _actions(cooperative):
    return [
        e.action
        for e in db.session.scalars(
            select(audit.AuditEvent)
            .where(audit.AuditEvent.cooperative_id == cooperative.id)
            .order_by(audit.AuditEvent.seq)
        )
    ]


# The library -------------------------------------------------------------------------------


def test_sync_is_idempotent_and_a_changed_text_is_a_new_version(library, tmp_path):
    assert services.sync_library(TEST_LIBRARY) == []
    copy = tmp_path / "proefcooperatie"
    copy.mkdir()
    for name in ("meta.json", "nl.md", "en.md"):
        (copy / name).write_text((TEST_LIBRARY / "proefcooperatie" / name).read_text())
    first = library["proefcooperatie"]
    (copy / "nl.md").write_text((copy / "nl.md").read_text() + "\n## Slot\n\nEinde.\n")
    [added] = services.sync_library(tmp_path)
    assert added.version == first.version + 1
    assert "## Slot" not in first.text_nl  # the old version stays as it was
    assert services.sync_library(tmp_path) == []


def test_a_stored_template_version_never_changes(library):
    version = library["proefcooperatie"]
    version.text_nl = "## Anders\n\nAnders.\n"
    with pytest.raises(TemplateVersionsAreFinal):
        db.session.flush()
    db.session.rollback()


def test_a_template_with_a_sandbox_escape_is_refused(tmp_path):
    folder = tmp_path / "kwaad"
    folder.mkdir()
    (folder / "meta.json").write_text('{"title": {"nl": "K", "en": "K"}, "version": 1}')
    (folder / "nl.md").write_text("## Naam\n\n{{ config }}\n")
    (folder / "en.md").write_text("## Name\n\n{{ name }}\n")
    with pytest.raises(DomainError, match="unknown name"):
        services.sync_library(tmp_path)
    assert db.session.scalars(select(StatuteTemplateVersion)).all() == []


# Drafts ------------------------------------------------------------------------------------


def test_a_draft_starts_from_the_template_with_the_cooperatives_details(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    assert draft.number == 1
    assert draft.status is StatutesStatus.DRAFT
    assert draft.parameters["seat"] == "Utrecht"
    assert draft.parameters["majority_statutes"] == "2/3"
    with pytest.raises(DomainError, match="already a draft"):
        services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    assert "statutes.draft_started" in _actions(coop.cooperative)


def test_saving_bad_values_writes_nothing(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    before = dict(draft.parameters)
    values = {**before, "majority_ordinary": "1/3", "notice_days": 5, "quorum_statutes": 120}
    with pytest.raises(services.InvalidParameters) as error:
        services.update_draft(draft, values, by=coop.chair)
    assert set(error.value.errors) == {"majority_ordinary", "notice_days", "quorum_statutes"}
    assert draft.parameters == before


# The whole way: adopted by the assembly, in force, and the next assembly uses it ---------


def test_adopted_statutes_with_a_new_majority_govern_the_next_assembly(coop, test_version):
    cooperative = coop.cooperative
    share_class = ShareClassFactory(cooperative=cooperative, minimum_holding=1)
    draft = services.start_draft(cooperative, template_version=test_version, by=coop.chair)
    values = {
        **draft.parameters,
        "majority_ordinary": "3/4",
        "notice_days": 21,
        "proxies_per_holder": 2,
        "minimum_shares": 3,
        "resignation_notice_weeks": 8,
        "vote_weighting": "share",
        "share_vote_cap": 5,
    }
    services.update_draft(draft, values, by=coop.chair)

    motion, result = vote_on(draft, coop, for_=4, against=1)  # 80% for, two thirds needed
    assert motion.decision_kind is DecisionKind.STATUTES
    assert result.adopted
    assert draft.status is StatutesStatus.ADOPTED

    services.record_deed(draft, deed_on=today(), by=coop.chair)
    assert draft.status is StatutesStatus.IN_FORCE
    rules = assembly_services.governance(cooperative)
    assert rules.notice_days == 21
    assert rules.max_proxies_per_holder == 2
    assert rules.weighting is Weighting.PER_SHARE
    assert rules.share_vote_cap == 5
    ordinary = assembly_services.decision_rule(rules, DecisionKind.ORDINARY)
    assert (ordinary.majority, ordinary.numerator, ordinary.denominator) == (
        Majority.FRACTION,
        3,
        4,
    )
    assert cooperative.resignation_notice_weeks == 8
    assert share_class.minimum_holding == 3

    # The next assembly: 7 of 10 in favour (70%) was enough before, not under 3/4.
    next_assembly = AssemblyFactory(cooperative=cooperative)
    from tests.factories import AgendaItemFactory, MembershipFactory, MotionFactory

    extra = [MembershipFactory(cooperative=cooperative) for _ in range(5)]
    voters = [coop.chair, *coop.members, *extra]
    next_assembly.status = next_assembly.status.__class__.IN_SESSION
    item = AgendaItemFactory(assembly=next_assembly)
    ordinary_motion = MotionFactory(agenda_item=item, status=MotionStatus.OPEN)
    for person in voters:
        assembly_services.check_in(next_assembly, person, by=coop.chair)
    for person in voters[:7]:
        assembly_services.cast_vote(ordinary_motion, voter=person, choice=Choice.FOR)
    for person in voters[7:10]:
        assembly_services.cast_vote(ordinary_motion, voter=person, choice=Choice.AGAINST)
    outcome = assembly_services.close_vote(ordinary_motion, by=coop.chair)
    assert not outcome.adopted
    assert "needed: at least 3/4" in outcome.outcome_en

    actions = _actions(cooperative)
    for action in (
        "statutes.draft_started",
        "statutes.draft_saved",
        "statutes.proposed",
        "statutes.adopted",
        "statutes.deed_recorded",
        "statutes.in_force",
        "statutes.rules_applied",
    ):
        assert action in actions


def test_a_rejected_proposal_goes_back_to_draft(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    _motion, result = vote_on(draft, coop, for_=2, against=3)
    assert not result.adopted
    assert draft.status is StatutesStatus.DRAFT
    assert draft.motion_id is None
    assert "statutes.rejected" in _actions(coop.cooperative)


def _proposed_with_amendment_document_and_instruction(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    assembly = AssemblyFactory(cooperative=coop.cooperative, status=AssemblyStatus.DRAFT)
    item = assembly_services.add_item(
        assembly, title="Statutenwijziging", description="", kind=ItemKind.DECISION, by=coop.chair
    )
    other = assembly_services.add_document(
        item, filename="toelichting.pdf", data=b"%PDF-1.4 uitleg", by=coop.chair
    )
    assembly.status = AssemblyStatus.CONVENED
    motion = services.propose(
        draft, item=item, title="Nieuwe statuten", comparison_pdf=b"%PDF-1.4 x", by=coop.chair
    )
    amendment = assembly_services.add_motion(
        assembly, item=item, title="Zetel Amersfoort", text="", parent=motion,
        decision_kind=DecisionKind.STATUTES, secret=False, by=coop.chair,
    )  # fmt: skip
    grantor, holder = coop.members[0], coop.members[1]
    assembly_services.grant_proxy(
        assembly, grantor, holder_number=holder.number, by=grantor,
        instructions={motion.id: Choice.AGAINST},
    )  # fmt: skip
    return draft, assembly, item, motion, amendment, other


def test_the_assembly_keeps_a_proposal_until_it_is_withdrawn(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    assembly = AssemblyFactory(cooperative=coop.cooperative, status=AssemblyStatus.DRAFT)
    item = assembly_services.add_item(
        assembly, title="Statutenwijziging", description="", kind=ItemKind.DECISION, by=coop.chair
    )
    other = assembly_services.add_document(
        item, filename="toelichting.pdf", data=b"%PDF-1.4 uitleg", by=coop.chair
    )
    motion = services.propose(
        draft, item=item, title="Nieuwe statuten", comparison_pdf=b"%PDF-1.4 x", by=coop.chair
    )
    (comparison,) = [d for d in item.documents if d.id != other.id]
    # The agenda's own ways to change or remove the motion (or its comparison) would leave
    # the proposal pointing at nothing: the statutes page withdraws it.
    for change in (
        lambda: assembly_services.update_motion(motion, title="Anders", text="", by=coop.chair),
        lambda: assembly_services.remove_motion(motion, by=coop.chair),
        lambda: assembly_services.remove_document(comparison, by=coop.chair),
        lambda: assembly_services.delete_assembly(assembly, by=coop.chair),
    ):
        with pytest.raises(DomainError, match="statut"):
            change()
    assert motion.title == "Nieuwe statuten"
    assembly_services.remove_document(other, by=coop.chair)  # the board's own document
    services.withdraw(draft, by=coop.chair)
    assembly_id = assembly.id
    assembly_services.delete_assembly(assembly, by=coop.chair)
    db.session.expire_all()
    assert db.session.scalar(select(Assembly).where(Assembly.id == assembly_id)) is None


def test_a_withdrawn_proposal_leaves_the_agenda(coop, test_version):
    draft, _assembly, item, motion, amendment, other = (
        _proposed_with_amendment_document_and_instruction(coop, test_version)
    )
    ids = [motion.id, amendment.id]
    assert db.session.scalar(
        select(ProxyInstruction.id).where(ProxyInstruction.motion_id == motion.id)
    )
    services.withdraw(draft, by=coop.chair)
    db.session.expire_all()
    assert draft.status is StatutesStatus.DRAFT
    assert draft.motion_id is None
    # The motion and its amendment are gone, and so are the instruction on it and the
    # comparison document; what the board added itself stays.
    assert db.session.scalars(select(Motion.id).where(Motion.id.in_(ids))).all() == []
    assert (
        db.session.scalars(
            select(ProxyInstruction.id).where(ProxyInstruction.motion_id.in_(ids))
        ).all()
        == []
    )
    documents = db.session.scalars(
        select(AgendaDocument.filename).where(AgendaDocument.agenda_item_id == item.id)
    ).all()
    assert documents == [other.filename]
    assert "statutes.withdrawn" in _actions(coop.cooperative)
    # The draft can be proposed again.
    again = services.propose(
        draft, item=item, title="Nieuwe statuten", comparison_pdf=None, by=coop.chair
    )
    assert draft.status is StatutesStatus.PROPOSED
    assert draft.motion_id == again.id


def test_a_proposal_cannot_be_withdrawn_once_a_vote_on_it_opened(coop, test_version):
    draft, assembly, _item, motion, amendment, _other = (
        _proposed_with_amendment_document_and_instruction(coop, test_version)
    )
    assembly.status = AssemblyStatus.IN_SESSION
    assembly_services.open_vote(amendment, by=coop.chair)  # amendments are voted first
    with pytest.raises(DomainError, match="vote has started"):
        services.withdraw(draft, by=coop.chair)
    assert draft.status is StatutesStatus.PROPOSED
    assert db.session.get(Motion, motion.id) is not None


def test_adopted_statutes_are_immutable(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    with pytest.raises(DomainError, match="Only a draft"):
        services.update_draft(draft, dict(draft.parameters), by=coop.chair)
    draft.parameters = {**draft.parameters, "majority_ordinary": "3/4"}
    with pytest.raises(StatutesAreFinal):
        db.session.flush()
    db.session.rollback()


def test_adopted_statutes_cannot_be_deleted(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    db.session.delete(draft)
    with pytest.raises(StatutesAreFinal):
        db.session.flush()
    db.session.rollback()


def test_a_future_deed_takes_effect_on_its_day_and_supersedes(coop, test_version):
    cooperative = coop.cooperative
    first = services.start_draft(cooperative, template_version=test_version, by=coop.chair)
    vote_on(first, coop, for_=5, against=0)
    services.record_deed(first, deed_on=today(), by=coop.chair)
    second = services.start_draft(cooperative, template_version=test_version, by=coop.chair)
    assert second.parameters["name"] == first.parameters["name"]  # starts from the values in force
    services.update_draft(second, {**second.parameters, "notice_days": 28}, by=coop.chair)
    vote_on(second, coop, for_=5, against=0)
    later = today() + timedelta(days=10)
    services.record_deed(second, deed_on=later, by=coop.chair)
    assert second.status is StatutesStatus.ADOPTED
    assert services.take_effect_due(today()) == []
    assert services.in_force(cooperative) is first
    assert services.take_effect_due(later) == [second]
    assert services.take_effect_due(later) == []  # idempotent
    assert first.status is StatutesStatus.SUPERSEDED
    assert services.in_force(cooperative) is second
    assert assembly_services.governance(cooperative).notice_days == 28


def test_deed_date_before_the_decision_is_refused(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    with pytest.raises(DomainError) as error:
        services.record_deed(draft, deed_on=today() - timedelta(days=3), by=coop.chair)
    assert error.value.field == "deed_on"
    assert draft.status is StatutesStatus.ADOPTED


def test_a_draft_cannot_take_effect(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    with pytest.raises(DomainError):
        services.record_deed(draft, deed_on=today(), by=coop.chair)


# Sharing -----------------------------------------------------------------------------------


def test_shared_statutes_start_another_cooperatives_draft(coop, test_version):
    from tests.factories import CooperativeFactory, board_member

    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    services.update_draft(draft, {**draft.parameters, "majority_ordinary": "3/5"}, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    services.record_deed(draft, deed_on=today(), by=coop.chair)
    item = services.publish(draft, by=coop.chair, title="Statuten", summary="Onze", body="Lees")
    assert item.kind.value == "statuten"
    assert draft.knowledge_item_id == item.id
    with pytest.raises(DomainError):
        services.publish(draft, by=coop.chair, title="Statuten", summary="", body="")

    other = CooperativeFactory(name="Buurtcoöperatie Lunetten U.A.", seat="Utrecht")
    other_chair = board_member(other)
    assert services.published_elsewhere(other) == [draft]
    assert services.published_elsewhere(coop.cooperative) == []
    copy = services.start_draft(other, based_on=services.get_shared(draft.id), by=other_chair)
    assert copy.cooperative_id == other.id
    assert copy.parameters["majority_ordinary"] == "3/5"
    assert copy.parameters["name"] == "Buurtcoöperatie Lunetten"
    assert copy.based_on_item_id == item.id


def test_a_draft_cannot_be_shared(coop, test_version):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    with pytest.raises(DomainError):
        services.publish(draft, by=coop.chair, title="S", summary="", body="")
    assert db.session.scalar(select(Statutes.knowledge_item_id)) is None


def test_hidden_shared_statutes_are_no_start_for_a_draft(coop, test_version):
    from coop.knowledge import services as knowledge_services
    from tests.factories import CooperativeFactory, UserFactory

    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    item = services.publish(draft, by=coop.chair, title="Statuten", summary="", body="Lees")
    knowledge_services.hide(item, reason="Spam", by=UserFactory(is_platform_admin=True))
    assert services.published_elsewhere(CooperativeFactory()) == []
    with pytest.raises(DomainError):
        services.get_shared(draft.id)
