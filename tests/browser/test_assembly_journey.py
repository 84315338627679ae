"""The general assembly: the board convenes, a member gives a proxy, the chair opens the
session and a vote, two members vote in their own browsers (one also for the member who
gave the proxy), the chair closes the vote; the results, receipts and decision list are
right. Everyone uses the English pages (their account language)."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from coop.accounts import services as accounts
from coop.assemblies.models import AgendaItem, Assembly, ItemKind, Motion
from coop.core.models import Cooperative
from coop.db import today, utcnow
from coop.extensions import db
from coop.members.models import Function, MemberKind, Membership, MembershipFunction
from tests.browser.helpers import check_page as check

PASSWORD = "stemmen in het buurthuis"
MOTION = "Buy a cargo bike for the neighbourhood"


@dataclass
class Person:
    name: str
    email: str
    number: int


@dataclass
class World:
    slug: str
    name: str
    assembly_id: int
    chair: Person
    holder: Person
    grantor: Person
    voter: Person


def _person(cooperative, number: int, name: str, *functions) -> Person:
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.test"
    user = accounts.sign_up(email=email, password=PASSWORD, name=name, locale="en")
    accounts.verify_email(accounts.verification_token(user))
    db.session.flush()
    member = Membership(
        cooperative_id=cooperative.id,
        user_id=user.id,
        kind=MemberKind.BEWONER,
        number=number,
        name=name,
        admitted_on=today(),
        postcode="3562 AB",
    )
    for function in functions:
        member.functions.append(MembershipFunction(function=function))
    db.session.add(member)
    return Person(name, email, number)


@pytest.fixture
def world(app) -> World:
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        cooperative = Cooperative(
            slug=f"lombok-{tag}", name=f"Buurtcoöperatie Lombok {tag}", seat="Utrecht"
        )
        db.session.add(cooperative)
        db.session.flush()
        chair = _person(cooperative, 1, "Carla Voorzitter", Function.CHAIR)
        holder = _person(cooperative, 2, "Henk Houder")
        grantor = _person(cooperative, 3, "Gerda Gever")
        voter = _person(cooperative, 4, "Vera Stemmer")
        cooperative.last_member_number = 4
        assembly = Assembly(
            cooperative_id=cooperative.id,
            title="Spring general assembly",
            starts_at=utcnow() + timedelta(days=21),
            place="Community centre De Boog",
        )
        db.session.add(assembly)
        db.session.flush()
        item = AgendaItem(
            assembly_id=assembly.id, position=1, title="Cargo bike", kind=ItemKind.DECISION
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(Motion(assembly_id=assembly.id, agenda_item_id=item.id, title=MOTION))
        db.session.commit()
        return World(cooperative.slug, cooperative.name, assembly.id, chair, holder, grantor, voter)


def log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def flash(page: Page):
    return page.get_by_role("status")


def wait_for_mail(mailbox, address: str, subject: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mailbox.to(address) if subject in str(m["Subject"])]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {address}")


def test_assembly_journey(page: Page, new_page, world: World, mailbox, check_page):
    assembly_url = f"/c/{world.slug}/assemblies/{world.assembly_id}"

    # The chair finds the assembly through the menu and convenes it.
    log_in(page, world.chair.email)
    page.goto(f"/c/{world.slug}/dashboard")
    page.get_by_role("navigation", name="Cooperative menu").get_by_role(
        "link", name="General assemblies"
    ).click()
    check_page("assemblies")
    page.get_by_role("link", name="Spring general assembly").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring general assembly")
    check_page("assembly-draft")
    page.get_by_label(re.compile(r"^Yes, send the invitation to all \d+ members")).check()
    page.get_by_role("button", name="Convene the assembly").click()
    expect(flash(page)).to_contain_text("The assembly is convened. 4 members get an invitation.")
    invitation = wait_for_mail(mailbox, world.grantor.email, "Invitation: general assembly")
    assert any(p.get_content_type() == "text/calendar" for p in invitation.iter_attachments())

    # The grantor cannot come and gives a proxy to the holder (first to herself: refused).
    grantor = new_page()
    log_in(grantor, world.grantor.email)
    grantor.goto(assembly_url)
    field = grantor.get_by_label("Member number of the person you give the proxy to")
    field.fill(str(world.grantor.number))
    grantor.get_by_role("button", name="Give proxy").click()
    expect(grantor.get_by_text("You cannot give a proxy to yourself.")).to_be_visible()
    field.fill(str(world.holder.number))
    grantor.get_by_role("button", name="Give proxy").click()
    expect(flash(grantor)).to_contain_text(f"{world.holder.name} now holds your proxy.")
    wait_for_mail(mailbox, world.holder.email, "Proxy for the general assembly")

    # The chair opens the session, checks the two voters in at the door and opens the vote.
    # The meeting is planned three weeks ahead: opening it today needs a tick.
    page.reload()
    page.get_by_role("button", name="Open the assembly").click()
    expect(page.get_by_text("Tick this box if the meeting begins now.")).to_be_visible()
    page.get_by_label("Yes, the meeting begins now").check()
    page.get_by_role("button", name="Open the assembly").click()
    expect(flash(page)).to_contain_text("The assembly is open.")
    page.get_by_role("link", name="Attendance list and check-in").click()
    for person in (world.holder, world.voter):
        page.get_by_label("Find a member by name or number").fill(person.name.split()[0])
        page.get_by_role("button", name="Search").click()
        page.get_by_role("button", name=f"Check in {person.name}").click()
        expect(flash(page)).to_contain_text(f"{person.name} is checked in.")
    check_page("attendance")
    page.goto(assembly_url)
    # Listed twice for the chair: on the agenda, and under "Not voted on yet" (a link too).
    board = page.get_by_role("region", name="For the board")
    expect(board.get_by_role("link", name=MOTION)).to_be_visible()
    page.locator("#agenda-section").get_by_role("link", name=MOTION).click()
    page.get_by_role("button", name="Open the vote").click()
    expect(flash(page)).to_contain_text("The vote is open.")

    # Two members vote, each in their own browser; the holder also for the grantor.
    holder = new_page()
    log_in(holder, world.holder.email)
    holder.goto(assembly_url)
    holder.get_by_role("link", name=MOTION).click()
    check(holder, "test_assembly_journey", "vote-with-proxy")
    holder.get_by_role("group", name=f"Your vote: {MOTION}").get_by_label("For").check()
    holder.get_by_role("button", name="Cast vote", exact=True).click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("Your vote is in")
    check(holder, "test_assembly_journey", "receipt")
    holder_receipt = holder.locator("code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", holder_receipt)
    holder.get_by_role("link", name="Back to the motion").click()
    proxy_group = holder.get_by_role(
        "group", name=f"Vote for {world.grantor.name} (proxy): {MOTION}"
    )
    proxy_group.get_by_label("Against").check()
    holder.get_by_role("button", name=f"Cast vote for {world.grantor.name}").click()
    expect(holder.get_by_text(f"You voted “Against” for {world.grantor.name}")).to_be_visible()

    voter = new_page()
    log_in(voter, world.voter.email)
    voter.goto(assembly_url)
    voter.get_by_role("link", name=MOTION).click()
    voter.get_by_role("group", name=f"Your vote: {MOTION}").get_by_label("For").check()
    voter.get_by_role("button", name="Cast vote", exact=True).click()
    voter_receipt = voter.locator("code").inner_text()
    # Voting twice is refused with a message.
    voter.get_by_role("link", name="Back to the motion").click()
    expect(voter.get_by_text("This vote has been cast.")).to_be_visible()

    # The chair sees the turnout and closes the vote; the result is stored and shown.
    page.reload()
    expect(
        page.get_by_text("Present: 2. Represented by proxy: 1. Voted on the website or a phone: 3.")
    ).to_be_visible()
    page.get_by_role("button", name="Close the vote and count").click()
    expect(flash(page)).to_contain_text("The vote is closed and counted.")
    outcome = "adopted: 2 of the 3 votes cast in favour (67%); needed: more than half"
    expect(page.get_by_text(outcome)).to_be_visible()
    expect(page.get_by_role("img", name="Votes for, against and abstentions")).to_be_visible()
    check_page("results")

    # Open ballot: every member sees who voted what, and finds the receipts' votes counted.
    voter.reload()
    table = voter.get_by_role("table", name="Who voted what")
    expect(table).to_contain_text(world.grantor.name)
    by_holder = f"{world.grantor.name} (cast by {world.holder.name} with a proxy) Against"
    expect(table.get_by_role("row", name=by_holder)).to_be_visible()
    expect(table.get_by_role("row", name=f"{world.voter.name} For")).to_be_visible()
    assert holder_receipt != voter_receipt
    ballots = voter.get_by_role("table", name="Counted ballots")
    expect(ballots.get_by_role("row", name=f"{holder_receipt} For")).to_be_visible()
    expect(ballots.get_by_role("row", name=f"{voter_receipt} For")).to_be_visible()
    expect(ballots.get_by_role("row")).to_have_count(4)  # header and three ballots

    # The decision list holds the decision.
    voter.goto(f"/c/{world.slug}/assemblies/decisions")
    expect(voter.get_by_role("table", name="Decision list")).to_contain_text(MOTION)
    expect(voter.get_by_role("table", name="Decision list")).to_contain_text(outcome)

    # The projector shows the last result.
    page.goto(f"{assembly_url}/projector")
    expect(page.get_by_text(outcome)).to_be_visible()
    # On a wide screen in the room, large enough to read from the back: text and bars grow.
    page.set_viewport_size({"width": 1920, "height": 1080})
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > 22  # was 17
    assert (
        page.get_by_role("img", name="Votes for, against and abstentions").bounding_box()["height"]
        > 200
    )  # it was 96 px on any screen
    page.set_viewport_size({"width": 1280, "height": 900})

    # The board's other pages pass axe too, also with errors.
    page.goto(f"{assembly_url}/minutes")
    expect(page.get_by_text(outcome)).to_be_visible()
    check_page("minutes")
    page.goto(f"/c/{world.slug}/assemblies/decisions")
    check_page("decisions")
    page.goto(f"/c/{world.slug}/assemblies/rules")
    check_page("rules")
    page.get_by_label("Notice period for convening (days)").fill("5")
    page.get_by_role("button", name="Save the rules").click()
    expect(page.get_by_text("Give a number from 7 to 365.")).to_be_visible()
    check_page("rules-errors")
    page.goto(f"/c/{world.slug}/assemblies/new")
    page.get_by_role("button", name="Create the assembly").click()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    check_page("new-errors")
