"""The general assembly after the first one: the chair puts adopting the previous minutes
and an election for two seats on the agenda; a member gives a proxy with a voting
instruction for an open motion (and is told why the secret election gets none); the
holder sees the instruction and follows it; the election is secret and fills two seats;
the previous minutes become adopted; the decision list holds the decisions of both
assemblies. Each person uses their own browser, in English (their account language)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from coop.accounts.models import User
from coop.assemblies import services
from coop.assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyStatus,
    Choice,
    ItemKind,
    Motion,
    MotionStatus,
)
from coop.core.models import Cooperative
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Function, Membership
from tests.browser.test_assembly_journey import _person, flash, log_in

BUDGET = "Adopt the budget for 2027"
ELECTION = "Election of the board"
OLD_DECISION = "Plant trees on the square"


@dataclass
class Followup:
    slug: str
    assembly_id: int
    previous_id: int
    previous_title: str
    chair: object
    holder: object
    grantor: object
    voter: object


@pytest.fixture
def followup(app) -> Followup:
    """A cooperative whose spring assembly is closed (one decision, minutes still a draft)
    and whose autumn assembly is a draft with three items for decision and one motion;
    members may check in online."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        cooperative = Cooperative(slug=f"zuilen-{tag}", name=f"Zuilen {tag}", seat="Utrecht")
        db.session.add(cooperative)
        db.session.flush()
        chair = _person(cooperative, 1, "Carla Voorzitter", Function.CHAIR)
        holder = _person(cooperative, 2, "Henk Houder")
        grantor = _person(cooperative, 3, "Gerda Gever")
        voter = _person(cooperative, 4, "Vera Stemmer")
        # A member whose address the mail server refuses: the invitation does not reach her.
        unreachable = _person(cooperative, 5, "Rita Zonderpost")
        cooperative.last_member_number = 5
        db.session.flush()
        db.session.scalar(
            select(User).where(User.email == unreachable.email)
        ).email = f"refused-{tag}@example.test"
        settings = services.governance(cooperative)
        settings.electronic_participation = True
        db.session.add(settings)
        by = db.session.scalar(
            select(Membership).where(
                Membership.cooperative_id == cooperative.id, Membership.number == 1
            )
        )
        # The spring assembly, held and closed: one decision, minutes not yet adopted.
        spring = Assembly(
            cooperative_id=cooperative.id,
            title=f"Spring assembly {tag}",
            starts_at=utcnow() - timedelta(days=120),
            status=AssemblyStatus.IN_SESSION,
        )
        db.session.add(spring)
        db.session.flush()
        item = AgendaItem(assembly_id=spring.id, position=1, title="Trees", kind=ItemKind.DECISION)
        db.session.add(item)
        db.session.flush()
        old = Motion(
            assembly_id=spring.id,
            agenda_item_id=item.id,
            title=OLD_DECISION,
            status=MotionStatus.OPEN,
        )
        db.session.add(old)
        db.session.flush()
        services.check_in(spring, by, by=by)
        services.cast_vote(old, voter=by, choice=Choice.FOR)
        services.close_vote(old, by=by)
        services.close_session(spring, by=by)
        # The autumn assembly: a draft with the items; the chair adds two motions.
        autumn = Assembly(
            cooperative_id=cooperative.id,
            title=f"Autumn assembly {tag}",
            starts_at=utcnow() + timedelta(days=21),
        )
        db.session.add(autumn)
        db.session.flush()
        items = [
            AgendaItem(assembly_id=autumn.id, position=n, title=title, kind=ItemKind.DECISION)
            for n, title in enumerate(("Minutes", "Budget", "Board"), start=1)
        ]
        db.session.add_all(items)
        db.session.flush()
        db.session.add(Motion(assembly_id=autumn.id, agenda_item_id=items[1].id, title=BUDGET))
        db.session.commit()
        return Followup(
            cooperative.slug, autumn.id, spring.id, spring.title, chair, holder, grantor, voter
        )


