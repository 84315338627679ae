"""`flask coop …` commands: demo data, audit verification, generated data."""

from datetime import date

from sqlalchemy import func, select, text

from coop import audit
from coop.accounts.models import User
from coop.core.models import Cooperative
from coop.extensions import db
from coop.members import register
from coop.members import services as members_services
from coop.members.models import MemberKind, Membership


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_is_idempotent_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["coop", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@buurtcoop.test" in first.output
    assert app.config["DEMO_PASSWORD"] in first.output
    counts = (_count(Cooperative), _count(User), _count(Membership), _knowledge_counts())
    second = runner.invoke(args=["coop", "demo"])
    assert second.exit_code == 0
    assert (
        _count(Cooperative),
        _count(User),
        _count(Membership),
        _knowledge_counts(),
    ) == counts


def _knowledge_counts():
    from coop.knowledge.models import Bookmark, KnowledgeItem, Question, ThemeFollow

    return tuple(_count(model) for model in (KnowledgeItem, Question, ThemeFollow, Bookmark))


def test_demo_has_a_living_knowledge_network(app):
    from coop.knowledge import services as knowledge
    from coop.knowledge.demo import ITEMS, QUESTIONS
    from coop.knowledge.models import ItemKind, ItemStatus, KnowledgeItem, Question

    app.test_cli_runner().invoke(args=["coop", "demo"])
    items = db.session.scalars(select(KnowledgeItem)).all()
    published = [i for i in items if i.status is ItemStatus.PUBLISHED]
    assert len(published) >= 44
    # No demo item or question is skipped (an unknown author or title is left out quietly).
    assert {i.title for i in published} >= {fields["title"] for *_, fields in ITEMS}
    assert _count(Question) == len(QUESTIONS)
    for kind in ItemKind:
        assert sum(1 for i in published if i.kind is kind) >= 8, kind
    assert {i.wijk for i in published} >= {
        "Overvecht",
        "Lombok",
        "Hoograven",
        "Kanaleneiland",
        "Zuilen",
        "Ondiep",
        "Leidsche Rijn",
        "Tuindorp",
        "Transwijk",
        "Lunetten",
    }
    assert all(i.themes for i in published)
    # The search index is filled: anonymous visitors find public items by a word in the text.
    found = knowledge.listing(None, knowledge.Filters(q="koelkast"))
    assert found.total >= 2
    copies = [i for i in items if i.reused_from_id is not None]
    assert len(copies) == 1
    assert copies[0].status is ItemStatus.DRAFT


def test_demo_content(app):
    app.test_cli_runner().invoke(args=["coop", "demo"])
    city = db.session.scalar(select(Cooperative).where(Cooperative.slug == "utrecht"))
    children = {c.slug for c in city.children}
    assert children == {"overvecht", "lombok", "hoograven"}
    for slug in ("utrecht", *children):
        coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
        members = db.session.scalars(
            select(Membership).where(Membership.cooperative_id == coop.id)
        ).all()
        assert any(m.is_board for m in members), slug
        if slug != "utrecht":
            assert {m.kind for m in members} == set(MemberKind), slug
    # The board of Overvecht has applications to decide, one from outside its area; the
    # register has a former member and a history to show as of an earlier date.
    overvecht = db.session.scalar(select(Cooperative).where(Cooperative.slug == "overvecht"))
    queue = members_services.application_queue(overvecht)
    assert sorted(a.outside_area for a in queue) == [False, True]
    query = register.parse({"as_of": "2024-12-31"}, today=date(2026, 1, 1))
    on_that_day = {row.name for row in register.register_page(overvecht, query).rows}
    assert "Kees Brouwer" in on_that_day
    now = {
        row.name
        for row in register.register_page(
            overvecht, register.parse({}, today=date(2026, 1, 1))
        ).rows
    }
    assert "Kees Brouwer" not in now
    assert audit.verify().ok


def test_demo_if_empty_leaves_existing_data_alone(app):
    from tests.factories import CooperativeFactory

    CooperativeFactory()
    result = app.test_cli_runner().invoke(args=["coop", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert _count(Cooperative) == 1


def test_audit_verify_reports_ok_and_the_first_broken_link(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["coop", "demo"])
    ok = runner.invoke(args=["coop", "audit", "verify"])
    assert ok.exit_code == 0
    assert ok.output.startswith("OK:")

    victim = db.session.scalar(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.scope != "platform")
        .order_by(audit.AuditEvent.id.desc())
    )
    db.session.execute(
        text("UPDATE audit_events SET action = 'member.forged' WHERE id = :id"), {"id": victim.id}
    )
    db.session.expire_all()
    broken = runner.invoke(args=["coop", "audit", "verify"])
    assert broken.exit_code == 1
    assert f"event {victim.id}" in broken.output
    assert "BROKEN" in broken.output


def test_audit_verify_notices_a_deleted_event(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["coop", "demo"])
    first = db.session.scalar(select(audit.AuditEvent).where(audit.AuditEvent.seq == 2).limit(1))
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": first.id})
    db.session.expire_all()
    broken = runner.invoke(args=["coop", "audit", "verify"])
    assert broken.exit_code == 1
    assert "#2 missing" in broken.output


def test_audit_events_cannot_be_changed_through_the_orm(app):
    import pytest

    app.test_cli_runner().invoke(args=["coop", "demo"])
    event = db.session.scalar(select(audit.AuditEvent).limit(1))
    event.action = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_generate_creates_members_with_numbers(app):
    result = app.test_cli_runner().invoke(
        args=["coop", "generate", "--cooperatives", "2", "--members", "50"]
    )
    assert result.exit_code == 0, result.output
    coops = db.session.scalars(select(Cooperative).where(Cooperative.slug.like("gen-%"))).all()
    assert len(coops) == 2
    numbers = db.session.scalars(
        select(Membership.number).where(Membership.cooperative_id == coops[0].id)
    ).all()
    assert sorted(numbers) == list(range(1, 26))
    assert coops[0].last_member_number == 25
