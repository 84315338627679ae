"""The assembly pages as volunteers read them: labels, boxes that have something to do,
results that explain their numbers, forms that come back to themselves after an error,
dates that make sense, and a session that is not opened weeks early by mistake."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from coop.assemblies import services
from coop.assemblies.models import (
    Assembly,
    AssemblyStatus,
    Choice,
    DecisionKind,
    MotionStatus,
)
from coop.audit import AuditEvent
from coop.db import utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function
from tests.assemblies.support import text
from tests.factories import (
    AgendaItemFactory,
    AssemblyFactory,
    MembershipFactory,
    MotionFactory,
    board_member,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def base(assembly) -> str:
    return f"/c/{assembly.cooperative.slug}/assemblies/{assembly.id}"


def in_english(*people) -> None:
    for person in people:
        person.user.locale = "en"
    db.session.flush()


def closed_vote(coop, chair, *, kind=DecisionKind.ORDINARY, choices=None):
    """An assembly in session with a motion whose vote is closed: one member voted for,
    one against, one abstained (or ``choices``)."""
    members = [MembershipFactory(cooperative=coop) for _ in range(3)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(
        agenda_item__assembly=assembly, status=MotionStatus.OPEN, decision_kind=kind
    )
    for member, choice in zip(
        members, choices or (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN), strict=True
    ):
        services.check_in(assembly, member, by=chair)
        services.cast_vote(motion, voter=member, choice=choice)
    services.close_vote(motion, by=chair)
    db.session.flush()
    return assembly, motion


# Labels --------------------------------------------------------------------------------------


def test_the_agenda_item_form_asks_for_the_kind_of_item(client, login, coop, chair):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    login(chair.user)
    page = text(client.get(base(draft)))
    assert "Soort agendapunt" in page
    assert "Soort lid" not in page
    in_english(chair)
    assert "Kind of agenda item" in text(client.get(base(draft)))


def test_the_proxy_form_says_to_whom_the_proxy_goes(client, login, coop):
    member = MembershipFactory(cooperative=coop)
    convened = AssemblyFactory(cooperative=coop)
    login(member.user)
    page = text(client.get(base(convened)))
    assert "Lidnummer van het lid aan wie je de volmacht geeft" in page


# Forms come back to themselves after an error ------------------------------------------------


def test_a_form_with_an_error_comes_back_where_it_was(client, login, coop, chair):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    MotionFactory(agenda_item__assembly=draft)
    login(chair.user)
    page = text(client.get(base(draft)))
    assert re.search(r'action="[^"]*/items#add-item"', page)
    assert 'id="add-item"' in page
    assert re.search(r'action="[^"]*/motions#add-motion"', page)
    assert 'id="add-motion"' in page
    response = client.post(base(draft) + "/items", data={"title": "", "kind": "decision"})
    assert response.status_code == 422
    assert 'id="add-item"' in text(response)
    member = MembershipFactory(cooperative=coop)
    convened = AssemblyFactory(cooperative=coop)
    login(member.user)
    page = text(client.get(base(convened)))
    assert re.search(r'action="[^"]*/proxy#proxy"', page)
    assert 'id="proxy"' in page


def test_the_chair_forms_on_the_motion_page_come_back_to_themselves(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    services.check_in(assembly, chair, by=chair)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert re.search(r'action="[^"]*/paper#chair-h"', page)
    assert 'id="chair-h"' in page
    assert re.search(r'action="[^"]*/vote#vote-h"', page)
    assert 'id="vote-h"' in page


def test_the_range_of_a_count_is_written_as_numbers_are(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    db.session.flush()
    login(chair.user)
    path = base(assembly) + f"/motions/{motion.id}/paper"
    data = {"paper_for": "-1", "paper_against": "0", "paper_abstain": "0"}
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "Vul een getal in van 0 tot en met 1.000.000." in text(response)
    in_english(chair)
    assert "Give a number from 0 to 1,000,000." in text(client.post(path, data=data))
    assert motion.paper_total == 0


# Boxes only when there is something to do -----------------------------------------------------


def test_no_chair_box_after_the_vote_closed(client, login, coop, chair):
    assembly, motion = closed_vote(coop, chair)
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Voor de voorzitter" not in page
    assert "Uitslag" in page


def test_no_board_box_after_the_assembly_closed(client, login, coop, chair):
    closed = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED)
    open_now = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    db.session.flush()
    login(chair.user)
    assert "Voor het bestuur" not in text(client.get(base(closed)))
    assert "Voor het bestuur" in text(client.get(base(open_now)))
    secretary = board_member(coop, Function.SECRETARY)  # organises, does not chair
    login(secretary.user)
    assert "Voor het bestuur" not in text(client.get(base(open_now)))


def test_no_check_in_after_the_assembly_closed(client, login, coop, chair):
    member = MembershipFactory(cooperative=coop)
    closed = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(closed) + f"/attendance?q={member.number}"))
    assert f"Meld {member.name} aanwezig" not in page
    assert "De vergadering is gesloten. Dit is de presentielijst zoals die was." in page
    convened = AssemblyFactory(cooperative=coop)
    db.session.flush()
    page = text(client.get(base(convened) + f"/attendance?q={member.number}"))
    assert f"Meld {member.name} aanwezig" in page


# Results explain their numbers -----------------------------------------------------------------


def test_results_say_that_abstentions_are_not_counted_and_no_quorum_was_needed(
    client, login, coop, chair
):
    assembly, motion = closed_vote(coop, chair)
    result = motion.result
    assert (result.quorum_percent, result.blank_votes_count) == (None, False)
    assert (result.cast, result.abstain_count) == (2, 1)
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Onthoudingen tellen niet mee als uitgebrachte stem." in page
    assert re.search(r"<dt>Quorum</dt><dd>niet nodig</dd>", page)
    assert "Quorum gehaald" not in page
    projector = text(client.get(base(assembly) + "/projector"))
    assert "Onthoudingen tellen niet mee als uitgebrachte stem." in projector
    in_english(chair)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Abstentions do not count as votes cast." in page
    assert re.search(r"<dt>Quorum</dt><dd>not needed</dd>", page)


def test_results_with_a_quorum_say_whether_it_was_reached(client, login, coop, chair):
    # Dissolution: a quorum of half the members (the chair and 3 voters are 4 of 4).
    assembly, motion = closed_vote(coop, chair, kind=DecisionKind.DISSOLUTION)
    assert motion.result.quorum_percent == 50
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "<dt>Quorum gehaald</dt><dd>ja</dd>" in page


def test_results_counted_before_the_rules_were_kept_show_as_before(client, login, coop, chair):
    assembly, motion = closed_vote(coop, chair)
    motion.result.quorum_percent = motion.result.blank_votes_count = None
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "<dt>Quorum gehaald</dt><dd>ja</dd>" in page
    assert "tellen niet mee als uitgebrachte stem" not in page


def test_an_election_says_that_blank_votes_are_not_counted(client, login, coop, chair):
    members = [MembershipFactory(cooperative=coop) for _ in range(2)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    election = MotionFactory(
        agenda_item__assembly=assembly, decision_kind=DecisionKind.ELECTION, secret=True
    )
    anna = services.add_candidate(election, name="Anna de Vries", number=None, by=chair)
    services.open_vote(election, by=chair)
    for member in members:
        services.check_in(assembly, member, by=chair)
    services.cast_vote(election, voter=members[0], choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(election, voter=members[1], choice=Choice.ABSTAIN)
    services.close_vote(election, by=chair)
    db.session.flush()
    assert (election.result.blank_votes_count, election.result.cast) == (False, 1)
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{election.id}"))
    assert "Blanco stemmen tellen niet mee als uitgebrachte stem." in page


def test_results_say_nothing_about_abstentions_when_they_count(client, login, coop, chair):
    rules = services.default_rules(coop)
    rules.blank_votes_count = True
    db.session.add(rules)
    db.session.flush()
    assembly, motion = closed_vote(coop, chair)
    assert motion.result.blank_votes_count is True
    assert motion.result.cast == 3
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "tellen niet mee als uitgebrachte stem" not in page


def test_results_without_abstentions_need_no_explanation(client, login, coop, chair):
    assembly, motion = closed_vote(coop, chair, choices=(Choice.FOR, Choice.FOR, Choice.AGAINST))
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "tellen niet mee als uitgebrachte stem" not in page


# Minutes and downloads ---------------------------------------------------------------------------


def test_the_minutes_say_draft_once(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(assembly) + "/minutes"))
    assert "Concept-notulen" not in page
    assert "Ingevuld uit wat is vastgelegd." in page
    in_english(chair)
    page = text(client.get(base(assembly) + "/minutes"))
    assert "Draft minutes" not in page
    assert "Filled in from the record." in page


def test_downloads_are_named_in_the_language_of_the_page(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED)
    db.session.flush()
    login(chair.user)
    names = {
        "minutes": f"/{assembly.id}/minutes.pdf",
        "decisions": "/decisions.pdf",
    }
    prefix = f"/c/{coop.slug}/assemblies"

    def filename(path):
        response = client.get(prefix + path)
        assert response.status_code == 200
        return response.headers["Content-Disposition"]

    assert filename(names["minutes"]) == f'attachment; filename="notulen-{assembly.id}.pdf"'
    assert filename(names["decisions"]) == f'attachment; filename="besluitenlijst-{coop.slug}.pdf"'
    in_english(chair)
    assert filename(names["minutes"]) == f'attachment; filename="minutes-{assembly.id}.pdf"'
    assert filename(names["decisions"]) == f'attachment; filename="decisions-{coop.slug}.pdf"'


# Dates and the draft's details ------------------------------------------------------------------


def assemblies_of(coop) -> int:
    return db.session.scalar(
        select(func.count(Assembly.id)).where(Assembly.cooperative_id == coop.id)
    )


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("1900-01-01T20:00", "Kies een datum en tijd in de toekomst."),
        ((utcnow() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "in de toekomst"),
        ("2099-01-01T20:00", "Kies een datum binnen 5 jaar vanaf nu."),
        # Before 1 January 1 in UTC: the Netherlands were 19 minutes ahead then.
        ("0001-01-01T00:10", "Kies een datum en tijd in de toekomst."),
        # The hour the clocks go forward: 02:30 does not exist that night.
        ("2027-03-28T02:30", "Deze tijd bestaat niet: de klok gaat dan een uur vooruit."),
    ],
)
def test_a_new_assembly_needs_a_date_ahead(client, login, coop, chair, starts_at, message):
    login(chair.user)
    response = client.post(
        f"/c/{coop.slug}/assemblies/new",
        data={"title": "ALV najaar", "starts_at": starts_at, "place": "Buurthuis"},
    )
    assert response.status_code == 422
    page = text(response)
    field = page.split('id="starts_at"')[0].rsplit('<div class="field', 1)[1]
    assert "has-error" in field
    assert message in field
    assert 'value="ALV najaar"' in page  # what was typed stays
    assert assemblies_of(coop) == 0


def test_the_board_changes_the_details_of_a_draft(client, login, coop, chair):
    draft = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, title="ALV", place="Buurthuis"
    )
    db.session.flush()
    login(chair.user)
    assert "Datum, plaats of titel wijzigen, of het concept verwijderen" in text(
        client.get(base(draft))
    )
    form = text(client.get(base(draft) + "/edit"))
    local = draft.starts_at.astimezone(AMSTERDAM)
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in form
    assert 'value="Buurthuis"' in form
    later = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%dT19:30")
    bad = client.post(
        base(draft) + "/edit", data={"title": "ALV voorjaar", "starts_at": "2001-05-05T19:30"}
    )
    assert bad.status_code == 422
    assert 'value="ALV voorjaar"' in text(bad)
    assert draft.title == "ALV"
    response = client.post(
        base(draft) + "/edit",
        data={"title": "ALV voorjaar", "starts_at": later, "place": "De Boog"},
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert (draft.title, draft.place) == ("ALV voorjaar", "De Boog")
    assert f"{draft.starts_at.astimezone(AMSTERDAM):%Y-%m-%dT%H:%M}" == later
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.updated").order_by(AuditEvent.id)
    )
    assert event is not None
    assert event.data["place"] == ["Buurthuis", "De Boog"]
    assert event.data["title"] == ["ALV", "ALV voorjaar"]


def test_a_convened_assembly_keeps_its_details(client, login, coop, chair):
    convened = AssemblyFactory(cooperative=coop, title="ALV")
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(convened)))
    assert "Datum, plaats of titel wijzigen, of het concept verwijderen" not in page
    response = client.get(base(convened) + "/edit", follow_redirects=True)
    assert (
        "Je kunt de gegevens alleen veranderen zolang de vergadering niet is bijeengeroepen."
        in text(response)
    )
    later = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%dT19:30")
    client.post(base(convened) + "/edit", data={"title": "Anders", "starts_at": later})
    db.session.refresh(convened)
    assert convened.title == "ALV"


def test_only_the_board_changes_the_details(client, login, coop):
    member = MembershipFactory(cooperative=coop)
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT, title="ALV")
    db.session.flush()
    login(member.user)
    later = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%dT19:30")
    assert (
        client.post(base(draft) + "/edit", data={"title": "X", "starts_at": later}).status_code
        == 403
    )
    assert draft.title == "ALV"


# Opening the session ------------------------------------------------------------------------------


def test_opening_on_another_day_than_planned_needs_a_tick(client, login, coop, chair):
    convened = AssemblyFactory(cooperative=coop)  # three weeks ahead
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(convened)))
    assert "niet vandaag" in page
    assert "Ja, de vergadering begint nu" in page
    response = client.post(base(convened) + "/open")
    assert response.status_code == 422
    box = text(response).split('id="confirm-open"')[0].rsplit('<div class="field', 1)[1]
    assert "has-error" in box
    assert "Vink dit vakje aan als de vergadering nu begint." in text(response)
    assert convened.status is AssemblyStatus.CONVENED
    assert convened.opened_at is None
    assert client.post(base(convened) + "/open", data={"confirm": "yes"}).status_code == 302
    db.session.refresh(convened)
    assert convened.status is AssemblyStatus.IN_SESSION


def test_opening_on_the_day_is_one_click(client, login, coop, chair):
    today = AssemblyFactory(cooperative=coop, starts_at=utcnow())
    db.session.flush()
    login(chair.user)
    assert "Ja, de vergadering begint nu" not in text(client.get(base(today)))
    assert client.post(base(today) + "/open").status_code == 302
    db.session.refresh(today)
    assert today.status is AssemblyStatus.IN_SESSION


def test_the_tick_is_asked_only_of_a_convened_assembly(client, login, coop, chair):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    db.session.flush()
    login(chair.user)
    response = client.post(base(draft) + "/open", follow_redirects=True)
    assert "Je kunt alleen een bijeengeroepen vergadering openen." in text(response)
    assert "Vink dit vakje aan" not in text(response)
    assert draft.status is AssemblyStatus.DRAFT


# The rules page ---------------------------------------------------------------------------------

RULES = {
    "notice_days": 14,
    "proxies_allowed": "y",
    "max_proxies_per_holder": 1,
    "weighting": "per_member",
    "ordinary-majority": "more_than_half",
    "statutes-majority": "two_thirds",
    "dissolution-majority": "two_thirds",
    "dissolution-quorum_percent": 50,
    "election-majority": "more_than_half",
}


def field_error(page: str, field_id: str) -> str:
    """The field block (label, hint, error) around the input ``field_id``."""
    return page.split(f'id="{field_id}"')[0].rsplit('<div class="field', 1)[1]


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        (
            {"ordinary-majority": "fraction", "ordinary-numerator": 5, "ordinary-denominator": 3},
            "ordinary-numerator",
            "Vul een deel in tussen 0 en 1, bijvoorbeeld 3 van 4.",
        ),
        ({"ordinary-majority": "fraction"}, "ordinary-numerator", "Vul een deel in tussen 0 en 1"),
        (
            {"statutes-quorum_percent": "1e20"},
            "statutes-quorum_percent",
            "Vul een percentage in van 0 tot en met 100.",
        ),
        ({"notice_days": 3}, "notice_days", "Vul een getal in van 7 tot en met 365."),
        ({"notice_days": "1.5"}, "notice_days", "Vul een getal in van 7 tot en met 365."),
        (
            {"max_proxies_per_holder": 0},
            "max_proxies_per_holder",
            "Vul 1 of meer in, of sta geen volmachten toe.",
        ),
    ],
)
def test_bad_rules_show_at_their_field_in_dutch(
    client, login, coop, chair, fields, field_id, message
):
    login(chair.user)
    response = client.post(f"/c/{coop.slug}/assemblies/rules", data={**RULES, **fields})
    assert response.status_code == 422
    page = text(response)
    block = field_error(page, field_id)
    assert "has-error" in block
    assert message in block
    assert "Not a valid" not in page
    for name, value in fields.items():
        if name != "ordinary-majority":
            assert f'value="{value}"' in page  # what was typed stays
    assert services.governance(coop).id is None


def test_no_proxies_need_no_number_of_proxies(client, login, coop, chair):
    login(chair.user)
    data = {**RULES, "max_proxies_per_holder": 0}
    del data["proxies_allowed"]
    assert client.post(f"/c/{coop.slug}/assemblies/rules", data=data).status_code == 302
    assert services.governance(coop).proxies_allowed is False


# Documents on the agenda ------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% begroting\n%%EOF\n"


def upload(client, item, content, name):
    import io

    return client.post(
        f"{base(item.assembly)}/items/{item.id}/documents",
        data={"file": (io.BytesIO(content), name)},
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ not a pdf", "begroting.pdf", "Je kunt alleen pdf-bestanden toevoegen."),
        (b"", "begroting.pdf", "Het bestand is leeg."),
        (b"", "", "Kies een bestand."),
    ],
)
def test_a_refused_document_says_why_at_its_file_field(
    client, login, coop, chair, content, name, message
):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    item = AgendaItemFactory(assembly=draft, title="Begroting")
    other = AgendaItemFactory(assembly=draft, title="Jaarrekening")
    login(chair.user)
    response = upload(client, item, content, name)
    assert response.status_code == 422
    page = text(response)
    assert re.search(rf'action="[^"]*/items/{item.id}/documents#document-{item.id}"', page)
    form = page.split(f'id="file-{item.id}"')[0].rsplit("<form", 1)[1]
    assert "has-error" in form
    assert message in form
    assert message not in page.split(f'id="file-{other.id}"')[0].rsplit("<form", 1)[1]
    assert item.documents == []


def test_a_long_file_name_keeps_its_start_and_its_end(client, login, coop, chair):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    item = AgendaItemFactory(assembly=draft, title="Begroting")
    login(chair.user)
    name = "begroting-" + "heel-lang-" * 30 + "versie-2026.PDF"
    assert upload(client, item, PDF, name).status_code == 302
    db.session.refresh(item)
    saved = item.documents[0].filename
    assert saved.startswith("begroting-heel-lang-")
    assert saved.endswith("versie-2026.pdf")
    assert len(saved) <= 150
    page = text(client.get(base(draft)))
    assert '<ul class="documents">' in page  # long names wrap on a phone (app.css)


# Mails ------------------------------------------------------------------------------------------


def test_proxy_mails_speak_to_their_reader(client, login, coop, mailbox):
    from tests.mailcapture import text_of

    grantor, holder = (MembershipFactory(cooperative=coop) for _ in range(2))
    in_english(holder)
    convened = AssemblyFactory(cooperative=coop)
    db.session.flush()
    login(grantor.user)
    response = client.post(base(convened) + "/proxy", data={"holder_number": holder.number})
    assert response.status_code == 302
    mine = text_of(mailbox.last_to(grantor.user.email))
    assert (
        f"Je hebt een volmacht gegeven aan {holder.name} voor de algemene ledenvergadering" in mine
    )
    assert "De volmacht vervalt als je je aanwezig meldt, zelf stemt of hem intrekt." in mine
    theirs = text_of(mailbox.last_to(holder.user.email))
    assert f"{grantor.name} gave you a proxy for the general assembly on" in theirs
    assert f"you vote for {grantor.name}." in theirs
    proxy = services.active_proxies(convened, grantor=grantor)[0]
    assert client.post(base(convened) + f"/proxy/{proxy.id}/revoke").status_code == 302
    mine = text_of(mailbox.last_to(grantor.user.email))
    assert f"Je hebt je volmacht aan {holder.name} ingetrokken." in mine
    theirs = text_of(mailbox.last_to(holder.user.email))
    assert f"you no longer vote for {grantor.name}." in theirs


def test_decisions_are_dated_when_they_were_taken(app, client, login, coop, chair):
    from flask_babel import force_locale

    from coop.core.web import long_date

    assembly, motion = closed_vote(coop, chair)  # planned three weeks ahead, voted today
    with app.test_request_context(), force_locale("nl"):
        taken, planned = long_date(motion.closed_at), long_date(assembly.starts_at)
    login(chair.user)
    page = text(client.get(f"/c/{coop.slug}/assemblies/decisions"))
    row = page.split(motion.title)[0].rsplit("<tr>", 1)[1]
    assert assembly.title in row
    assert taken in row
    assert planned not in row


# Elections --------------------------------------------------------------------------------------


@pytest.fixture
def election(coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(
        agenda_item__assembly=assembly, decision_kind=DecisionKind.ELECTION, secret=True, seats=2
    )
    db.session.flush()
    return motion


def test_a_candidate_is_on_the_list_once(client, login, coop, chair, election):
    member = MembershipFactory(cooperative=coop)
    login(chair.user)
    path = base(election.assembly) + f"/motions/{election.id}/candidates"
    assert client.post(path, data={"name": "Els de Boer"}).status_code == 302
    again = client.post(path, data={"name": "els de boer "})
    assert again.status_code == 422
    assert "Els de Boer staat al op de lijst." in field_error(text(again), "name")
    assert client.post(path, data={"number": member.number}).status_code == 302
    again = client.post(path, data={"number": member.number})
    assert f"{member.name} staat al op de lijst." in field_error(text(again), "number")
    assert [c.name for c in election.candidates] == ["Els de Boer", member.name]


def test_a_name_and_a_member_number_must_agree(client, login, coop, chair, election):
    member = MembershipFactory(cooperative=coop)
    login(chair.user)
    path = base(election.assembly) + f"/motions/{election.id}/candidates"
    refused = client.post(path, data={"name": "Jan Jansen", "number": member.number})
    assert refused.status_code == 422
    message = f"Lid {member.number} is {member.name}, niet Jan Jansen."
    assert message in field_error(text(refused), "name")
    assert 'value="Jan Jansen"' in text(refused)
    assert election.candidates == []
    same = client.post(path, data={"name": member.name.upper(), "number": member.number})
    assert same.status_code == 302
    db.session.expire(election, ["candidates"])
    assert [(c.name, c.membership_id) for c in election.candidates] == [(member.name, member.id)]


def test_the_board_takes_a_candidate_off_the_list_until_the_vote_opens(
    client, login, coop, chair, election
):
    anna = services.add_candidate(election, name="Anna de Vries", number=None, by=chair)
    bram = services.add_candidate(election, name="Bram Jansen", number=None, by=chair)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(election.assembly) + f"/motions/{election.id}"))
    assert "Anna de Vries verwijderen" in page
    remove = base(election.assembly) + f"/motions/{election.id}/candidates/{anna.id}/remove"
    response = client.post(remove, follow_redirects=True)
    assert "Anna de Vries staat niet meer op de lijst." in text(response)
    db.session.expire(election, ["candidates"])
    assert [c.name for c in election.candidates] == ["Bram Jansen"]
    assert client.post(remove).status_code == 404  # gone already
    services.open_vote(election, by=chair)
    db.session.flush()
    later = base(election.assembly) + f"/motions/{election.id}/candidates/{bram.id}/remove"
    response = client.post(later, follow_redirects=True)
    assert "De stemming is begonnen" in text(response)
    assert "Bram Jansen verwijderen" not in text(response)
    db.session.expire(election, ["candidates"])
    assert [c.name for c in election.candidates] == ["Bram Jansen"]


def test_too_many_picks_come_back_ticked_with_the_message(client, login, coop, chair, election):
    names = ("Anna de Vries", "Bram Jansen", "Cees Bakker")
    ids = [services.add_candidate(election, name=n, number=None, by=chair).id for n in names]
    services.open_vote(election, by=chair)
    voter = MembershipFactory(cooperative=coop)
    services.check_in(election.assembly, voter, by=chair)
    db.session.flush()
    login(voter.user)
    response = client.post(
        base(election.assembly) + f"/motions/{election.id}/vote",
        data={"candidates": [str(i) for i in ids]},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Kies niet meer dan 2 kandidaten." in page
    for candidate_id in ids:
        assert re.search(rf'value="{candidate_id}" id="choice-\d+-{candidate_id}" checked', page)
    assert services.voted_ids(election, [voter.id]) == set()


def test_the_top_of_a_form_links_to_each_field_with_a_message(client, login, coop, chair):
    login(chair.user)
    response = client.post(
        f"/c/{coop.slug}/assemblies/rules",
        data={**RULES, "statutes-quorum_percent": "500", "notice_days": 3},
    )
    assert response.status_code == 422
    summary = text(response).split('<div class="alert alert-error" role="alert">')[1]
    summary = summary.split("</div>")[0]
    assert "Kijk de velden met een foutmelding nog eens na." in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [anchor for anchor, _ in links] == ["notice_days", "statutes-quorum_percent"]
    assert links[1][1].startswith("Statutenwijziging: Quorum")


def test_all_rule_errors_show_at_once(client, login, coop, chair):
    """The form's own checks and the rules' checks together, not in rounds."""
    login(chair.user)
    response = client.post(
        f"/c/{coop.slug}/assemblies/rules",
        data={
            **RULES,
            "statutes-quorum_percent": "500",  # the form's check
            "max_proxies_per_holder": 0,  # the rules' check
            "ordinary-majority": "fraction",  # the rules' check
            "ordinary-numerator": 5,
            "ordinary-denominator": 3,
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Vul een percentage in van 0 tot en met 100." in field_error(
        page, "statutes-quorum_percent"
    )
    assert "Vul 1 of meer in" in field_error(page, "max_proxies_per_holder")
    assert "Vul een deel in tussen 0 en 1" in field_error(page, "ordinary-numerator")
    assert services.governance(coop).id is None


# Paper votes and the second assembly ------------------------------------------------------------


def test_a_member_at_the_door_after_the_paper_count_is_told_what_to_do(client, login, coop, chair):
    late, online = (MembershipFactory(cooperative=coop) for _ in range(2))
    rules = services.default_rules(coop)
    rules.electronic_participation = True
    db.session.add(rules)
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    services.check_in(assembly, chair, by=chair)
    services.set_paper_votes(motion, for_=1, against=0, abstain=0, by=chair)
    services.check_in(assembly, late, by=chair)  # at the door, after the count
    services.check_in(assembly, online, by=online, online=True)
    db.session.flush()
    login(late.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Ben je binnengekomen na het tellen? Zeg het dan tegen de voorzitter" in page
    assert "Breng stem uit" not in page
    login(online.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Leden die online meedoen, kunnen hier nog stemmen." in page
    assert "Breng stem uit" in page


def test_no_paper_votes_before_the_meeting(client, login, coop, chair):
    rules = services.default_rules(coop)
    rules.advance_voting = True  # a vote open before the meeting
    db.session.add(rules)
    convened = AssemblyFactory(cooperative=coop)
    motion = MotionFactory(agenda_item__assembly=convened, status=MotionStatus.OPEN)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(convened) + f"/motions/{motion.id}"))
    assert "Voor de voorzitter" in page  # the chair's box, to close the vote
    assert f"/motions/{motion.id}/paper" not in page
    with pytest.raises(DomainError, match="Papieren stemmen tel je in de vergadering"):
        services.set_paper_votes(motion, for_=1, against=0, abstain=0, by=chair)
    assert motion.paper_total == 0


def test_a_quorum_not_reached_points_to_a_second_assembly(client, login, coop, chair):
    for _ in range(5):
        MembershipFactory(cooperative=coop)  # 9 with voting rights, 3 present: no quorum
    assembly, motion = closed_vote(coop, chair, kind=DecisionKind.DISSOLUTION)
    assert motion.result.quorum_met is False
    login(chair.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Een tweede vergadering mag hierover besluiten zonder quorum." in page
    assert "Een tweede vergadering plannen" in page
    second = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION, is_second=True)
    again = MotionFactory(
        agenda_item__assembly=second, status=MotionStatus.OPEN, decision_kind=motion.decision_kind
    )
    db.session.flush()
    assert "Tweede vergadering" in text(client.get(base(second)))
    page = text(client.get(base(second) + f"/motions/{again.id}"))
    assert "geen quorum: dit is een tweede vergadering" in page
    assert "quorum 50%" not in page


def test_a_form_error_without_a_field_gets_no_empty_summary(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    services.check_in(assembly, chair, by=chair)
    db.session.flush()
    login(chair.user)
    response = client.post(
        base(assembly) + f"/motions/{motion.id}/paper",
        data={"paper_for": 5, "paper_against": 0, "paper_abstain": 0},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Je vulde 5 papieren stemmen in. Dat kunnen er niet meer dan 1 zijn" in page
    assert "Kijk de velden met een foutmelding nog eens na." not in page


def test_after_the_paper_count_a_vote_already_cast_shows_as_cast(client, login, coop, chair):
    grantor, holder = (MembershipFactory(cooperative=coop) for _ in range(2))
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.check_in(assembly, holder, by=chair)  # at the door, with a grantor
    services.cast_vote(motion, voter=holder, choice=Choice.FOR)  # own vote, by phone
    services.set_paper_votes(motion, for_=1, against=0, abstain=0, by=chair)
    db.session.flush()
    login(holder.user)
    page = text(client.get(base(assembly) + f"/motions/{motion.id}"))
    assert "Deze stem is uitgebracht." in page  # the holder's own vote
    assert f"Stem voor {grantor.name} (volmacht)" not in page  # no form for the grantor
    assert "Breng stem uit" not in page
    assert "Zeg het dan tegen de voorzitter" in page
    with pytest.raises(DomainError):  # and the service agrees: the room was counted
        services.cast_vote(motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)


def test_a_tampered_proxy_field_is_no_error_page(client, login, coop):
    member = MembershipFactory(cooperative=coop)
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    services.check_in(assembly, member, by=member)
    db.session.flush()
    login(member.user)
    for value in ("\u00b2", "9" * 5000):
        response = client.post(
            base(assembly) + f"/motions/{motion.id}/vote", data={"on_behalf_of": value}
        )
        assert response.status_code == 422
    # The summary's link leads to the choice that needs attention.
    page = text(response)
    assert '<a href="#choice">' in page
    assert 'id="choice"' in page


def test_two_members_with_the_same_name_can_both_stand(client, login, coop, chair, election):
    first = MembershipFactory(cooperative=coop, name="Jan de Vries")
    second = MembershipFactory(cooperative=coop, name="Jan de Vries")
    login(chair.user)
    path = base(election.assembly) + f"/motions/{election.id}/candidates"
    assert client.post(path, data={"number": first.number}).status_code == 302
    assert client.post(path, data={"number": second.number}).status_code == 302
    assert client.post(path, data={"name": "Jan de Vries"}).status_code == 422  # which one?
    db.session.expire(election, ["candidates"])
    assert [c.membership_id for c in election.candidates] == [first.id, second.id]


def test_rules_errors_of_the_rules_themselves_show_together(client, login, coop, chair):
    login(chair.user)
    response = client.post(
        f"/c/{coop.slug}/assemblies/rules",
        data={
            **RULES,
            "max_proxies_per_holder": 0,
            "ordinary-majority": "fraction",
            "ordinary-numerator": 5,
            "ordinary-denominator": 3,
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Vul 1 of meer in" in field_error(page, "max_proxies_per_holder")
    assert "Vul een deel in tussen 0 en 1" in field_error(page, "ordinary-numerator")


def test_a_document_for_an_item_of_another_assembly_is_not_found(client, login, coop, chair):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    elsewhere = AgendaItemFactory(assembly=AssemblyFactory(cooperative=coop))
    db.session.flush()
    login(chair.user)
    import io

    response = client.post(
        f"{base(draft)}/items/{elsewhere.id}/documents",
        data={"file": (io.BytesIO(PDF), "begroting.pdf")},
    )
    assert response.status_code == 404
    assert elsewhere.documents == []


def test_the_attendance_list_matches_voting_in_advance(client, login, coop, chair):
    grantor, holder = (MembershipFactory(cooperative=coop) for _ in range(2))
    convened = AssemblyFactory(cooperative=coop)
    services.grant_proxy(convened, grantor, holder_number=holder.number, by=grantor)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(convened) + "/attendance"))
    assert f"dus {grantor.name} is nog niet vertegenwoordigd" in page
    rules = services.default_rules(coop)
    rules.advance_voting = True  # a vote in advance for the grantor represents them in it
    db.session.add(rules)
    db.session.flush()
    page = text(client.get(base(convened) + "/attendance"))
    assert f"{grantor.name} is alleen vertegenwoordigd bij de stemmingen waarin" in page
    assert "nog niet vertegenwoordigd" not in page


def test_the_chair_enters_an_elections_paper_ballots_per_candidate(client, login, coop, chair):
    voters = [MembershipFactory(cooperative=coop) for _ in range(3)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    item = AgendaItemFactory(assembly=assembly)
    election = services.add_motion(
        assembly,
        item=item,
        title="Verkiezing bestuur",
        text="",
        decision_kind=DecisionKind.ELECTION,
        seats=2,
        by=chair,
    )
    anna, bram = (
        services.add_candidate(election, name=name, number=None, by=chair)
        for name in ("Anna Kandidaat", "Bram Kandidaat")
    )
    for person in (chair, *voters):
        services.check_in(assembly, person, by=chair)
    services.open_vote(election, by=chair)
    db.session.flush()
    login(chair.user)
    page_url = base(assembly) + f"/motions/{election.id}"
    page = text(client.get(page_url))
    assert '<label for="candidate_' in page
    assert "Anna Kandidaat (stemmen op papier)" in page
    assert "Stembiljetten met een of meer namen (op papier)" in page
    data = {
        f"candidate_{anna.id}": "3",  # more than the ballots: typed once too often
        f"candidate_{bram.id}": "1",
        "ballots": "2",
        "paper_blank": "1",
    }
    response = client.post(page_url + "/paper", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "op een stembiljet staat een kandidaat één keer" in field_error(
        page, f"candidate_{anna.id}"
    )
    typed = re.search(rf'<input[^>]*id="candidate_{anna.id}"[^>]*>', page).group(0)
    assert 'value="3"' in typed  # what was typed stays
    db.session.expire_all()
    assert election.paper_total == 0
    assert anna.paper_votes == 0
    data[f"candidate_{anna.id}"] = "2"
    response = client.post(page_url + "/paper", data=data, follow_redirects=True)
    assert "De papieren stemmen zijn opgeslagen." in text(response)
    db.session.expire_all()
    assert (election.paper_for, election.paper_abstain, anna.paper_votes) == (2, 1, 2)
    page = text(client.get(page_url))  # the form shows what was saved
    saved = re.search(rf'<input[^>]*id="candidate_{bram.id}"[^>]*>', page).group(0)
    assert 'value="1"' in saved
    services.close_vote(election, by=chair)
    db.session.flush()
    page = text(client.get(page_url))
    # Members, blank ballots included (a blank vote need not count as a vote cast).
    assert "<dt>Leden die op papier stemden</dt><dd>3</dd>" in page
