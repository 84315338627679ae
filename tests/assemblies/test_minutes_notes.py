"""The secretary's notes in the minutes: per agenda item, what was said and agreed, from
the opening of the meeting until the vote on adopting the minutes opens; on the minutes
page and in their PDF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coop.assemblies import services
from coop.assemblies.models import AssemblyStatus, DecisionKind, ItemKind, MotionStatus
from coop.audit import AuditEvent
from coop.errors import DomainError, NotFound
from coop.extensions import db
from coop.members.models import Function
from tests.assemblies.support import text
from tests.capital.test_buying import pdf_text
from tests.factories import (
    AgendaItemFactory,
    AssemblyFactory,
    MembershipFactory,
    board_member,
)


@pytest.fixture
def secretary(coop):
    return board_member(coop, Function.SECRETARY)


@pytest.fixture
def held(coop):
    """An assembly in session with two items."""
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    AgendaItemFactory(assembly=assembly, position=1, title="Opening", kind=ItemKind.INFORMATION)
    AgendaItemFactory(assembly=assembly, position=2, title="Rondvraag", kind=ItemKind.INFORMATION)
    db.session.flush()
    db.session.expire(assembly, ["items"])
    return assembly


def url(assembly, path="") -> str:
    return f"/c/{assembly.cooperative.slug}/assemblies/{assembly.id}/minutes{path}"


def test_notes_are_saved_per_item_and_recorded(coop, secretary, held):
    opening, question = held.items
    services.update_minutes_notes(
        held, {opening.id: "  De voorzitter opent om 20.00 uur.  ", question.id: ""}, by=secretary
    )
    assert opening.minutes_note == "De voorzitter opent om 20.00 uur."
    assert question.minutes_note == ""
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assembly.minutes_notes")
    ).all()
    assert event.data == {"items": {str(opening.id): ["", "De voorzitter opent om 20.00 uur."]}}


@pytest.mark.parametrize("status", [AssemblyStatus.DRAFT, AssemblyStatus.CONVENED])
def test_there_is_nothing_to_note_before_the_meeting_opens(coop, secretary, status):
    assembly = AssemblyFactory(cooperative=coop, status=status)
    item = AgendaItemFactory(assembly=assembly)
    with pytest.raises(DomainError, match="geopend"):
        services.update_minutes_notes(assembly, {item.id: "Te vroeg"}, by=secretary)


def test_notes_stop_changing_once_the_vote_on_the_minutes_opens(coop, secretary, held):
    held.status = AssemblyStatus.CLOSED
    (opening, _question) = held.items
    services.update_minutes_notes(held, {opening.id: "Na afloop aangevuld"}, by=secretary)
    later = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    item = AgendaItemFactory(assembly=later)
    db.session.expire(held, ["starts_at"])
    held.starts_at = later.starts_at.replace(year=later.starts_at.year - 1)
    motion = services.add_motion(
        later, item=item, title="Notulen vaststellen", text="",
        decision_kind=DecisionKind.ORDINARY, adopts_minutes_of=held, by=secretary,
    )  # fmt: skip
    # Put on the agenda, not yet voted on: the notes may still be finished.
    assert services.minutes_notes_fixed(held) is None
    motion.status = MotionStatus.OPEN
    db.session.flush()
    with pytest.raises(DomainError, match="stemt over deze notulen"):
        services.update_minutes_notes(held, {opening.id: "Te laat"}, by=secretary)
    assert opening.minutes_note == "Na afloop aangevuld"
    # Rejected: the secretary corrects them for the next try.
    motion.status = MotionStatus.CLOSED
    db.session.flush()
    assert services.adopted_minutes(held) is None
    services.update_minutes_notes(held, {opening.id: "Verbeterd"}, by=secretary)
    assert opening.minutes_note == "Verbeterd"


def test_adopted_minutes_are_final(coop, secretary, held):
    from coop.assemblies.models import AdoptedMinutes, Motion
    from coop.db import utcnow

    held.status = AssemblyStatus.CLOSED
    later = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED)
    item = AgendaItemFactory(assembly=later)
    motion = Motion(
        assembly_id=later.id, agenda_item_id=item.id, title="Vaststellen",
        status=MotionStatus.CLOSED, adopts_minutes_of_id=held.id,
    )  # fmt: skip
    db.session.add(motion)
    db.session.flush()
    db.session.add(
        AdoptedMinutes(
            assembly_id=held.id,
            adopted_by_assembly_id=later.id,
            motion_id=motion.id,
            adopted_at=utcnow(),
        )
    )
    db.session.flush()
    with pytest.raises(DomainError, match="vastgesteld"):
        services.update_minutes_notes(held, {held.items[0].id: "Te laat"}, by=secretary)


def test_a_note_too_long_or_for_another_item_is_refused(coop, secretary, held):
    opening = held.items[0]
    with pytest.raises(DomainError) as refused:
        services.update_minutes_notes(
            held, {opening.id: "x" * (services.MAX_NOTE + 1)}, by=secretary
        )
    assert refused.value.field == f"note_{opening.id}"
    elsewhere = AgendaItemFactory(assembly=AssemblyFactory(cooperative=coop))
    with pytest.raises(NotFound):
        services.update_minutes_notes(held, {elsewhere.id: "Elders"}, by=secretary)
    assert opening.minutes_note == ""


# Pages -----------------------------------------------------------------------------------------


def test_the_secretary_writes_the_minutes(client, login, coop, secretary, held):
    opening, question = held.items
    login(secretary.user)
    page = text(client.get(url(held)))
    assert "Notulen schrijven" in page
    form = text(client.get(url(held, "/notes")))
    assert "1. Opening" in form
    assert "2. Rondvraag" in form
    response = client.post(
        url(held, "/notes"),
        data={
            f"note_{opening.id}": "De voorzitter opent om 20.00 uur.",
            f"note_{question.id}": "Anna vraagt naar de zonnepanelen.\nHet bestuur zoekt het uit.",
        },
    )
    assert response.headers["Location"].endswith(url(held))
    page = text(client.get(url(held)))
    assert "De aantekeningen staan in de concept-notulen." in page
    assert "Anna vraagt naar de zonnepanelen.\nHet bestuur zoekt het uit." in page
    pdf = pdf_text(client.get(url(held, ".pdf")).data)
    assert "De voorzitter opent om 20.00 uur." in pdf
    assert "Anna vraagt naar de zonnepanelen.\nHet bestuur zoekt het uit." in pdf  # lines kept


def test_a_note_too_long_comes_back_at_its_field_with_the_rest_kept(
    client, login, coop, secretary, held
):
    opening, question = held.items
    login(secretary.user)
    response = client.post(
        url(held, "/notes"),
        data={
            f"note_{opening.id}": "x" * (services.MAX_NOTE + 1),
            f"note_{question.id}": "Geen vragen.",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert f'id="note_{opening.id}-error"' in page
    assert "Geen vragen." in page
    # No maxlength on the box: a browser would cut a pasted text off without a word.
    assert "<textarea" in page
    assert re.search(r"<textarea[^>]*maxlength", page) is None
    db.session.expire_all()
    assert [i.minutes_note for i in held.items] == ["", ""]


def test_notes_are_shown_as_text(client, login, coop, secretary, held):
    services.update_minutes_notes(
        held, {held.items[0].id: "<script>alert(1)</script> & meer"}, by=secretary
    )
    member = MembershipFactory(cooperative=coop)
    login(member.user)
    body = client.get(url(held)).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; meer" in body
    assert "<script>alert" not in body
    assert "Notulen schrijven" not in body  # members read, the secretary writes


def test_before_the_meeting_the_board_is_told_when_to_write(client, login, coop, secretary):
    secretary.user.locale = "en"
    assembly = AssemblyFactory(cooperative=coop)  # convened
    login(secretary.user)
    assert "Write the minutes" not in text(client.get(url(assembly)))
    response = client.get(url(assembly, "/notes"), follow_redirects=True)
    assert "You write the minutes once the meeting has opened." in text(response)


def test_notes_sent_while_the_vote_on_the_minutes_opened_stay_on_the_form(
    client, login, coop, secretary, held
):
    opening, question = held.items
    held.status = AssemblyStatus.CLOSED
    later = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    held.starts_at = later.starts_at.replace(year=later.starts_at.year - 1)
    item = AgendaItemFactory(assembly=later)
    motion = services.add_motion(
        later, item=item, title="Notulen vaststellen", text="",
        decision_kind=DecisionKind.ORDINARY, adopts_minutes_of=held, by=secretary,
    )  # fmt: skip
    login(secretary.user)
    assert client.get(url(held, "/notes")).status_code == 200
    services.open_vote(motion, by=secretary)  # meanwhile, in the other meeting
    response = client.post(
        url(held, "/notes"),
        data={f"note_{opening.id}": "Lang verhaal", f"note_{question.id}": "Geen vragen."},
    )
    assert response.status_code == 422
    page = text(response)
    assert "De algemene ledenvergadering stemt over deze notulen" in page
    assert "Lang verhaal" in page
    db.session.expire_all()
    assert [i.minutes_note for i in held.items] == ["", ""]
