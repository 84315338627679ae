"""`flask coop statutes …` and the demo's statutes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coop.assemblies import services as assembly_services
from coop.core.models import Cooperative
from coop.db import today
from coop.extensions import db
from coop.statutes import services
from coop.statutes.models import Statutes, StatutesStatus, StatuteTemplateVersion
from tests.mailcapture import text_of
from tests.statutes.conftest import real_library_present, vote_on


def _versions():
    return db.session.scalar(select(func.count()).select_from(StatuteTemplateVersion))


def test_sync_library_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["coop", "statutes", "sync-library"])
    assert first.exit_code == 0, first.output
    assert real_library_present()
    assert "added buurtcooperatie version" in first.output
    count = _versions()
    second = runner.invoke(args=["coop", "statutes", "sync-library"])
    assert "0 new template version(s)." in second.output
    assert _versions() == count


def test_take_effect_applies_a_deed_date_that_has_come(
    app, coop, test_version, monkeypatch, mailbox
):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    services.update_draft(draft, {**draft.parameters, "notice_days": 30}, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    services.record_deed(draft, deed_on=today() + timedelta(days=3), by=coop.chair)
    runner = app.test_cli_runner()
    assert (
        "0 statutes took effect." in runner.invoke(args=["coop", "statutes", "take-effect"]).output
    )
    later = today() + timedelta(days=3)
    monkeypatch.setattr("coop.statutes.cli.today", lambda: later)
    assert (
        "1 statutes took effect." in runner.invoke(args=["coop", "statutes", "take-effect"]).output
    )
    assert (
        "0 statutes took effect." in runner.invoke(args=["coop", "statutes", "take-effect"]).output
    )
    db.session.refresh(draft)
    assert draft.status is StatutesStatus.IN_FORCE
    assert assembly_services.governance(coop.cooperative).notice_days == 30
    message = mailbox.last_to(coop.members[1].user.email)
    assert f"/c/{coop.cooperative.slug}/statutes/current" in text_of(message)


def test_demo_has_statutes_in_force_and_a_draft(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["coop", "demo"]).exit_code == 0
    overvecht = db.session.scalar(select(Cooperative).where(Cooperative.slug == "overvecht"))
    lombok = db.session.scalar(select(Cooperative).where(Cooperative.slug == "lombok"))
    assert services.in_force(overvecht) is not None
    assert assembly_services.governance(overvecht).electronic_participation is True
    draft = services.open_draft(lombok)
    assert draft.parameters["majority_statutes"] == "3/4"
    count = db.session.scalar(select(func.count()).select_from(Statutes))
    assert runner.invoke(args=["coop", "demo"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Statutes)) == count
