"""Changing a draft agenda: an agenda item changed or taken off (with its documents), a
document removed, a motion corrected or taken off before its vote opens, and a draft
assembly deleted. What members may have relied on (an invitation sent, a vote opened, a
voting instruction given) stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.assemblies import services
from coop.assemblies.models import (
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyStatus,
    Candidate,
    Choice,
    DecisionKind,
    ItemKind,
    Motion,
    MotionStatus,
    ProxyInstruction,
)
from coop.audit import AuditEvent
from coop.errors import DomainError
from coop.extensions import db
from tests.assemblies.support import text
from tests.factories import (
    AgendaItemFactory,
    AssemblyFactory,
    MembershipFactory,
    MotionFactory,
)

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def draft(coop):
    return AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)


def base(assembly) -> str:
    return f"/c/{assembly.cooperative.slug}/assemblies/{assembly.id}"


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def agenda(assembly, chair, *titles, kind=ItemKind.INFORMATION):
    return [
        services.add_item(assembly, title=t, description="", kind=kind, by=chair) for t in titles
    ]


# Agenda items ---------------------------------------------------------------------------------


def test_an_item_of_a_draft_changes_and_the_audit_keeps_before_and_after(coop, chair, draft):
    (item,) = agenda(draft, chair, "Jaarrekening")
    services.update_item(
        item, title="Jaarrekening 2026", description="Met toelichting", kind=ItemKind.DECISION,
        by=chair,
    )  # fmt: skip
    assert (item.title, item.description, item.kind) == (
        "Jaarrekening 2026",
        "Met toelichting",
        ItemKind.DECISION,
    )
    (event,) = events("assembly.item_updated")
    assert event.data["title"] == ["Jaarrekening", "Jaarrekening 2026"]
    assert event.data["kind"] == ["information", "decision"]
    # Nothing changed: no event.
    services.update_item(
        item, title="Jaarrekening 2026", description="Met toelichting", kind=ItemKind.DECISION,
        by=chair,
    )  # fmt: skip
    assert len(events("assembly.item_updated")) == 1


def test_an_item_with_motions_stays_one_for_decision(coop, chair, draft):
    motion = MotionFactory(agenda_item__assembly=draft)
    with pytest.raises(DomainError) as refused:
        services.update_item(
            motion.agenda_item, title="X", description="", kind=ItemKind.INFORMATION, by=chair
        )
    assert refused.value.field == "kind"
    assert motion.agenda_item.kind is ItemKind.DECISION


def test_the_agenda_of_a_convened_assembly_no_longer_changes(coop, chair):
    convened = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    (item,) = agenda(convened, chair, "Begroting")
    document = services.add_document(item, filename="begroting.pdf", data=PDF, by=chair)
    convened.status = AssemblyStatus.CONVENED
    db.session.flush()
    for change in (
        lambda: services.update_item(
            item, title="Y", description="", kind=ItemKind.INFORMATION, by=chair
        ),
        lambda: services.remove_item(item, by=chair),
        lambda: services.remove_document(document, by=chair),
    ):
        with pytest.raises(DomainError):
            change()
    db.session.expire_all()
    assert item.title == "Begroting"
    assert [d.filename for d in item.documents] == ["begroting.pdf"]


def test_an_item_taken_off_takes_its_documents_and_the_others_move_up(coop, chair, draft):
    first, second, third = agenda(draft, chair, "Opening", "Jaarverslag", "Rondvraag")
    services.add_document(second, filename="jaarverslag.pdf", data=PDF, by=chair)
    services.remove_item(second, by=chair)
    db.session.expire_all()
    assert [(i.position, i.title) for i in draft.items] == [(1, "Opening"), (2, "Rondvraag")]
    assert count(AgendaDocument) == 0
    (event,) = events("assembly.item_removed")
    assert event.data == {"title": "Jaarverslag", "documents": ["jaarverslag.pdf"]}


def test_an_item_with_motions_is_not_taken_off(coop, chair, draft):
    motion = MotionFactory(agenda_item__assembly=draft)
    with pytest.raises(DomainError, match="voorstellen"):
        services.remove_item(motion.agenda_item, by=chair)
    assert db.session.get(AgendaItem, motion.agenda_item_id) is not None


def test_a_document_of_a_draft_is_removed_and_recorded(coop, chair, draft):
    (item,) = agenda(draft, chair, "Begroting")
    kept = services.add_document(item, filename="begroting.pdf", data=PDF, by=chair)
    wrong = services.add_document(item, filename="oud.pdf", data=PDF + b"x", by=chair)
    services.remove_document(wrong, by=chair)
    assert [d.id for d in item.documents] == [kept.id]
    (event,) = events("assembly.document_removed")
    assert event.data["filename"] == "oud.pdf"
    assert event.data["sha256"] == wrong.sha256


# Motions ---------------------------------------------------------------------------------------


def test_a_motion_is_corrected_before_its_vote_opens(coop, chair):
    motion = MotionFactory(agenda_item__assembly__cooperative=coop, title="Verbowen")
    services.update_motion(motion, title="Verbouwen", text="Nieuwe tekst", by=chair)
    assert (motion.title, motion.text) == ("Verbouwen", "Nieuwe tekst")
    (event,) = events("motion.updated")
    assert event.data["title"] == ["Verbowen", "Verbouwen"]


def test_a_motion_changed_after_the_invitation_keeps_what_members_could_read(coop, chair, draft):
    in_draft = MotionFactory(agenda_item__assembly=draft, title="Concept")
    services.update_motion(in_draft, title="Concept 2", text="", by=chair)
    assert in_draft.changed_after_invitation_at is None  # nobody was invited yet
    assert in_draft.title_before_change is None

    motion = MotionFactory(agenda_item__assembly__cooperative=coop, title="Verbowen", text="Eerst")
    assert motion.assembly.status is AssemblyStatus.CONVENED
    services.update_motion(motion, title="Verbowen", text="Eerst", by=chair)  # no change
    assert motion.changed_after_invitation_at is None
    services.update_motion(motion, title="Verbouwen", text="Tweede", by=chair)
    first = motion.changed_after_invitation_at
    assert first is not None
    services.update_motion(motion, title="Verbouwen", text="Derde", by=chair)
    # What members could read before the first change stays; the time is the last change.
    assert (motion.title_before_change, motion.text_before_change) == ("Verbowen", "Eerst")
    assert motion.changed_after_invitation_at >= first
    assert (motion.title, motion.text) == ("Verbouwen", "Derde")


@pytest.mark.parametrize("status", [MotionStatus.OPEN, MotionStatus.CLOSED])
def test_a_motion_whose_vote_started_does_not_change(coop, chair, status):
    motion = MotionFactory(
        agenda_item__assembly__cooperative=coop,
        agenda_item__assembly__status=AssemblyStatus.IN_SESSION,
        status=status,
    )
    for change in (
        lambda: services.update_motion(motion, title="Anders", text="", by=chair),
        lambda: services.remove_motion(motion, by=chair),
    ):
        with pytest.raises(DomainError, match="begonnen"):
            change()
    assert db.session.get(Motion, motion.id).title != "Anders"


def test_a_motion_with_a_voting_instruction_does_not_change_until_the_proxy_ends(coop, chair):
    assembly = AssemblyFactory(cooperative=coop)  # convened
    motion = MotionFactory(agenda_item__assembly=assembly)
    grantor, holder = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    proxy = services.grant_proxy(
        assembly, grantor, holder_number=holder.number, by=grantor,
        instructions={motion.id: Choice.AGAINST},
    )  # fmt: skip
    with pytest.raises(DomainError, match="steminstructie"):
        services.update_motion(motion, title="Anders", text="", by=chair)
    assert services.motion_fixed(motion) is not None
    services.revoke_proxy(proxy, by=grantor)
    assert services.motion_fixed(motion) is None
    # The instruction of the revoked proxy goes with the motion.
    services.remove_motion(motion, by=chair)
    assert count(ProxyInstruction) == 0
    assert db.session.get(Motion, motion.id) is None


def test_a_motion_goes_with_its_candidates_after_its_amendments(coop, chair, draft):
    (item,) = agenda(draft, chair, "Verkiezing", kind=ItemKind.DECISION)
    election = services.add_motion(
        draft, item=item, title="Bestuur", text="", decision_kind=DecisionKind.ELECTION, by=chair
    )
    services.add_candidate(election, name="Anna de Vries", number=None, by=chair)
    motion = services.add_motion(
        draft, item=item, title="Begroting", text="", decision_kind=DecisionKind.ORDINARY, by=chair
    )
    amendment = services.add_motion(
        draft, item=item, title="Minder", text="", decision_kind=DecisionKind.ORDINARY,
        parent=motion, by=chair,
    )  # fmt: skip
    with pytest.raises(DomainError, match="amendementen"):
        services.remove_motion(motion, by=chair)
    services.remove_motion(amendment, by=chair)
    services.remove_motion(motion, by=chair)
    services.remove_motion(election, by=chair)
    assert count(Motion) == 0
    assert count(Candidate) == 0
    assert [e.data["title"] for e in events("motion.removed")] == ["Minder", "Begroting", "Bestuur"]


# Deleting a draft ------------------------------------------------------------------------------


def test_a_draft_is_deleted_with_everything_on_its_agenda(coop, chair, draft):
    kept = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    agenda(kept, chair, "Blijft")
    info, decision = agenda(draft, chair, "Opening", "Begroting")
    decision.kind = ItemKind.DECISION
    services.add_document(info, filename="uitleg.pdf", data=PDF, by=chair)
    motion = services.add_motion(
        draft, item=decision, title="Begroting", text="", decision_kind=DecisionKind.ORDINARY,
        by=chair,
    )  # fmt: skip
    services.add_motion(
        draft, item=decision, title="Minder", text="", decision_kind=DecisionKind.ORDINARY,
        parent=motion, by=chair,
    )  # fmt: skip
    election = services.add_motion(
        draft, item=decision, title="Bestuur", text="", decision_kind=DecisionKind.ELECTION,
        by=chair,
    )  # fmt: skip
    services.add_candidate(election, name="Anna de Vries", number=None, by=chair)
    draft_id, title = draft.id, draft.title
    services.delete_assembly(draft, by=chair)
    db.session.expire_all()
    assert db.session.get(Assembly, draft_id) is None
    assert (count(Motion), count(Candidate), count(AgendaDocument)) == (0, 0, 0)
    assert [i.title for i in kept.items] == ["Blijft"]
    (event,) = events("assembly.deleted")
    assert event.data["title"] == title
    assert sorted(event.data["motions"]) == ["Begroting", "Bestuur", "Minder"]


@pytest.mark.parametrize(
    "status", [AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION, AssemblyStatus.CLOSED]
)
def test_only_a_draft_can_be_deleted(coop, chair, status):
    assembly = AssemblyFactory(cooperative=coop, status=status)
    with pytest.raises(DomainError) as refused:
        services.delete_assembly(assembly, by=chair)
    assert refused.value.field == "confirm"
    assert db.session.get(Assembly, assembly.id) is not None


# Pages -----------------------------------------------------------------------------------------


def test_the_board_changes_an_item_on_its_page(client, login, coop, chair, draft):
    (item,) = agenda(draft, chair, "Jaarrekening")
    login(chair.user)
    page = text(client.get(base(draft)))
    assert "Jaarrekening wijzigen of verwijderen" in page
    url = f"{base(draft)}/items/{item.id}/edit"
    form = text(client.get(url))
    assert 'value="Jaarrekening"' in form
    assert "Agendapunt wijzigen" in form
    response = client.post(
        url, data={"title": "Jaarrekening 2026", "description": "", "kind": "decision"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base(draft)}#agenda")
    assert "Het agendapunt is opgeslagen." in text(client.get(base(draft)))
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).title == "Jaarrekening 2026"


def test_a_wrong_item_comes_back_with_the_message_at_the_field(client, login, coop, chair, draft):
    motion = MotionFactory(agenda_item__assembly=draft, agenda_item__title="Begroting")
    login(chair.user)
    response = client.post(
        f"{base(draft)}/items/{motion.agenda_item_id}/edit",
        data={"title": "Begroting 2027", "description": "Uitleg", "kind": "information"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "Dit punt heeft voorstellen. Het blijft dus ter besluitvorming." in page
    assert 'value="Begroting 2027"' in page  # what was typed stays
    assert "Uitleg" in page
    # The kind shows what the item stays, as the message says.
    (checked,) = re.findall(r'<input[^>]*name="kind"[^>]*checked[^>]*>', page) or re.findall(
        r'<input checked[^>]*name="kind"[^>]*>', page
    )
    assert 'value="decision"' in checked
    assert db.session.get(AgendaItem, motion.agenda_item_id).title == "Begroting"
    empty = client.post(
        f"{base(draft)}/items/{motion.agenda_item_id}/edit",
        data={"title": "", "description": "", "kind": "decision"},
    )
    assert empty.status_code == 422
    assert 'id="title-error"' in text(empty)


def test_the_board_takes_an_item_off_in_english(client, login, coop, chair, draft):
    chair.user.locale = "en"
    first, second = agenda(draft, chair, "Opening", "Rondvraag")
    services.add_document(second, filename="vragen.pdf", data=PDF, by=chair)
    login(chair.user)
    page = text(client.get(f"{base(draft)}/items/{second.id}/edit"))
    assert "Change the agenda item" in page
    assert "Its documents are removed too." in page
    assert "Take “Rondvraag” off the agenda" in page
    response = client.post(f"{base(draft)}/items/{second.id}/remove", follow_redirects=True)
    assert "“Rondvraag” is taken off the agenda." in text(response)
    assert [i.title for i in draft.items] == ["Opening"]


def test_an_item_with_motions_tells_the_board_what_to_do_first(client, login, coop, chair, draft):
    motion = MotionFactory(agenda_item__assembly=draft)
    login(chair.user)
    url = f"{base(draft)}/items/{motion.agenda_item_id}/edit"
    page = text(client.get(url))
    assert "Dit punt heeft voorstellen. Verwijder die eerst" in page
    assert motion.title in page
    refused = client.post(f"{base(draft)}/items/{motion.agenda_item_id}/remove")
    assert refused.headers["Location"].endswith(url)
    assert "Dit punt heeft voorstellen. Verwijder ze eerst." in text(client.get(url))


def test_a_document_is_removed_from_the_item_page(client, login, coop, chair, draft):
    (item,) = agenda(draft, chair, "Begroting")
    document = services.add_document(item, filename="oud.pdf", data=PDF, by=chair)
    login(chair.user)
    url = f"{base(draft)}/items/{item.id}/edit"
    assert "oud.pdf verwijderen" in text(client.get(url))
    response = client.post(f"{base(draft)}/documents/{document.id}/remove")
    assert response.headers["Location"].endswith(url)
    page = text(client.get(url))
    assert "oud.pdf is verwijderd." in page
    assert "Dit punt heeft geen documenten." in page


def test_a_convened_agenda_sends_the_board_back_with_the_reason(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop)  # convened
    item = AgendaItemFactory(assembly=assembly)
    document = services.add_document(item, filename="begroting.pdf", data=PDF, by=chair)
    login(chair.user)
    assert "wijzigen of verwijderen" not in text(client.get(base(assembly)))
    response = client.get(f"{base(assembly)}/items/{item.id}/edit", follow_redirects=True)
    assert "De vergadering is bijeengeroepen. De agenda kan niet meer veranderen." in text(response)
    response = client.post(
        f"{base(assembly)}/documents/{document.id}/remove", follow_redirects=True
    )
    assert "Leden kunnen dit document al zien, dus het blijft staan." in text(response)
    assert db.session.get(AgendaDocument, document.id) is not None


def test_another_assemblys_item_or_document_is_not_found(client, login, coop, chair, draft):
    other = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    (item,) = agenda(other, chair, "Elders")
    document = services.add_document(item, filename="elders.pdf", data=PDF, by=chair)
    login(chair.user)
    assert client.get(f"{base(draft)}/items/{item.id}/edit").status_code == 404
    # A removal sent for something not on this agenda removes nothing; it is answered as
    # a removal sent twice (a second tab, the back button) is.
    for path in (f"/items/{item.id}/remove", f"/documents/{document.id}/remove"):
        response = client.post(base(draft) + path, follow_redirects=True)
        assert "Dit was al verwijderd." in text(response)
        assert response.request.path == base(draft)
    assert (count(AgendaItem), count(AgendaDocument)) == (1, 1)


def test_the_board_corrects_a_motion(client, login, coop, chair, draft):
    motion = MotionFactory(agenda_item__assembly=draft, title="Verbowen")
    login(chair.user)
    page = text(client.get(f"{base(draft)}/motions/{motion.id}"))
    assert "Dit voorstel wijzigen of verwijderen" in page
    url = f"{base(draft)}/motions/{motion.id}/edit"
    assert 'value="Verbowen"' in text(client.get(url))
    empty = client.post(url, data={"title": "  ", "text": "Tekst blijft"})
    assert empty.status_code == 422
    assert "Tekst blijft" in text(empty)
    assert 'id="motion_title-error"' in text(empty)
    response = client.post(url, data={"title": "Verbouwen", "text": "De ALV besluit."})
    assert response.headers["Location"].endswith(f"{base(draft)}/motions/{motion.id}")
    page = text(client.get(response.headers["Location"]))
    assert "Het voorstel is opgeslagen." in page
    assert "De ALV besluit." in page


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_members_see_that_a_motion_changed_after_the_invitation(client, login, coop, chair, locale):
    motion = MotionFactory(
        agenda_item__assembly__cooperative=coop, title="Bankje <b>plaatsen</b>", text="Eén bankje"
    )
    assembly = motion.assembly
    member = MembershipFactory(cooperative=coop, user__locale=locale)
    login(chair.user)
    url = f"{base(assembly)}/motions/{motion.id}"
    assert "De uitnodiging is al verstuurd." in text(client.get(f"{url}/edit"))
    client.post(f"{url}/edit", data={"title": "Bankjes plaatsen", "text": "Twee bankjes"})
    login(member.user)
    words = {
        "nl": ("Gewijzigd na de uitnodiging", "Wat er eerst stond", "gewijzigd na de uitnodiging"),
        "en": (
            "Changed after the invitation",
            "What it said before",
            "changed after the invitation",
        ),
    }[locale]
    page = text(client.get(url))
    assert words[0] in page
    details = page.split(words[1])[1].split("</details>")[0]
    assert "Bankje <b>plaatsen</b>" in details
    assert "Bankje &lt;b&gt;plaatsen&lt;/b&gt;" in client.get(url).get_data(as_text=True)
    assert "Eén bankje" in details
    assert "Twee bankjes" in page.split(words[0])[0]  # the text now comes first
    agenda = text(client.get(base(assembly)))
    assert 'Bankjes plaatsen</a>\n          <span class="muted">(' in agenda
    assert words[2] in agenda


def test_an_open_vote_has_no_way_to_change_its_motion(client, login, coop, chair):
    motion = MotionFactory(
        agenda_item__assembly__cooperative=coop,
        agenda_item__assembly__status=AssemblyStatus.IN_SESSION,
        status=MotionStatus.OPEN,
        title="Verbouwen",
    )
    assembly = motion.assembly
    login(chair.user)
    assert "Dit voorstel wijzigen of verwijderen" not in text(
        client.get(f"{base(assembly)}/motions/{motion.id}")
    )
    response = client.post(
        f"{base(assembly)}/motions/{motion.id}/edit", data={"title": "Anders", "text": ""}
    )
    assert response.headers["Location"].endswith(f"{base(assembly)}/motions/{motion.id}")
    page = text(client.get(response.headers["Location"]))
    assert "De stemming over dit voorstel is begonnen, dus het kan niet meer veranderen." in page
    assert db.session.get(Motion, motion.id).title == "Verbouwen"


def test_the_board_takes_a_motion_off_in_english(client, login, coop, chair, draft):
    chair.user.locale = "en"
    motion = MotionFactory(agenda_item__assembly=draft, title="Verbouwen")
    login(chair.user)
    page = text(client.get(f"{base(draft)}/motions/{motion.id}/edit"))
    assert "Change the motion" in page
    assert "You can correct the title and the text until the vote opens." in page
    motion_id = motion.id
    response = client.post(f"{base(draft)}/motions/{motion_id}/remove", follow_redirects=True)
    assert "“Verbouwen” is taken off the agenda." in text(response)
    db.session.expire_all()
    assert db.session.get(Motion, motion_id) is None


def test_a_draft_is_deleted_only_with_the_tick(client, login, coop, chair, draft):
    login(chair.user)
    page = text(client.get(f"{base(draft)}/edit"))
    assert "Dit concept verwijderen" in page
    refused = client.post(f"{base(draft)}/delete", data={})
    assert refused.status_code == 422
    page = text(refused)
    assert "Vink het vakje aan om het concept te verwijderen." in page
    assert 'id="confirm-error"' in page
    assert f'value="{draft.title}"' in page  # the details form is still there
    assert db.session.get(Assembly, draft.id) is not None
    title, draft_id, url = draft.title, draft.id, base(draft)
    response = client.post(f"{url}/delete", data={"confirm": "y"})
    assert response.headers["Location"].endswith(f"/c/{coop.slug}/assemblies/")
    assert f"Het concept “{title}” is verwijderd." in text(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Assembly, draft_id) is None


def test_a_convened_assembly_is_not_deleted(client, login, coop, chair):
    chair.user.locale = "en"
    assembly = AssemblyFactory(cooperative=coop)  # convened
    login(chair.user)
    response = client.post(f"{base(assembly)}/delete", data={"confirm": "y"}, follow_redirects=True)
    assert "Only an assembly that is not convened yet can be deleted." in text(response)
    assert db.session.get(Assembly, assembly.id) is not None


def test_a_member_cannot_change_the_agenda(client, login, coop, chair, draft):
    (item,) = agenda(draft, chair, "Opening")
    document = services.add_document(item, filename="uitleg.pdf", data=PDF, by=chair)
    motion = MotionFactory(agenda_item__assembly=draft)
    member = MembershipFactory(cooperative=coop)
    login(member.user)
    for url, data in (
        (f"{base(draft)}/items/{item.id}/edit", {"title": "X", "kind": "information"}),
        (f"{base(draft)}/items/{item.id}/remove", {}),
        (f"{base(draft)}/documents/{document.id}/remove", {}),
        (f"{base(draft)}/motions/{motion.id}/edit", {"title": "X"}),
        (f"{base(draft)}/motions/{motion.id}/remove", {}),
        (f"{base(draft)}/delete", {"confirm": "y"}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert (count(AgendaItem), count(AgendaDocument), count(Motion)) == (2, 1, 1)
    assert db.session.get(AgendaItem, item.id).title == "Opening"


def test_another_assemblys_motion_is_not_found(client, login, coop, chair, draft):
    other = MotionFactory(
        agenda_item__assembly__cooperative=coop,
        agenda_item__assembly__status=AssemblyStatus.DRAFT,
    )
    login(chair.user)
    assert client.get(f"{base(draft)}/motions/{other.id}/edit").status_code == 404
    response = client.post(f"{base(draft)}/motions/{other.id}/remove", follow_redirects=True)
    assert "Dit was al verwijderd." in text(response)
    assert db.session.get(Motion, other.id) is not None


def test_a_motion_that_changed_meanwhile_keeps_what_was_typed(
    client, login, coop, chair, monkeypatch
):
    """The edit page was allowed when it was sent; a voting instruction came in before
    the save: the save is refused on the form, with the text typed still there."""
    assembly = AssemblyFactory(cooperative=coop)  # convened
    motion = MotionFactory(agenda_item__assembly=assembly, title="Verbouwen")
    grantor, holder = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    services.grant_proxy(
        assembly, grantor, holder_number=holder.number, by=grantor,
        instructions={motion.id: Choice.FOR},
    )  # fmt: skip
    real, calls = services.motion_fixed, []

    def fixed_after_the_first_look(m):
        calls.append(m.id)
        return None if len(calls) == 1 else real(m)

    monkeypatch.setattr(services, "motion_fixed", fixed_after_the_first_look)
    login(chair.user)
    response = client.post(
        f"{base(assembly)}/motions/{motion.id}/edit",
        data={"title": "Verbouwen en isoleren", "text": "Met zonnepanelen"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "steminstructie" in page
    assert 'value="Verbouwen en isoleren"' in page
    assert "Met zonnepanelen" in page
    db.session.expire_all()
    assert db.session.get(Motion, motion.id).title == "Verbouwen"


def test_a_refused_removal_says_why_once(client, login, coop, chair):
    assembly = AssemblyFactory(cooperative=coop)  # convened
    motion = MotionFactory(agenda_item__assembly=assembly)
    amendment = MotionFactory(agenda_item=motion.agenda_item, parent=motion)
    login(chair.user)
    response = client.post(f"{base(assembly)}/motions/{motion.id}/remove", follow_redirects=True)
    assert text(response).count("Dit voorstel heeft amendementen. Verwijder die eerst.") == 1
    assert f"/motions/{motion.id}/edit" in response.request.path
    # An instruction keeps the amendment: the motion page says why, once.
    grantor, holder = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    services.grant_proxy(
        assembly, grantor, holder_number=holder.number, by=grantor,
        instructions={amendment.id: Choice.AGAINST},
    )  # fmt: skip
    response = client.post(f"{base(assembly)}/motions/{amendment.id}/remove", follow_redirects=True)
    page = text(response)
    assert page.count("steminstructie over dit voorstel") == 1
    assert "Dit amendement wijzigen of verwijderen" not in page
    assert response.request.path == f"{base(assembly)}/motions/{amendment.id}"


def test_a_motion_whose_amendment_was_voted_on_stays_but_its_text_can_follow(coop, chair):
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, text="Tien bomen")
    MotionFactory(agenda_item=motion.agenda_item, parent=motion, status=MotionStatus.CLOSED)
    with pytest.raises(DomainError, match="al gestemd"):
        services.remove_motion(motion, by=chair)
    # The board writes an adopted amendment into the motion before its vote.
    services.update_motion(motion, title=motion.title, text="Twintig bomen", by=chair)
    assert motion.text == "Twintig bomen"


def test_a_removal_sent_twice_says_it_is_done_already(client, login, coop, chair, draft):
    chair.user.locale = "en"
    first, second = agenda(draft, chair, "Opening", "Rondvraag")
    login(chair.user)
    url = f"{base(draft)}/items/{second.id}/remove"
    assert client.post(url).status_code == 302
    again = client.post(url, follow_redirects=True)  # the back button, a second tab
    assert again.status_code == 200
    assert "This was already removed." in text(again)
    assert [i.title for i in draft.items] == ["Opening"]


def test_taking_off_a_motion_members_could_read_asks_for_a_tick(client, login, coop, chair):
    motion = MotionFactory(agenda_item__assembly__cooperative=coop, title="Bankje")
    assembly, motion_id = motion.assembly, motion.id
    login(chair.user)
    url = f"{base(assembly)}/motions/{motion_id}"
    assert "Ja, haal het van de agenda: leden konden het al lezen" in text(
        client.get(f"{url}/edit")
    )
    refused = client.post(f"{url}/remove")
    assert refused.status_code == 422
    assert "Vink dit vakje aan om het van de agenda te halen." in text(refused)
    assert 'id="confirm-remove-error"' in text(refused)
    assert 'value="Bankje"' in text(refused)  # the edit form above still shows the motion
    assert db.session.get(Motion, motion_id) is not None
    response = client.post(f"{url}/remove", data={"confirm": "yes"}, follow_redirects=True)
    assert "“Bankje” staat niet meer op de agenda." in text(response)
    db.session.expire_all()
    assert db.session.get(Motion, motion_id) is None
    assert [e.data["title"] for e in events("motion.removed")] == ["Bankje"]


def test_a_motion_added_after_the_invitation_says_so(client, login, coop, chair):
    before = MotionFactory(agenda_item__assembly__cooperative=coop, title="Van tevoren")
    assembly = before.assembly
    assembly.convened_at = before.created_at + timedelta(seconds=1)
    later = MotionFactory(agenda_item=before.agenda_item, title="Later erbij")
    later.created_at = assembly.convened_at + timedelta(hours=2)
    db.session.flush()
    login(chair.user)
    page = text(client.get(base(assembly)))
    assert page.count("toegevoegd na de uitnodiging") == 1
    assert page.index("Later erbij") < page.index("toegevoegd na de uitnodiging")
    page = text(client.get(f"{base(assembly)}/motions/{later.id}"))
    assert "op de agenda gezet, nadat de uitnodiging was verstuurd." in page
    page = text(client.get(f"{base(assembly)}/motions/{before.id}"))
    assert "nadat de uitnodiging was verstuurd" not in page
    services.update_motion(before, title="Van tevoren", text="Anders", by=chair)
    minutes = text(client.get(f"{base(assembly)}/minutes"))
    assert "Later erbij (Gewoon besluit, toegevoegd na de uitnodiging)" in minutes
    assert "Van tevoren (Gewoon besluit, gewijzigd na de uitnodiging)" in minutes