def add_motion(page: Page, item: str, title: str, kind: str, **extra) -> None:
    page.get_by_label("Agenda item", exact=True).select_option(label=item)
    page.get_by_label("Title of the motion").fill(title)
    page.get_by_label("Kind of decision").select_option(label=kind)
    if "seats" in extra:
        page.get_by_label("Seats (elections only)").fill(str(extra["seats"]))
    if extra.get("adopts_minutes"):
        # The only earlier assembly whose minutes are still a draft (after "No").
        page.get_by_label("This motion adopts the minutes of").select_option(index=1)
    page.get_by_role("button", name="Add the motion").click()
    expect(flash(page)).to_contain_text("The motion is added.")


def test_instructions_election_minutes_and_decisions(
    page: Page, new_page, followup: Followup, check_page
):
    assembly_url = f"/c/{followup.slug}/assemblies/{followup.assembly_id}"
    minutes_title = "Adopt the minutes of the spring assembly"

    page.set_default_timeout(5000)
    # The chair puts the minutes and an election for two seats on the agenda.
    log_in(page, followup.chair.email)
    page.goto(assembly_url)
    add_motion(page, "1. Minutes", minutes_title, "Ordinary decision", adopts_minutes=True)
    add_motion(page, "3. Board", ELECTION, "Election", seats=2)
    page.get_by_role("link", name=ELECTION).click()
    for name in ("Anna Bakker", "Bram de Wit", "Cor Smit"):
        page.get_by_label("Name of the candidate").fill(name)
        page.get_by_role("button", name="Add the candidate").click()
        expect(flash(page)).to_contain_text("The candidate is added.")
    page.goto(assembly_url)
    page.get_by_label(re.compile(r"^Yes, send the invitation to all \d+ members")).check()
    page.get_by_role("button", name="Convene the assembly").click()
    expect(flash(page)).to_contain_text("The assembly is convened. 4 members get an invitation.")
    expect(flash(page)).to_contain_text("The mail with the invitation did not go out to 1 member.")
    expect(page.get_by_text("(1 member has no invitation)")).to_be_visible()
    page.get_by_role("link", name="Invitations: who got what").click()
    expect(
        page.get_by_text("The invitation was sent by e-mail to 4 members with voting rights.")
    ).to_be_visible()
    missing = page.get_by_role("region", name="Members without the invitation")
    expect(missing).to_contain_text("Rita Zonderpost (5), refused-")
    expect(missing).to_contain_text("the mail server refused this address")
    expect(
        missing.get_by_role("button", name="Send the invitation to this member now")
    ).to_be_visible()
    check_page("invitations")
    missing.get_by_role("link", name="Print the invitation for Rita Zonderpost").click()
    expect(page.locator("pre.letter")).to_contain_text("Hello Rita Zonderpost,")
    check_page("invitation-letter")
    page.get_by_label("Yes, Rita Zonderpost got this invitation on paper").check()
    page.get_by_role("button", name="Note it").click()
    expect(flash(page)).to_contain_text("Noted: Rita Zonderpost got the invitation on paper.")
    expect(page.get_by_text("1 member got it on paper.")).to_be_visible()

    # The grantor gives a proxy with an instruction for the budget; the secret election
    # gets none, and the form says why.
    grantor = new_page()
    log_in(grantor, followup.grantor.email)
    grantor.goto(assembly_url)
    expect(grantor.locator("#secret-votes")).to_contain_text(
        "These votes are secret, so you cannot give an instruction for them"
    )
    expect(grantor.locator("#secret-votes")).to_contain_text(ELECTION)
    expect(grantor.get_by_label(ELECTION)).to_have_count(0)
    grantor.get_by_label("Member number of the person you give the proxy to").fill(
        str(followup.holder.number)
    )
    grantor.get_by_label(BUDGET).select_option(label="For")
    check(grantor, "proxy-with-instruction")
    grantor.get_by_role("button", name="Give proxy").click()
    expect(flash(grantor)).to_contain_text(f"{followup.holder.name} now holds your proxy.")
    expect(grantor.get_by_text(f"{BUDGET}: For")).to_be_visible()  # her instructions

    # The chair opens the session; the holder and the voter check in online.
    page.goto(assembly_url)
    page.get_by_label("Yes, the meeting begins now").check()  # planned three weeks ahead
    page.get_by_role("button", name="Open the assembly").click()
    expect(flash(page)).to_contain_text("The assembly is open.")
    holder, voter = new_page(), new_page()
    for person, browser_page in ((followup.holder, holder), (followup.voter, voter)):
        log_in(browser_page, person.email)
        browser_page.goto(assembly_url)
        browser_page.get_by_role("button", name="Check in online").click()
        expect(flash(browser_page)).to_contain_text("You are checked in.")

    motion_urls: dict[str, str] = {}

    def open_vote(title: str) -> None:
        page.goto(assembly_url)
        page.locator("#agenda-section").get_by_role("link", name=title).click()
        motion_urls[title] = page.url  # the members go there straight away
        page.get_by_role("button", name="Open the vote").click()
        expect(flash(page)).to_contain_text("The vote is open.")

    def close_vote(not_voted: int = 0) -> None:
        page.reload()
        tick = page.locator("label[for='confirm-close-vote']")
        if not_voted:  # members in the room who did not vote: the chair confirms
            expect(tick).to_contain_text(f"Yes, close the vote now: {not_voted} member")
            tick.check()
        else:
            expect(tick).to_have_count(0)
        page.get_by_role("button", name="Close the vote and count").click()
        expect(flash(page)).to_contain_text("The vote is closed and counted.")

    def cast(browser_page: Page, title: str, choice: str, *, grantor_name: str | None = None):
        if browser_page.url != motion_urls[title]:
            browser_page.goto(motion_urls[title])
        group = (
            f"Vote for {grantor_name} (proxy): {title}" if grantor_name else f"Your vote: {title}"
        )
        browser_page.get_by_role("group", name=group).get_by_label(choice).check()
        button = f"Cast vote for {grantor_name}" if grantor_name else "Cast vote"
        browser_page.get_by_role("button", name=button, exact=True).click()

    # The budget: the holder sees the instruction, is held to it, and follows it.
    open_vote(BUDGET)
    holder.goto(motion_urls[BUDGET])
    expect(
        holder.get_by_text(f"Voting instruction from {followup.grantor.name}: For")
    ).to_be_visible()
    cast(holder, BUDGET, "Against", grantor_name=followup.grantor.name)
    expect(
        holder.get_by_text(
            f"{followup.grantor.name} asked you to vote 'For' on this motion. "
            f"Your vote for {followup.grantor.name} was not recorded."
        )
    ).to_be_visible()
    cast(holder, BUDGET, "For", grantor_name=followup.grantor.name)
    expect(holder.get_by_text(f"You voted “For” for {followup.grantor.name}")).to_be_visible()
    cast(holder, BUDGET, "Against")
    cast(voter, BUDGET, "For")
    close_vote()
    budget_outcome = "adopted: 2 of the 3 votes cast in favour (67%); needed: more than half"
    expect(page.get_by_text(budget_outcome)).to_be_visible()
    table = page.get_by_role("table", name="Who voted what")
    # The holder voted for the grantor: the list says so.
    by_holder = f"{followup.grantor.name} (cast by {followup.holder.name} with a proxy) For"
    expect(table.get_by_role("row", name=by_holder)).to_be_visible()

    # The minutes of the spring assembly: adopted, and so final.
    open_vote(minutes_title)
    cast(voter, minutes_title, "For")
    cast(holder, minutes_title, "For")
    close_vote(not_voted=1)  # the holder did not vote for the grantor
    voter.goto(f"/c/{followup.slug}/assemblies/{followup.previous_id}/minutes")
    expect(voter.get_by_text("These minutes are final.")).to_be_visible()
    expect(
        voter.get_by_text(re.compile(r"Adopted on .* by the general assembly Autumn"))
    ).to_be_visible()

    # The election: two seats, secret; the holder also votes for the grantor (no
    # instruction on a secret vote), the voter picks one candidate.
    open_vote(ELECTION)
    holder.goto(motion_urls[ELECTION])
    expect(holder.get_by_text("Voting instruction from")).to_have_count(0)
    mine = holder.get_by_role("group", name=f"Your vote: {ELECTION}")
    mine.get_by_label("Anna Bakker").check()
    mine.get_by_label("Bram de Wit").check()
    holder.get_by_role("button", name="Cast vote", exact=True).click()
    holder_receipt = holder.locator("code").inner_text()
    holder.get_by_role("link", name="Back to the motion").click()
    theirs = holder.get_by_role(
        "group", name=f"Vote for {followup.grantor.name} (proxy): {ELECTION}"
    )
    theirs.get_by_label("Anna Bakker").check()
    theirs.get_by_label("Cor Smit").check()
    holder.get_by_role("button", name=f"Cast vote for {followup.grantor.name}").click()
    cast(voter, ELECTION, "Bram de Wit")
    voter_receipt = voter.locator("code").inner_text()
    close_vote()
    results = page.get_by_role("table", name="Votes per candidate")
    expect(results.get_by_role("row", name="Anna Bakker 2 yes")).to_be_visible()
    expect(results.get_by_role("row", name="Bram de Wit 2 yes")).to_be_visible()
    expect(results.get_by_role("row", name="Cor Smit 1", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^elected to 2 of 2 seats: "))).to_be_visible()
    expect(page.get_by_role("table", name="Who voted what")).to_have_count(0)  # secret
    ballots = page.get_by_role("table", name="Counted ballots")
    expect(ballots.get_by_role("row", name=f"{holder_receipt} Anna Bakker")).to_be_visible()
    expect(ballots.get_by_role("row", name=f"{holder_receipt} Bram de Wit")).to_be_visible()
    expect(ballots.get_by_role("row", name=f"{voter_receipt} Bram de Wit")).to_be_visible()
    check_page("election-results")

    # The decision list holds the decisions of both assemblies.
    voter.goto(f"/c/{followup.slug}/assemblies/decisions")
    decisions = voter.get_by_role("table", name="Decision list")
    for title in (OLD_DECISION, BUDGET, minutes_title, ELECTION):
        expect(decisions).to_contain_text(title)
    expect(decisions.get_by_role("row").filter(has_text=BUDGET)).to_contain_text(budget_outcome)
    rows = decisions.get_by_role("row").all_inner_texts()
    assert rows.index(next(r for r in rows if OLD_DECISION in r)) < rows.index(
        next(r for r in rows if BUDGET in r)
    )  # in the order of the assemblies
    # On a phone each decision is a block, its result as wide as the page (it was a column
    # of two letters a line).
    voter.set_viewport_size({"width": 375, "height": 740})
    result = decisions.get_by_role("row").filter(has_text=BUDGET).get_by_role("cell").last
    assert result.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Result"'
    assert result.bounding_box()["width"] > 300
    assert voter.evaluate("document.documentElement.scrollWidth") <= 375


def check(page: Page, name: str) -> None:
    from tests.browser.helpers import check_page as check_with_axe

    check_with_axe(page, "test_instructions_election_minutes_and_decisions", name)


def test_the_chair_corrects_the_draft_agenda_and_deletes_the_draft(
    page: Page, followup: Followup, check_page
):
    """Before convening: an item renamed and a document removed, a motion corrected and
    taken off, an empty item taken off, and then the whole draft deleted (after a tick)."""
    assembly_url = f"/c/{followup.slug}/assemblies/{followup.assembly_id}"
    page.set_default_timeout(5000)
    log_in(page, followup.chair.email)
    page.goto(assembly_url)

    # The item "Board": renamed, its PDF added on the assembly page and removed again.
    page.get_by_label("Add a PDF to Board").set_input_files(
        {"name": "old-plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    page.get_by_role("button", name="Add PDF").nth(2).click()
    expect(flash(page)).to_contain_text("old-plan.pdf is added.")
    page.get_by_role("link", name="Change or remove Board").click()
    check_page("item")
    page.get_by_label("Agenda item").fill("")
    page.get_by_role("button", name="Save the agenda item").click()
    expect(page.get_by_role("alert")).to_contain_text("Some fields need your attention.")
    page.get_by_label("Agenda item").fill("Board election")
    page.get_by_role("button", name="Save the agenda item").click()
    expect(flash(page)).to_contain_text("The agenda item is saved.")
    expect(page.locator("ol.agenda")).to_contain_text("Board election")
    page.get_by_role("link", name="Change or remove Board election").click()
    page.get_by_role("button", name="Remove old-plan.pdf").click()
    expect(flash(page)).to_contain_text("old-plan.pdf is removed.")
    expect(page.get_by_text("This item has no documents.")).to_be_visible()

    # The budget motion: its title corrected, then taken off the agenda.
    page.goto(assembly_url)
    page.get_by_role("link", name=BUDGET).click()
    page.get_by_role("link", name="Change or remove this motion").click()
    check_page("motion")
    page.get_by_label("Title of the motion").fill("Adopt the budget for 2028")
    page.get_by_role("button", name="Save the motion").click()
    expect(flash(page)).to_contain_text("The motion is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Adopt the budget for 2028")
    page.get_by_role("link", name="Change or remove this motion").click()
    page.get_by_role("button", name="Take “Adopt the budget for 2028” off the agenda").click()
    expect(flash(page)).to_contain_text("“Adopt the budget for 2028” is taken off the agenda.")

    # The item "Budget", now without motions, goes too; the items after it move up.
    page.get_by_role("link", name="Change or remove Budget").click()
    page.get_by_role("button", name="Take “Budget” off the agenda").click()
    expect(flash(page)).to_contain_text("“Budget” is taken off the agenda.")
    expect(page.locator("ol.agenda > li")).to_have_count(2)

    # The whole draft: only with the tick.
    page.get_by_role("link", name="Change the date, place or title, or delete the draft").click()
    check_page("details")
    page.get_by_role("button", name="Delete the draft").click()
    expect(page.get_by_text("Tick the box to delete the draft.").first).to_be_visible()
    page.get_by_label("Yes, delete this draft with its agenda, documents and motions").check()
    page.get_by_role("button", name="Delete the draft").click()
    expect(flash(page)).to_contain_text("is deleted.")
    expect(page.get_by_role("link", name=re.compile("Autumn assembly"))).to_have_count(0)


def test_the_chair_writes_the_minutes_of_the_last_meeting(
    page: Page, followup: Followup, check_page
):
    """After the meeting: a note at the item, next to its decision, in the draft minutes."""
    minutes_url = f"/c/{followup.slug}/assemblies/{followup.previous_id}/minutes"
    page.set_default_timeout(5000)
    log_in(page, followup.chair.email)
    page.goto(minutes_url)
    page.get_by_role("link", name="Write the minutes").click()
    expect(page.get_by_text(f"{OLD_DECISION}: adopted")).to_be_visible()  # its decision
    check_page("minutes-notes")
    page.get_by_label("1. Trees").fill("Bram asks which trees. The board will ask the city.")
    page.get_by_role("button", name="Save the notes").click()
    expect(flash(page)).to_contain_text("The notes are in the draft minutes.")
    expect(page.get_by_text("Bram asks which trees. The board will ask the city.")).to_be_visible()
    expect(page).to_have_url(re.compile(f"{minutes_url}$"))


def test_a_second_tap_on_a_button_plans_nothing_twice(page: Page, followup: Followup):
    """On a slow connection a volunteer taps again: the second tap sends nothing."""
    page.set_default_timeout(5000)
    log_in(page, followup.chair.email)
    page.goto(f"/c/{followup.slug}/assemblies/new")
    page.get_by_label("Title").fill("Tapped twice")
    when = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%dT19:30")
    page.get_by_label("Date and time").fill(when)
    page.evaluate(
        """() => {
            const form = document.querySelector("form[action$='/new']");
            form.requestSubmit();
            setTimeout(() => form.requestSubmit(), 10);
        }"""
    )
    expect(flash(page)).to_contain_text("The assembly is created.")
    page.wait_for_timeout(500)  # a second request would be in by now
    page.goto(f"/c/{followup.slug}/assemblies/")
    expect(page.get_by_role("link", name="Tapped twice")).to_have_count(1)
