"""The assembly pages: the board convenes, members give proxies and vote, results show."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.assemblies import services
from coop.assemblies.models import (
    Assembly,
    AssemblyStatus,
    Ballot,
    Choice,
    DecisionKind,
    MotionStatus,
    Notice,
    Proxy,
    Vote,
)
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from tests.factories import (
    AgendaItemFactory,
    AssemblyFactory,
    MembershipFactory,
    MotionFactory,
    board_member,
)


def url(cooperative, path=""):
    return f"/c/{cooperative.slug}/assemblies{path}"


def election_data(motion, title, **fields):
    """The new-motion form for an election on the agenda item of ``motion``."""
    return {
        "item_id": motion.agenda_item_id,
        "parent_id": 0,
        "title": title,
        "decision_kind": "election",
        **fields,
    }


def test_board_plans_and_convenes_and_members_get_the_invitation(client, login, coop, mailbox):
    chair = board_member(coop, Function.CHAIR)
    members = [MembershipFactory(cooperative=coop) for _ in range(2)]
    MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)
    login(chair.user)
    starts = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT19:30")
    response = client.post(
        url(coop, "/new"),
        data={"title": "ALV najaar", "starts_at": starts, "place": "Buurthuis De Boog"},
    )
    assert response.status_code == 302
    assembly = db.session.scalar(select(Assembly).where(Assembly.cooperative_id == coop.id))
    base = url(coop, f"/{assembly.id}")
    assert (
        client.post(base + "/items", data={"title": "Opening", "kind": "information"}).status_code
        == 302
    )
    assert (
        client.post(base + "/items", data={"title": "Begroting", "kind": "decision"}).status_code
        == 302
    )
    page = client.get(base)
    assert "Begroting" in page.text
    item_id = assembly.items[1].id
    response = client.post(
        base + "/motions",
        data={
            "item_id": item_id,
            "parent_id": 0,
            "title": "Begroting 2027",
            "decision_kind": "ordinary",
        },
    )
    assert response.status_code == 302
    assert client.post(base + "/convene", data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).status is AssemblyStatus.CONVENED
    assert (
        db.session.scalar(select(func.count(Notice.id)).where(Notice.assembly_id == assembly.id))
        == 3
    )
    message = mailbox.last_to(members[0].user.email)
    assert "ALV" in message.get_body(("plain",)).get_content() or "Begroting" in str(message)
    attachments = [part for part in message.iter_attachments()]
    assert attachments
    assert attachments[0].get_content_type() == "text/calendar"
    assert attachments[0].get_content_charset() == "utf-8"  # names with ö and dashes
    ics = attachments[0].get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics
    assert "Buurthuis De Boog" in ics


def test_too_short_notice_gives_a_message_and_convenes_nothing(client, login, coop):
    chair = board_member(coop, Function.CHAIR)
    assembly = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, starts_at=utcnow() + timedelta(days=3)
    )
    AgendaItemFactory(assembly=assembly)
    login(chair.user)
    response = client.post(
        url(coop, f"/{assembly.id}/convene"), data={"confirm": "yes"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "notice period" in response.text.lower() or "oproepingstermijn" in response.text
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).status is AssemblyStatus.DRAFT


def test_rules_page_refuses_notice_below_seven_days(client, login, coop):
    login(board_member(coop, Function.CHAIR).user)
    assert client.get(url(coop, "/rules")).status_code == 200
    data = {
        "notice_days": 5,
        "max_proxies_per_holder": 1,
        "weighting": "per_member",
        "ordinary-majority": "more_than_half",
        "statutes-majority": "two_thirds",
        "dissolution-majority": "two_thirds",
        "dissolution-quorum_percent": 50,
        "election-majority": "more_than_half",
    }
    response = client.post(url(coop, "/rules"), data=data)
    assert response.status_code == 422
    assert services.governance(coop).id is None
    response = client.post(url(coop, "/rules"), data={**data, "notice_days": 21})
    assert response.status_code == 302
    assert services.governance(coop).notice_days == 21
    assert services.governance(coop).decision_rules["dissolution"]["quorum_percent"] == 50


@pytest.fixture
def session_open(coop):
    chair = board_member(coop, Function.CHAIR)
    members = [MembershipFactory(cooperative=coop) for _ in range(4)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    return chair, members, assembly, motion


def test_vote_flow_over_http_with_a_proxy(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    holder, grantor = members[0], members[1]
    base = url(coop, f"/{assembly.id}")
    login(grantor.user)
    assert client.post(base + "/proxy", data={"holder_number": grantor.number}).status_code == 422
    assert client.post(base + "/proxy", data={"holder_number": holder.number}).status_code == 302
    login(chair.user)
    page = client.get(base + "/attendance?q=" + str(holder.number))
    assert holder.name in page.text
    client.post(base + "/attendance", data={"membership_id": holder.id})
    login(holder.user)
    page = client.get(base + f"/motions/{motion.id}")
    assert f"Vote for {grantor.name}" in page.text or grantor.name in page.text
    response = client.post(base + f"/motions/{motion.id}/vote", data={"choice": "for"})
    assert response.status_code == 200
    receipt = re.search(r"<code>([A-Z0-9-]{14})</code>", response.text).group(1)
    response = client.post(
        base + f"/motions/{motion.id}/vote",
        data={"choice": "against", "on_behalf_of": str(grantor.id)},
    )
    assert response.status_code == 200
    # again: refused, nothing more recorded
    again = client.post(
        base + f"/motions/{motion.id}/vote", data={"choice": "for"}, follow_redirects=True
    )
    assert again.status_code == 200
    assert db.session.scalar(select(func.count(Vote.id))) == 2
    # tampered values
    bad = client.post(base + f"/motions/{motion.id}/vote", data={"choice": "ja"})
    assert bad.status_code == 422
    bad = client.post(
        base + f"/motions/{motion.id}/vote",
        data={"choice": "for", "on_behalf_of": "99999999999999999999"},
        follow_redirects=True,
    )
    assert bad.status_code == 200
    bad = client.post(
        base + f"/motions/{motion.id}/vote",
        data={"choice": "for", "on_behalf_of": str(members[2].id)},
        follow_redirects=True,
    )
    assert "valid proxy" in bad.text or "geldige volmacht" in bad.text
    assert db.session.scalar(select(func.count(Ballot.id))) == 2

    login(chair.user)
    assert client.post(base + f"/motions/{motion.id}/close").status_code == 302
    twice = client.post(base + f"/motions/{motion.id}/close", follow_redirects=True)
    assert twice.status_code == 200
    page = client.get(base + f"/motions/{motion.id}")
    assert "<svg" in page.text
    assert holder.name in page.text
    assert grantor.name in page.text
    assert receipt in page.text  # the counted ballots are published with their receipts
    decisions = client.get(url(coop, "/decisions"))
    assert motion.title in decisions.text
    projector = client.get(base + "/projector")
    assert 'http-equiv="refresh"' in projector.text
    assert db.session.scalar(select(func.count(Proxy.id))) == 1


def test_secret_receipt_is_published_after_the_close(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    motion.secret = True
    services.check_in(assembly, members[0], by=chair)
    db.session.flush()
    base = url(coop, f"/{assembly.id}")
    login(members[0].user)
    response = client.post(base + f"/motions/{motion.id}/vote", data={"choice": "against"})
    receipt = re.search(r"<code>([A-Z0-9-]{14})</code>", response.text).group(1)
    assert receipt not in client.get(base + f"/motions/{motion.id}").text
    services.close_vote(motion, by=chair)
    db.session.flush()
    page = client.get(base + f"/motions/{motion.id}")
    assert receipt in page.text
    assert db.session.scalar(select(Vote.choice)) is None
    assert db.session.scalar(select(Ballot.choice)) is Choice.AGAINST


def test_members_of_other_cooperatives_and_applicants_cannot_vote(
    client, login, coop, session_open
):
    chair, members, assembly, motion = session_open
    outsider = MembershipFactory()
    login(outsider.user)
    response = client.post(
        url(coop, f"/{assembly.id}/motions/{motion.id}/vote"), data={"choice": "for"}
    )
    assert response.status_code == 403
    suspended = MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)
    login(suspended.user)
    response = client.post(
        url(coop, f"/{assembly.id}/motions/{motion.id}/vote"), data={"choice": "for"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_paper_votes_beyond_the_room_are_refused(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    services.check_in(assembly, members[0], by=chair)
    db.session.flush()
    login(chair.user)
    path = url(coop, f"/{assembly.id}/motions/{motion.id}/paper")
    response = client.post(path, data={"paper_for": 5, "paper_against": 0, "paper_abstain": 0})
    assert response.status_code == 422
    response = client.post(path, data={"paper_for": 1, "paper_against": 0, "paper_abstain": 0})
    assert response.status_code == 302
    response = client.post(path, data={"paper_for": -1, "paper_against": 0, "paper_abstain": 0})
    assert response.status_code == 422


def test_unknown_ids_give_404_not_500(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    login(chair.user)
    assert client.get(url(coop, "/999999")).status_code == 404
    assert client.get(url(coop, f"/{assembly.id}/motions/99999999999")).status_code == 404
    other = MotionFactory()
    assert client.get(url(coop, f"/{assembly.id}/motions/{other.id}")).status_code == 404
    assert client.get(url(coop, f"/{other.assembly_id}")).status_code == 404


def test_minutes_show_attendance_proxies_and_decisions(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    services.check_in(assembly, members[0], by=chair)
    services.grant_proxy(assembly, members[1], holder_number=members[0].number, by=members[1])
    services.cast_vote(motion, voter=members[0], choice=Choice.FOR)
    services.close_vote(motion, by=chair)
    db.session.flush()
    login(members[2].user)
    page = client.get(url(coop, f"/{assembly.id}/minutes"))
    assert page.status_code == 200
    assert members[0].name in page.text
    assert (
        f"{members[0].name} votes for {members[1].name}" in page.text or "stemt voor" in page.text
    )
    assert motion.result.outcome_nl in page.text or motion.result.outcome_en in page.text


def test_reminder_the_day_before_goes_out_once(app, coop, mailbox):
    from datetime import datetime

    from coop.db import today

    member = MembershipFactory(cooperative=coop)
    tomorrow_evening = datetime.combine(
        today() + timedelta(days=1), datetime.min.time().replace(hour=19), tzinfo=services.AMSTERDAM
    )
    assembly = AssemblyFactory(cooperative=coop, starts_at=tomorrow_evening)
    AssemblyFactory(cooperative=coop, starts_at=tomorrow_evening + timedelta(days=2))
    db.session.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["coop", "assemblies", "remind"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) sent." in result.output
    assert assembly.reminded_at is not None
    assert mailbox.last_to(member.user.email)["Subject"].startswith(("Tomorrow", "Morgen"))
    again = runner.invoke(args=["coop", "assemblies", "remind"])
    assert "0 reminder(s) sent." in again.output


def test_minutes_and_decision_list_as_pdf(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    services.check_in(assembly, members[0], by=chair)
    services.cast_vote(motion, voter=members[0], choice=Choice.FOR)
    services.close_vote(motion, by=chair)
    db.session.flush()
    login(members[1].user)
    for path in (f"/{assembly.id}/minutes.pdf", "/decisions.pdf"):
        response = client.get(url(coop, path))
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.data.startswith(b"%PDF")


def test_election_over_http(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    login(chair.user)
    base = url(coop, f"/{assembly.id}")
    response = client.post(
        base + "/motions",
        data=election_data(motion, "Verkiezing voorzitter", secret="y"),
    )
    assert response.status_code == 302
    election = services.motions_of(assembly)[-1]
    path = base + f"/motions/{election.id}"
    assert client.post(path + "/candidates", data={"name": "Anna de Vries"}).status_code == 302
    assert client.post(path + "/candidates", data={"number": 99999}).status_code == 422
    assert client.post(path + "/open").status_code == 302
    services.check_in(assembly, members[0], by=chair)
    db.session.flush()
    login(members[0].user)
    page = client.get(path)
    assert "Anna de Vries" in page.text
    assert client.post(path + "/vote", data={"candidate": "12345"}).status_code == 422
    response = client.post(path + "/vote", data={"candidate": str(election.candidates[0].id)})
    assert response.status_code == 200
    receipt = re.search(r"<code>([A-Z0-9-]{14})</code>", response.text).group(1)
    login(chair.user)
    client.post(path + "/close")
    page = client.get(path)
    assert receipt in page.text
    assert "Anna de Vries" in page.text


def test_proxy_revoked_and_results_mail(client, login, coop, session_open, mailbox):
    chair, members, assembly, motion = session_open
    base = url(coop, f"/{assembly.id}")
    grantor, holder = members[1], members[0]
    proxy = services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    db.session.flush()
    login(holder.user)
    # only the grantor can withdraw
    client.post(base + f"/proxy/{proxy.id}/revoke")
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).status.value == "active"
    login(grantor.user)
    assert client.post(base + f"/proxy/{proxy.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).status.value == "revoked"
    assert mailbox.to(holder.user.email)
    services.check_in(assembly, holder, by=chair)
    services.cast_vote(motion, voter=holder, choice=Choice.FOR)
    db.session.flush()
    login(chair.user)
    ticked = {"confirm": "yes"}
    assert client.post(base + "/close", data=ticked).status_code == 302  # the vote is open
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).status is AssemblyStatus.IN_SESSION
    client.post(base + f"/motions/{motion.id}/close")
    # Closing is for good: without the tick the page asks for it, and nothing happens.
    refused = client.post(base + "/close")
    assert refused.status_code == 422
    assert "Vink dit vakje aan om de vergadering te sluiten." in html.unescape(refused.text)
    assert "Ja, sluit de vergadering nu" in html.unescape(refused.text)
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).status is AssemblyStatus.IN_SESSION
    assert client.post(base + "/close", data=ticked).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assembly, assembly.id).status is AssemblyStatus.CLOSED
    results = mailbox.last_to(members[3].user.email)
    assert motion.title in results.get_body(("plain",)).get_content()


def test_agenda_documents_are_pdfs_and_members_download_them(client, login, coop, mailbox):
    import io

    chair = board_member(coop, Function.CHAIR)
    member = MembershipFactory(cooperative=coop)
    assembly = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, starts_at=utcnow() + timedelta(days=20)
    )
    item = AgendaItemFactory(assembly=assembly, title="Jaarrekening")
    login(chair.user)
    base = url(coop, f"/{assembly.id}")
    path = base + f"/items/{item.id}/documents"
    pdf = b"%PDF-1.4\n% jaarrekening\n%%EOF\n"
    response = client.post(
        path, data={"file": (io.BytesIO(b"MZ not a pdf"), "virus.exe")}, follow_redirects=True
    )
    assert "Only PDF files" in response.text or "pdf" in response.text.lower()
    response = client.post(
        path, data={"file": (io.BytesIO(pdf), "jaar rekening 2026.pdf")}, follow_redirects=True
    )
    assert response.status_code == 200
    db.session.expire_all()
    documents = db.session.get(Assembly, assembly.id).items[0].documents
    assert [d.filename for d in documents] == ["jaar_rekening_2026.pdf"]
    client.post(base + "/convene", data={"confirm": "yes"})
    invitation = mailbox.last_to(member.user.email)
    link = f"http://localhost{base}/documents/{documents[0].id}"
    plain = invitation.get_body(("plain",)).get_content()
    assert f"jaar_rekening_2026.pdf: {link}" in plain
    html_body = invitation.get_body(("html",)).get_content()
    assert f'<a href="{link}">jaar_rekening_2026.pdf</a>' in html_body
    # The notice records the documents the invitation named.
    notice = db.session.scalar(select(Notice).where(Notice.membership_id == member.id))
    assert notice.agenda == [
        [item.position, "Jaarrekening", "decision", ["jaar_rekening_2026.pdf"]]
    ]
    login(member.user)
    download = client.get(link.removeprefix("http://localhost"))
    assert download.status_code == 200
    assert download.data == pdf
    assert download.headers["Content-Type"] == "application/pdf"
    assert client.get(base + "/documents/999999").status_code == 404


def test_proxy_with_voting_instructions_over_http(client, login, coop, session_open):
    from coop.assemblies.models import ProxyInstruction

    chair, members, assembly, motion = session_open
    holder, grantor, outsider = members[0], members[1], members[2]
    base = url(coop, f"/{assembly.id}")
    login(grantor.user)
    page = client.get(base)
    assert f'name="instruction-{motion.id}"' in page.text
    # tampered values: message at the field, nothing written
    bad = client.post(
        base + "/proxy",
        data={"holder_number": holder.number, f"instruction-{motion.id}": "ja"},
    )
    assert bad.status_code == 422
    assert f'id="instruction-{motion.id}-error"' in bad.text
    bad = client.post(
        base + "/proxy", data={"holder_number": holder.number, "instruction-999999": "for"}
    )
    assert bad.status_code == 422
    assert "Voor dit voorstel kun je geen steminstructie geven." in bad.text
    assert db.session.scalar(select(func.count(Proxy.id))) == 0
    response = client.post(
        base + "/proxy",
        data={"holder_number": holder.number, f"instruction-{motion.id}": "against"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(ProxyInstruction.choice)) is Choice.AGAINST
    mine = client.get(base).text
    assert f"{motion.title}: <strong>Tegen</strong>" in mine  # the grantor sees them
    login(chair.user)
    client.post(base + "/attendance", data={"membership_id": holder.id})
    client.post(base + "/attendance", data={"membership_id": outsider.id})
    login(outsider.user)
    assert grantor.name not in client.get(base + f"/motions/{motion.id}").text
    login(holder.user)
    page = client.get(base + f"/motions/{motion.id}")
    assert f"{grantor.name}: Tegen" in page.text or f"{grantor.name}: Against" in page.text
    refused = client.post(
        base + f"/motions/{motion.id}/vote",
        data={"choice": "for", "on_behalf_of": str(grantor.id)},
    )
    assert refused.status_code == 422  # at the choice of the grantor's form, picks kept
    grantor_form = refused.text.split(f'value="{grantor.id}"')[1].split("</form>")[0]
    assert 'class="error"' in grantor_form
    assert re.search(r'value="for" id="choice-\d+-for" checked', grantor_form)
    # The summary at the top of the form names whose vote it is, and links to it.
    summary = html.unescape(grantor_form.split('role="alert"')[1].split("</div>")[0])
    assert f'<a href="#choice">Stem voor {grantor.name} (volmacht)</a>' in summary
    assert '<fieldset class="field has-error" id="choice">' in grantor_form
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    ok = client.post(
        base + f"/motions/{motion.id}/vote",
        data={"choice": "against", "on_behalf_of": str(grantor.id)},
    )
    assert ok.status_code == 200
    assert db.session.scalar(select(Vote.choice)) is Choice.AGAINST


def test_minutes_adopted_at_the_next_assembly_over_http(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    previous = AssemblyFactory(
        cooperative=coop,
        status=AssemblyStatus.CLOSED,
        starts_at=assembly.starts_at - timedelta(days=120),
        title="ALV voorjaar",
    )
    login(chair.user)
    minutes_page = client.get(url(coop, f"/{previous.id}/minutes")).text
    assert "<strong>Concept</strong>" in minutes_page
    base = url(coop, f"/{assembly.id}")
    assert f'<option value="{previous.id}">ALV voorjaar' in client.get(base).text
    data = {
        "item_id": motion.agenda_item_id,
        "parent_id": 0,
        "title": "Notulen ALV voorjaar vaststellen",
        "decision_kind": "ordinary",
    }
    # tampered: not an assembly whose minutes can be adopted here
    bad = client.post(base + "/motions", data={**data, "adopts_minutes_of": assembly.id})
    assert bad.status_code == 422
    bad = client.post(
        base + "/motions",
        data={**data, "adopts_minutes_of": previous.id, "decision_kind": "statutes"},
    )
    assert bad.status_code == 422
    assert len(services.motions_of(assembly)) == 1
    ok = client.post(base + "/motions", data={**data, "adopts_minutes_of": previous.id})
    assert ok.status_code == 302
    adopt = services.motions_of(assembly)[-1]
    assert adopt.adopts_minutes_of_id == previous.id
    client.post(base + f"/motions/{motion.id}/close")
    assert client.post(base + f"/motions/{adopt.id}/open").status_code == 302
    for member in members[:2]:
        client.post(base + "/attendance", data={"membership_id": member.id})
    for member in members[:2]:
        login(member.user)
        client.post(base + f"/motions/{adopt.id}/vote", data={"choice": "for"})
    login(chair.user)
    client.post(base + f"/motions/{adopt.id}/close")
    adopted = services.adopted_minutes(previous)
    assert adopted is not None
    assert adopted.adopted_by_assembly_id == assembly.id
    minutes_page = client.get(url(coop, f"/{previous.id}/minutes")).text
    assert "<strong>Concept</strong>" not in minutes_page
    assert assembly.title in minutes_page
    assert client.get(url(coop, f"/{previous.id}/minutes.pdf")).status_code == 200


def test_election_with_two_seats_over_http(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    login(chair.user)
    base = url(coop, f"/{assembly.id}")
    data = election_data(motion, "Verkiezing bestuur", secret="y")
    assert client.post(base + "/motions", data={**data, "seats": 0}).status_code == 422
    assert client.post(base + "/motions", data={**data, "seats": "x"}).status_code == 422
    assert len(services.motions_of(assembly)) == 1
    assert client.post(base + "/motions", data={**data, "seats": 2}).status_code == 302
    election = services.motions_of(assembly)[-1]
    assert election.seats == 2
    path = base + f"/motions/{election.id}"
    for name in ("Anna de Vries", "Bram Jansen", "Cees Bakker"):
        client.post(path + "/candidates", data={"name": name})
    assert client.post(path + "/open").status_code == 302
    for member in members[:3]:
        services.check_in(assembly, member, by=chair)
    db.session.flush()
    anna, bram, cees = (str(c.id) for c in election.candidates)
    login(members[0].user)
    page = client.get(path)
    assert f'type="checkbox" name="candidates" value="{anna}"' in page.text
    assert client.post(path + "/vote", data={"candidates": [anna, bram, cees]}).status_code == 422
    assert client.post(path + "/vote", data={"candidates": [anna, "blank"]}).status_code == 422
    assert client.post(path + "/vote", data={"candidates": ["12345"]}).status_code == 422
    assert client.post(path + "/vote", data={}).status_code == 422
    assert db.session.scalar(select(func.count(Ballot.id))) == 0
    response = client.post(path + "/vote", data={"candidates": [anna, bram]})
    assert response.status_code == 200
    receipt = re.search(r"<code>([A-Z0-9-]{14})</code>", response.text).group(1)
    login(members[1].user)
    client.post(path + "/vote", data={"candidates": [anna, bram]})
    login(members[2].user)
    client.post(path + "/vote", data={"candidates": ["blank"]})
    assert db.session.scalar(select(func.count(Ballot.id))) == 5
    login(chair.user)
    client.post(path + "/close")
    db.session.refresh(election)
    elected = [c["name"] for c in election.result.candidates if c["elected"]]
    assert elected == ["Anna de Vries", "Bram Jansen"]
    page = client.get(path)
    assert page.text.count(receipt) == 2  # one counted ballot per pick


def test_the_proxy_form_explains_that_secret_votes_get_no_instruction(
    client, login, coop, session_open
):
    from coop.assemblies.models import ProxyInstruction

    chair, members, assembly, motion = session_open
    holder, grantor = members[0], members[1]
    secret = MotionFactory(agenda_item=motion.agenda_item, status=MotionStatus.OPEN, secret=True)
    base = url(coop, f"/{assembly.id}")
    for locale, words in (
        ("en", "These votes are secret, so you cannot give an instruction for them"),
        ("nl", "Deze stemmingen zijn geheim"),
    ):
        grantor.user.locale = locale
        db.session.flush()
        login(grantor.user)
        page = client.get(base).text
        assert words in page
        assert f'name="instruction-{motion.id}"' in page
        assert f'name="instruction-{secret.id}"' not in page
    # A tampered form with an instruction for the secret vote: message at that field.
    bad = client.post(
        base + "/proxy",
        data={"holder_number": holder.number, f"instruction-{secret.id}": "against"},
    )
    assert bad.status_code == 422
    assert f'id="instruction-{secret.id}-error"' in bad.text
    assert "Deze stemming is geheim" in bad.text
    assert db.session.scalar(select(func.count(Proxy.id))) == 0
    assert db.session.scalar(select(func.count(ProxyInstruction.id))) == 0


def test_pages_count_a_proxy_only_when_its_holder_is_checked_in(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    grantor, holder = members[0], members[1]
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    chair.user.locale = "en"
    db.session.flush()
    login(chair.user)
    base = url(coop, f"/{assembly.id}")
    note = f"{holder.name} is not checked in, so {grantor.name} is not represented yet"
    assert note in client.get(base + "/attendance").text
    assert "Represented by proxy: 0." in client.get(base + f"/motions/{motion.id}").text
    services.check_in(assembly, holder, by=chair)
    db.session.flush()
    assert note not in client.get(base + "/attendance").text
    assert "Represented by proxy: 1." in client.get(base + f"/motions/{motion.id}").text
    # The grantor comes after all: the board checks them in and is told the proxy ended.
    page = client.post(
        base + "/attendance", data={"membership_id": grantor.id}, follow_redirects=True
    ).text
    assert f"{grantor.name} is checked in." in page
    ended = (
        f"The proxy {grantor.name} gave to {holder.name} has ended: from now on {grantor.name} "
        "votes in person."
    )
    assert f"{ended}</p>" in html.unescape(page)  # no votes were cast with it
    assert "Represented by proxy: 0." in client.get(base + f"/motions/{motion.id}").text


def _tag(page: str, element_id: str) -> str:
    return re.search(rf'<input[^>]*\bid="{element_id}"[^>]*>', page).group(0)


def test_the_motion_form_makes_an_election_secret_unless_the_board_unchecks_it(
    client, login, coop, session_open
):
    chair, members, assembly, motion = session_open
    chair.user.locale = "en"
    db.session.flush()
    login(chair.user)
    base = url(coop, f"/{assembly.id}")
    page = client.get(base).text
    # The blank form shows an ordinary decision: open unless the box is checked.
    assert "checked" not in _tag(page, "secret")
    assert 'value="ordinary"' in _tag(page, "secret_shown_for")
    assert "A vote on persons (an election) is secret, unless you uncheck this box." in page
    assert "js/motion-form.js" in page
    data = election_data(motion, "Verkiezing voorzitter", secret_shown_for="ordinary")
    # Without JavaScript the box still showed the ordinary setting when the board chose
    # an election: the form comes back with the box checked, nothing is added.
    again = client.post(base + "/motions", data=data)
    assert again.status_code == 422
    assert "this box now shows what is usual for it" in again.text
    assert "checked" in _tag(again.text, "secret")
    assert 'value="election"' in _tag(again.text, "secret_shown_for")
    assert len(services.motions_of(assembly)) == 1
    # Checked (as usual for an election): a secret election.
    assert client.post(base + "/motions", data={**data, "secret": "y"}).status_code == 302
    assert services.motions_of(assembly)[-1].secret
    # Unchecked on a form that showed the election's setting: the board chose an open vote.
    open_data = {**data, "secret_shown_for": "election", "title": "Open verkiezing"}
    assert client.post(base + "/motions", data=open_data).status_code == 302
    election = services.motions_of(assembly)[-1]
    assert (election.title, election.secret) == ("Open verkiezing", False)
    # An ordinary decision stays open unless the box is checked.
    ordinary = {**data, "decision_kind": "ordinary", "title": "Begroting"}
    assert client.post(base + "/motions", data=ordinary).status_code == 302
    assert not services.motions_of(assembly)[-1].secret
    # An open election for more seats is refused at the box.
    seats = {**open_data, "seats": 2, "title": "Bestuur"}
    refused = client.post(base + "/motions", data=seats)
    assert refused.status_code == 422
    assert 'id="secret-error"' in refused.text
    chair.user.locale = "nl"
    db.session.flush()
    page = client.get(base).text
    assert "Een stemming over personen (een verkiezing) is geheim" in page


def test_an_open_election_over_http(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    login(chair.user)
    base = url(coop, f"/{assembly.id}")
    data = election_data(motion, "Verkiezing penningmeester", secret_shown_for="election")
    assert client.post(base + "/motions", data=data).status_code == 302
    election = services.motions_of(assembly)[-1]
    assert not election.secret
    path = base + f"/motions/{election.id}"
    for name in ("Anna de Vries", "Bram Jansen"):
        client.post(path + "/candidates", data={"name": name})
    # A member giving a proxy reads that an election gets no voting instruction.
    members[3].user.locale = "en"
    db.session.flush()
    login(members[3].user)
    proxy_form = client.get(base).text.split('id="open-elections"')[1].split("</div>")[0]
    assert "You cannot give an instruction for an election" in proxy_form
    assert "Verkiezing penningmeester" in proxy_form
    login(chair.user)
    assert client.post(path + "/open").status_code == 302
    for member in members[:3]:
        services.check_in(assembly, member, by=chair)
    db.session.flush()
    anna, bram = (str(c.id) for c in election.candidates)
    for member, pick in zip(members[:3], (anna, anna, "blank"), strict=True):
        login(member.user)
        assert client.post(path + "/vote", data={"candidate": pick}).status_code == 200
    login(chair.user)
    assert client.post(path + "/close").status_code == 302
    login(members[3].user)
    page = client.get(path).text
    assert "open: after the vote everyone sees who voted what" in page
    assert "elected: Anna de Vries with 2 of the 2 votes cast" in page
    who = page.split("Who voted what</h3>")[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", who)
    assert sorted(rows) == sorted(
        [
            (members[0].name, "Anna de Vries"),
            (members[1].name, "Anna de Vries"),
            (members[2].name, "Blank vote"),
        ]
    )


def test_the_projector_shows_the_votes_per_candidate_of_an_election(
    client, login, coop, session_open
):
    chair, members, assembly, motion = session_open
    services.close_vote(motion, by=chair)  # the screen shows an open vote first
    election = services.add_motion(
        assembly,
        item=motion.agenda_item,
        title="Verkiezing penningmeester",
        text="",
        decision_kind=DecisionKind.ELECTION,
        by=chair,
    )
    anna, bram = (
        services.add_candidate(election, name=name, number=None, by=chair)
        for name in ("Anna de Vries", "Bram Jansen")
    )
    services.open_vote(election, by=chair)
    for member in members:
        services.check_in(assembly, member, by=chair)
    for member, candidate in zip(members, (anna, anna, bram, None), strict=True):
        services.cast_vote(
            election,
            voter=member,
            choice=Choice.FOR if candidate else Choice.ABSTAIN,
            candidate_id=candidate.id if candidate else None,
        )
    services.close_vote(election, by=chair)
    members[0].user.locale = "en"
    db.session.flush()
    login(members[0].user)
    page = client.get(url(coop, f"/{assembly.id}/projector")).text
    chart = re.search(r'<svg class="bars".*?</svg>', page, re.S).group(0)
    assert 'aria-label="Votes per candidate"' in chart
    labels_and_votes = re.findall(r">([^<>]+)</text>", chart)
    # Per row its label and then its number: the candidates in order of votes, then blank.
    assert labels_and_votes == [
        "Anna de Vries (elected)",
        "2",
        "Bram Jansen",
        "1",
        "Blank vote",
        "1",
    ]
    assert "For</text>" not in chart
    assert "Against" not in page
    table = page.split('<caption class="visually-hidden">Votes per candidate</caption>')[1]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(\d+)</td><td>([^<]*)</td></tr>", table)
    assert rows == [
        ("Anna de Vries", "2", "yes"),
        ("Bram Jansen", "1", ""),
        ("Blank vote", "1", ""),
    ]
    assert "elected: Anna de Vries with 2 of the 3 votes cast" in page
    members[0].user.locale = "nl"
    db.session.flush()
    assert "Anna de Vries (gekozen)" in client.get(url(coop, f"/{assembly.id}/projector")).text


def test_a_grantor_who_checks_in_online_is_told_the_proxy_ended(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    grantor, holder = members[0], members[1]
    settings = services.governance(coop)
    settings.electronic_participation = True
    db.session.add(settings)
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.check_in(assembly, holder, by=chair)
    services.cast_vote(motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    db.session.flush()
    login(grantor.user)
    page = html.unescape(
        client.post(url(coop, f"/{assembly.id}/check-in"), follow_redirects=True).text
    )
    assert "Je bent aanwezig gemeld." in page
    assert (
        f"Je volmacht aan {holder.name} is beëindigd: vanaf nu stem je zelf. De stemmen die "
        f"{holder.name} er al mee uitbracht, blijven tellen."
    ) in page
    assert services.active_proxies(assembly, grantor=grantor) == []


def test_online_check_in_is_offered_on_the_day_and_warns_a_member_who_gave_a_proxy(
    client, login, coop
):
    grantor, holder = MembershipFactory(cooperative=coop), MembershipFactory(cooperative=coop)
    settings = services.governance(coop)
    settings.electronic_participation = True
    db.session.add(settings)
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CONVENED)  # in 21 days
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    db.session.flush()
    login(grantor.user)
    check_in = f'action="{url(coop, f"/{assembly.id}/check-in")}"'
    page = html.unescape(client.get(url(coop, f"/{assembly.id}")).text)
    on_the_day = "Op de dag van de vergadering kun je je hier aanwezig melden om online mee te doen"
    assert on_the_day in page
    assert check_in not in page
    assembly.starts_at = utcnow()
    db.session.flush()
    page = html.unescape(client.get(url(coop, f"/{assembly.id}")).text)
    assert check_in in page
    # Below the button: checking in ends the proxy (said once).
    assert f"{holder.name} heeft jouw volmacht. Die vervalt als je je aanwezig meldt." in page
    assembly.starts_at = utcnow() + timedelta(days=21)
    db.session.flush()
    response = client.post(url(coop, f"/{assembly.id}/check-in"), follow_redirects=True)
    assert "Je kunt je op de dag van de vergadering online aanwezig melden." in html.unescape(
        response.text
    )
    assert services.attendance_of(assembly, grantor) is None


def test_a_document_added_after_the_invitation_is_marked_on_the_agenda(client, login, coop):
    chair = board_member(coop, Function.CHAIR)
    assembly = AssemblyFactory(
        cooperative=coop,
        status=AssemblyStatus.CONVENED,
        convened_at=utcnow() - timedelta(hours=1),
    )
    item = AgendaItemFactory(assembly=assembly)
    pdf = b"%PDF-1.4\n%%EOF\n"
    sent = services.add_document(item, filename="begroting.pdf", data=pdf, by=chair)
    sent.uploaded_at = assembly.convened_at - timedelta(days=1)
    services.add_document(item, filename="nagekomen.pdf", data=pdf + b"x", by=chair)
    db.session.flush()
    login(chair.user)
    page = html.unescape(client.get(url(coop, f"/{assembly.id}")).text)
    assert 'begroting.pdf</a> <span class="muted">(PDF)</span>' in page
    assert (
        'nagekomen.pdf</a> <span class="muted">(PDF, toegevoegd na de uitnodiging)</span>' in page
    )


def test_a_grantor_not_checked_in_reads_who_votes_for_them_and_the_list_names_the_holder(
    client, login, coop, session_open
):
    chair, members, assembly, motion = session_open
    grantor, holder, voter = members[0], members[1], members[2]
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    for person in (chair, holder, voter, members[3]):
        services.check_in(assembly, person, by=chair)
    db.session.flush()
    page_url = url(coop, f"/{assembly.id}/motions/{motion.id}")
    login(grantor.user)
    page = html.unescape(client.get(page_url).text)
    assert (
        f"{holder.name} heeft je volmacht: als {holder.name} aanwezig is, stemt die voor jou. "
        "Wil je toch zelf stemmen? Meld je dan aanwezig; je volmacht vervalt dan."
    ) in page
    login(chair.user)
    services.cast_vote(motion, voter=holder, choice=Choice.AGAINST, on_behalf_of=grantor)
    services.cast_vote(motion, voter=voter, choice=Choice.FOR)
    services.set_paper_votes(motion, for_=1, against=1, abstain=0, by=chair)  # the two others
    services.close_vote(motion, by=chair)
    db.session.flush()
    page = html.unescape(client.get(page_url).text)
    assert (
        f'<td>{grantor.name} <span class="muted">(uitgebracht door {holder.name} met een '
        "volmacht)</span></td>"
    ) in page
    assert f"<td>{voter.name}</td>" in page
    assert (
        "2 stemmen zijn op papier uitgebracht in de zaal; deze lijst zegt niet wie die uitbrachten."
    ) in page


def test_a_member_not_checked_in_is_shown_where_to_check_in(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    page_url = url(coop, f"/{assembly.id}/motions/{motion.id}")
    login(chair.user)  # the chair, not checked in: to the attendance list
    page = client.get(page_url).text
    assert f'<a href="{url(coop, f"/{assembly.id}/attendance")}">Naar de presentielijst</a>' in page
    settings = services.governance(coop)
    settings.electronic_participation = True
    db.session.add(settings)
    db.session.flush()
    login(members[3].user)
    page = client.get(page_url).text
    assert (
        f'<a href="{url(coop, f"/{assembly.id}")}#proxy">Meld je aanwezig op de pagina van de '
        "vergadering</a>"
    ) in page


def test_the_proxy_form_says_where_to_find_a_member_number(client, login, coop):
    member = MembershipFactory(cooperative=coop)
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CONVENED)
    login(member.user)
    page = html.unescape(client.get(url(coop, f"/{assembly.id}")).text)
    assert (
        "Vraag het lid naar het lidnummer: dat staat op de pagina 'Mijn gegevens'. Leden in de "
        "ledenlijst hebben hun nummer daar."
    ) in page


def test_the_board_takes_back_a_check_in_from_the_attendance_list(
    client, login, coop, session_open
):
    chair, members, assembly, motion = session_open
    wrong = members[3]
    services.grant_proxy(assembly, wrong, holder_number=members[2].number, by=wrong)
    services.check_in(assembly, chair, by=chair)
    services.check_in(assembly, wrong, by=chair)  # ends the proxy
    db.session.flush()
    login(chair.user)
    attendance = url(coop, f"/{assembly.id}/attendance")
    page = html.unescape(client.get(attendance).text)
    assert "Nog niemand is aanwezig gemeld." not in page
    undo = url(coop, f"/{assembly.id}/attendance/{wrong.number}/undo")
    assert f'action="{undo}"' in page
    assert f"Haal {wrong.name} van de presentielijst" in page
    page = html.unescape(client.post(undo, follow_redirects=True).text)
    assert f"{wrong.name} staat niet meer op de presentielijst." in page
    assert (
        f"De volmacht die {wrong.name} aan {members[2].name} gaf, verviel toen {wrong.name} "
        f"aanwezig werd gemeld, en blijft vervallen. {wrong.name} kan een nieuwe volmacht geven."
    ) in page
    assert f'action="{undo}"' not in page
    assert services.attendance_of(assembly, wrong) is None
    services.undo_check_in(assembly, chair, by=chair)
    db.session.flush()
    page = html.unescape(client.get(attendance).text)
    assert "Nog niemand is aanwezig gemeld." in page  # not an empty table
    assert "<table>" not in page.split("Proxies")[0].split("Volmachten")[0]
    login(wrong.user)  # not the board
    assert client.post(undo).status_code == 403


def test_the_dashboard_shows_the_coming_assembly(client, login, coop):
    member = MembershipFactory(cooperative=coop)
    coming = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CONVENED, title="Najaars-ALV")
    AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT, title="Concept-ALV")
    AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED, title="Oude ALV")
    db.session.flush()
    login(member.user)
    page = html.unescape(client.get(f"/c/{coop.slug}/dashboard").text)
    assert "Ledenvergadering op " in page
    assert "Najaars-ALV" in page
    link = "Naar de vergadering: de agenda, stemmen en volmachten"
    assert f'<a href="{url(coop, f"/{coming.id}")}">{link}</a>' in page
    assert "Concept-ALV" not in page
    assert "Oude ALV" not in page
    sooner = AssemblyFactory(cooperative=coop, status=AssemblyStatus.CONVENED, title="Winter-ALV")
    sooner.starts_at = coming.starts_at - timedelta(days=1)  # sooner, but not in session
    coming.status = AssemblyStatus.IN_SESSION
    db.session.flush()
    page = html.unescape(client.get(f"/c/{coop.slug}/dashboard").text)
    assert "De ledenvergadering is nu bezig" in page
    assert page.index("Najaars-ALV") < page.index("Winter-ALV")  # the one in session first


def test_a_member_finds_their_receipt_in_the_published_list(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    motion.secret = True
    voter = members[0]
    services.check_in(assembly, voter, by=chair)
    receipt = services.cast_vote(motion, voter=voter, choice=Choice.AGAINST)
    services.close_vote(motion, by=chair)
    db.session.flush()
    login(voter.user)
    page_url = url(coop, f"/{assembly.id}/motions/{motion.id}")
    typed = receipt.replace("-", " ").lower()  # as written down: spaces, small letters
    find = page_url + "/receipt"
    assert f'method="post" action="{find}#receipt-found"' in html.unescape(
        client.get(page_url).text
    )
    page = html.unescape(client.post(find, data={"receipt": typed}).text)
    assert f"Je code {receipt} staat in de lijst met getelde stembiljetten, met: Tegen." in page
    assert f'<tr class="found"><td><code>{receipt}</code></td>' in page
    page = html.unescape(client.post(find, data={"receipt": "ABCD-EFGH-JKLM"}).text)
    assert "Deze code staat niet in de lijst." in page
    assert 'class="found"' not in page


def test_the_attendance_search_says_a_check_in_ends_a_proxy(client, login, coop, session_open):
    chair, members, assembly, motion = session_open
    grantor, holder = members[0], members[1]
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    db.session.flush()
    login(chair.user)
    attendance = url(coop, f"/{assembly.id}/attendance")
    page = html.unescape(client.get(attendance, query_string={"q": grantor.name}).text)
    assert (
        f"{grantor.name} gaf een volmacht aan {holder.name}. Als je {grantor.name} aanwezig meldt, "
        f"vervalt die: dan stemt {grantor.name} zelf."
    ) in page
    services.close_vote(motion, by=chair)
    services.close_session(assembly, by=chair)
    db.session.flush()
    page = html.unescape(client.get(attendance).text)
    assert "De vergadering is gesloten. Dit is de presentielijst zoals die was." in page
    assert "Leden kunnen zich aanwezig melden als" not in page
