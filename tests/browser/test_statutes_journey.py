"""Statutes: the chair fills in the choices and previews, proposes the draft to an
assembly, the assembly adopts it (through the services), the chair records the date of
the notarial deed, and a member reads the statutes in force. English pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from coop.assemblies import services as assembly_services
from coop.assemblies.models import AgendaItem, Assembly, AssemblyStatus, Choice, ItemKind
from coop.core.models import Cooperative
from coop.db import today, utcnow
from coop.extensions import db
from coop.members.models import Function, Membership
from coop.statutes import services
from coop.statutes.models import Statutes
from tests.browser.test_assembly_journey import Person, _person, flash, log_in


@dataclass
class World:
    slug: str
    assembly_id: int
    chair: Person
    member: Person


@pytest.fixture
def world(app) -> World:
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        services.sync_library()
        cooperative = Cooperative(
            slug=f"zuilen-{tag}", name=f"Buurtcoöperatie Zuilen {tag}", seat="Utrecht"
        )
        db.session.add(cooperative)
        db.session.flush()
        chair = _person(cooperative, 1, "Carla Voorzitter", Function.CHAIR)
        member = _person(cooperative, 2, "Mo Lid")
        cooperative.last_member_number = 2
        assembly = Assembly(
            cooperative_id=cooperative.id,
            title="Autumn general assembly",
            starts_at=utcnow() + timedelta(days=21),
            place="De Boog",
            status=AssemblyStatus.CONVENED,
        )
        db.session.add(assembly)
        db.session.flush()
        db.session.add(
            AgendaItem(
                assembly_id=assembly.id, position=1, title="New statutes", kind=ItemKind.DECISION
            )
        )
        db.session.commit()
        return World(cooperative.slug, assembly.id, chair, member)


def _adopt(app, world: World) -> None:
    """The assembly meets and adopts the motion (what tests/browser/test_assembly_journey
    does through the pages)."""
    with app.app_context():
        statutes = db.session.query(Statutes).join(Cooperative).filter_by(slug=world.slug).one()
        motion = statutes.motion
        assembly = motion.assembly
        chair = (
            db.session.query(Membership)
            .filter_by(cooperative_id=assembly.cooperative_id, number=1)
            .one()
        )
        assembly_services.open_session(assembly, by=chair)
        for person in db.session.query(Membership).filter_by(
            cooperative_id=assembly.cooperative_id
        ):
            assembly_services.check_in(assembly, person, by=chair)
        assembly_services.open_vote(motion, by=chair)
        for person in db.session.query(Membership).filter_by(
            cooperative_id=assembly.cooperative_id
        ):
            assembly_services.cast_vote(motion, voter=person, choice=Choice.FOR)
        assembly_services.close_vote(motion, by=chair)
        db.session.commit()


def test_statutes_journey(app, page: Page, browser, base_url, world: World, check_page):
    log_in(page, world.chair.email)
    page.goto(f"/c/{world.slug}/dashboard")
    page.get_by_role("navigation", name="Cooperative menu").get_by_role(
        "link", name="Statutes (board)"
    ).click()
    page.get_by_role("button", name="Start from this model text").click()
    expect(flash(page)).to_contain_text("A new draft of the statutes is ready.")

    # The generated form: a bad majority is refused at its field; then a preview.
    field = page.get_by_label("Majority for ordinary decisions")
    field.fill("1/3")
    page.get_by_role("button", name="Show preview").click()
    expect(
        page.get_by_text("A majority is at least one half and at most all the votes.")
    ).to_be_visible()
    page.get_by_label("Purpose").fill("We look after each other and the green in Zuilen.")
    page.get_by_label("Majority for ordinary decisions").fill("3/4")
    # The live preview follows the typing (a small script); the button does the same.
    preview = page.get_by_role("region", name="Preview (not saved)")
    expect(preview).to_contain_text("at least three quarters")
    page.get_by_role("button", name="Show preview").click()
    expect(preview).to_contain_text("at least three quarters")
    check_page("statutes-preview")
    page.get_by_role("button", name="Save the draft").click()
    expect(flash(page)).to_contain_text("The draft is saved.")
    check_page("statutes-draft")

    # Proposed to the assembly; the motion is adopted there.
    page.get_by_role("button", name="Put on the agenda").click()
    expect(flash(page)).to_contain_text("The statutes are on the agenda as a motion.")
    _adopt(app, world)

    # The deed: in force today.
    page.reload()
    page.get_by_label("Date of the notarial deed").fill(today().isoformat())
    page.get_by_role("button", name="Save the deed date").click()
    expect(flash(page)).to_contain_text("The statutes are in force.")
    page.get_by_role("link", name="All versions of the statutes").click()
    check_page("statutes-index")

    # A member reads them from the cooperative menu.
    context = browser.new_context(base_url=base_url)
    member = context.new_page()
    log_in(member, world.member.email)
    member.goto(f"/c/{world.slug}/dashboard")
    member.get_by_role("navigation", name="Cooperative menu").get_by_role(
        "link", name="Statutes"
    ).click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("Statutes of")
    expect(member.get_by_role("heading", name="Article 1 — ", exact=False).first).to_be_visible()
    expect(member.locator("article.statutes")).to_contain_text("at least three quarters")
    context.close()
    page.goto(f"/c/{world.slug}/statutes/current")
    check_page("statutes-current")
