"""Statutes pages: the board's draft with its generated form and preview, proposal, deed;
the statutes in force for members and applicants; documents; tenant isolation."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document as Docx
from flask_babel import force_locale
from sqlalchemy import select

from coop.assemblies.models import AgendaDocument, AssemblyStatus, DecisionKind, ItemKind, Motion
from coop.db import today
from coop.extensions import db
from coop.statutes import documents, schema, services
from coop.statutes.models import Statutes, StatutesStatus
from tests.capital.test_buying import pdf_text
from tests.factories import (
    AgendaItemFactory,
    AssemblyFactory,
    CooperativeFactory,
    board_member,
)
from tests.mailcapture import text_of
from tests.statutes.conftest import vote_on


def _draft(coop, version):
    return services.start_draft(coop.cooperative, template_version=version, by=coop.chair)


def _form(statutes, **overrides):
    data = {}
    for key, value in {**statutes.parameters, **overrides}.items():
        if isinstance(value, bool):
            if value:
                data[key] = "y"
        elif isinstance(value, list):
            data[key] = value
        else:
            data[key] = "" if value is None else str(value)
    return data


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_board_fills_in_previews_and_saves(client, login, coop, test_version):
    draft = _draft(coop, test_version)
    login(coop.chair.user)
    url = f"/c/{coop.cooperative.slug}/statutes/{draft.id}/edit"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="majority_ordinary"' in page.text
    assert "Meerderheid" in page.text or "Majority" in page.text

    data = _form(draft, majority_ordinary="3/4", action="preview")
    preview = client.post(url, data=data)
    assert preview.status_code == 200
    assert "ten minste drie vierde" in _text(preview.text)
    db.session.refresh(draft)
    assert draft.parameters["majority_ordinary"] == "1/2"  # a preview saves nothing

    saved = client.post(url, data={**data, "action": "save"})
    assert saved.status_code == 302
    db.session.refresh(draft)
    assert draft.parameters["majority_ordinary"] == "3/4"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("majority_ordinary", "1/3", "ten minste de helft"),
        ("notice_days", "6", "ten minste 7 dagen"),
        ("quorum_statutes", "101", "van 0 tot en met 100"),
        ("name", "", "Vul dit in"),
    ],
)
def test_bad_values_show_at_their_field_and_keep_what_was_typed(
    client, login, coop, test_version, field, value, message
):
    draft = _draft(coop, test_version)
    login(coop.chair.user)
    url = f"/c/{coop.cooperative.slug}/statutes/{draft.id}/edit"
    response = client.post(url, data=_form(draft, **{field: value}, action="save"))
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error">([^<]*)<', response.text)
    assert error, response.text
    assert message.lower() in error[1].lower()
    if value:
        assert f'value="{value}"' in response.text
    db.session.refresh(draft)
    assert draft.parameters[field] != value


def test_missing_member_kinds_are_refused(client, login, coop, test_version):
    draft = _draft(coop, test_version)
    login(coop.chair.user)
    data = _form(draft, action="save")
    data.pop("member_kinds")
    response = client.post(f"/c/{coop.cooperative.slug}/statutes/{draft.id}/edit", data=data)
    assert response.status_code == 422
    assert 'id="member_kinds-error"' in response.text


def test_a_script_in_a_value_is_shown_as_text(client, login, coop, test_version):
    draft = _draft(coop, test_version)
    services.update_draft(
        draft, {**draft.parameters, "name": "<script>alert(1)</script> {{ config }}"}, by=coop.chair
    )
    login(coop.chair.user)
    page = client.get(f"/c/{coop.cooperative.slug}/statutes/{draft.id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ config }}" in page.text
    assert "SECRET_KEY" not in page.text


def test_propose_puts_a_statutes_motion_with_the_comparison_on_the_agenda(
    client, login, coop, test_version
):
    first = _draft(coop, test_version)
    vote_on(first, coop, for_=5, against=0)
    services.record_deed(first, deed_on=today(), by=coop.chair)
    draft = _draft(coop, test_version)
    services.update_draft(draft, {**draft.parameters, "notice_days": 21}, by=coop.chair)
    assembly = AssemblyFactory(cooperative=coop.cooperative, status=AssemblyStatus.CONVENED)
    item = AgendaItemFactory(assembly=assembly, kind=ItemKind.DECISION, title="Statuten")
    login(coop.chair.user)
    response = client.post(
        f"/c/{coop.cooperative.slug}/statutes/{draft.id}/propose",
        data={"agenda_item_id": item.id, "title": "Nieuwe statuten"},
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.status is StatutesStatus.PROPOSED
    motion = db.session.get(Motion, draft.motion_id)
    assert motion.decision_kind is DecisionKind.STATUTES
    assert motion.agenda_item_id == item.id
    document = db.session.scalar(
        select(AgendaDocument).where(AgendaDocument.agenda_item_id == item.id)
    )
    text = " ".join(pdf_text(document.content).split())
    assert "14 dagen" in text
    assert "21 dagen" in text
    assert "(gewijzigd)" in text
    assert text.count("(gewijzigd)") == 1  # only the assembly article changed
    assert "(ongewijzigd)" in text

    # Withdrawn, the proposal leaves the agenda with its comparison document.
    agenda = f"/c/{coop.cooperative.slug}/assemblies/{assembly.id}"
    assert "Nieuwe statuten" in client.get(agenda).text
    response = client.post(f"/c/{coop.cooperative.slug}/statutes/{draft.id}/withdraw")
    assert response.status_code == 302
    page = client.get(agenda).text
    assert "Nieuwe statuten" not in page
    assert document.filename not in page
    assert db.session.scalar(select(Motion.id).where(Motion.id == motion.id)) is None


def test_propose_to_another_cooperatives_agenda_is_refused(client, login, coop, test_version):
    draft = _draft(coop, test_version)
    foreign = AgendaItemFactory(kind=ItemKind.DECISION)
    login(coop.chair.user)
    response = client.post(
        f"/c/{coop.cooperative.slug}/statutes/{draft.id}/propose",
        data={"agenda_item_id": foreign.id, "title": "Nieuwe statuten"},
    )
    assert response.status_code == 422
    db.session.refresh(draft)
    assert draft.status is StatutesStatus.DRAFT


def test_deed_date_through_the_page_puts_statutes_in_force(
    client, login, coop, test_version, mailbox
):
    draft = _draft(coop, test_version)
    vote_on(draft, coop, for_=5, against=0)
    login(coop.chair.user)
    response = client.post(
        f"/c/{coop.cooperative.slug}/statutes/{draft.id}/deed",
        data={"deed_on": today().isoformat()},
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.status is StatutesStatus.IN_FORCE
    member = coop.members[0]
    message = mailbox.last_to(member.user.email)
    assert "statuten" in message["Subject"]
    assert f"/c/{coop.cooperative.slug}/statutes/current" in text_of(message)
    assert len(mailbox.to(coop.chair.user.email)) == 1
    rules = client.get(f"/c/{coop.cooperative.slug}/assemblies/rules")
    assert "komen uit de statuten" in rules.text
    assert "disabled" in rules.text
    blocked = client.post(f"/c/{coop.cooperative.slug}/assemblies/rules", data={})
    assert blocked.status_code == 302


def test_members_and_applicants_read_the_statutes_in_force(client, login, coop, test_version):
    slug = coop.cooperative.slug
    empty = client.get(f"/c/{slug}/statutes/current")
    assert empty.status_code == 200
    assert "nog geen geldende statuten" in empty.text
    draft = _draft(coop, test_version)
    services.update_draft(draft, {**draft.parameters, "seat": "Nieuwegein"}, by=coop.chair)
    vote_on(draft, coop, for_=5, against=0)
    services.record_deed(draft, deed_on=today(), by=coop.chair)
    page = client.get(f"/c/{slug}/statutes/current")  # not signed in: an applicant
    assert "Artikel 1 — Naam en zetel" in page.text
    assert "Nieuwegein" in page.text
    pdf = client.get(f"/c/{slug}/statutes/current.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert "Nieuwegein" in pdf_text(pdf.data)
    assert f"/c/{slug}/statutes/current" in client.get(f"/c/{slug}/members/apply/bewoner").text
    login(coop.members[0].user)
    assert f"/c/{slug}/statutes/current" in client.get(f"/c/{slug}/members/me").text


def test_compare_page_marks_the_changed_article(client, login, coop, test_version):
    first = _draft(coop, test_version)
    vote_on(first, coop, for_=5, against=0)
    services.record_deed(first, deed_on=today(), by=coop.chair)
    second = _draft(coop, test_version)
    services.update_draft(second, {**second.parameters, "majority_ordinary": "3/4"}, by=coop.chair)
    login(coop.chair.user)
    page = client.get(f"/c/{coop.cooperative.slug}/statutes/compare?a={first.id}&b={second.id}")
    assert page.status_code == 200
    assert page.text.count("(gewijzigd)") == 1
    assert "<ins>ten minste drie vierde" in page.text


def test_board_of_another_cooperative_cannot_reach_a_draft(client, login, coop, test_version):
    draft = _draft(coop, test_version)
    other = CooperativeFactory()
    other_chair = board_member(other)
    login(other_chair.user)
    # Through its own cooperative's URL: not found; through ours: forbidden.
    for path in ("", "/edit", "/statuten.pdf", "/statuten.docx"):
        assert client.get(f"/c/{other.slug}/statutes/{draft.id}{path}").status_code == 404
        assert (
            client.get(f"/c/{coop.cooperative.slug}/statutes/{draft.id}{path}").status_code == 403
        )
    response = client.post(
        f"/c/{other.slug}/statutes/{draft.id}/edit", data=_form(draft, name="Overgenomen")
    )
    assert response.status_code == 404
    db.session.refresh(draft)
    assert draft.parameters["name"] != "Overgenomen"
    compare = client.get(f"/c/{other.slug}/statutes/compare?a={draft.id}&b={draft.id}")
    assert compare.status_code == 200
    assert "Artikel" not in compare.text


def test_publish_and_start_from_shared_statutes(client, login, coop, test_version):
    draft = _draft(coop, test_version)
    vote_on(draft, coop, for_=5, against=0)
    services.record_deed(draft, deed_on=today(), by=coop.chair)
    login(coop.chair.user)
    response = client.post(
        f"/c/{coop.cooperative.slug}/statutes/{draft.id}/publish", data={"summary": "Onze"}
    )
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.knowledge_item_id is not None
    item_page = client.get(response.headers["Location"])
    assert f"/c/{coop.cooperative.slug}/statutes/current" in item_page.text

    other = CooperativeFactory()
    other_chair = board_member(other)
    login(other_chair.user)
    index = client.get(f"/c/{other.slug}/statutes/")
    assert coop.cooperative.name in index.text
    started = client.post(
        f"/c/{other.slug}/statutes/new-from-shared", data={"based_on_id": draft.id}
    )
    assert started.status_code == 302
    copy = db.session.scalar(select(Statutes).where(Statutes.cooperative_id == other.id))
    assert copy.based_on_item_id == draft.knowledge_item_id


# Documents: every template of the library with its defaults --------------------------------


def _chosen(version):
    values = schema.defaults(version.defaults)
    values.update(
        name="Buurtcoöperatie Kanaleneiland",
        seat="Utrecht",
        purpose="Wij zorgen samen voor groen en ontmoeting in de wijk.",
        notice_days=17,
        majority_statutes="3/4",
    )
    return values


def test_every_template_renders_in_html_pdf_and_docx(client, login, coop, library):
    assert {"buurtcooperatie", "stadscooperatie"} <= set(library)
    login(coop.chair.user)
    for slug, version in library.items():
        statutes = Statutes(
            cooperative_id=coop.cooperative.id,
            number=99,
            template_version_id=version.id,
            parameters=services.check_parameters(_chosen(version)),
            status=StatutesStatus.DRAFT,
        )
        db.session.add(statutes)
        db.session.flush()
        html = client.get(f"/c/{coop.cooperative.slug}/statutes/{statutes.id}").text
        assert "Artikel 1 — " in html, slug
        with force_locale("nl"):
            pdf = " ".join(pdf_text(documents.statutes_pdf(statutes, "nl")).split())
            docx_file = Docx(io.BytesIO(documents.statutes_docx(statutes, "nl")))
            english = documents.statutes_pdf(statutes, "en")
        docx_text = " ".join(" ".join(p.text for p in docx_file.paragraphs).split())
        for text in (pdf, docx_text):
            assert "Buurtcoöperatie Kanaleneiland" in text, slug
            assert "Utrecht" in text, slug
            assert "17 dagen" in text, slug
            assert "ten minste drie vierde" in text, slug
            assert "Artikel 1 — " in text, slug
        assert "17 days" in " ".join(pdf_text(english).split()), slug
        db.session.delete(statutes)
        db.session.flush()
