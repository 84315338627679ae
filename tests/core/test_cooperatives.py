"""Creating and editing cooperatives: platform admin, board, audit chain."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from coop import audit
from coop.audit import AuditEvent
from coop.core import services
from coop.core.forms import parse_postcode_ranges
from coop.core.models import Cooperative, LegalForm
from coop.errors import DomainError
from coop.extensions import db
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory, board_member


def form_data(**overrides) -> dict:
    data = {
        "slug": "zuilen",
        "name": "Buurtcoöperatie Zuilen",
        "legal_form": "BA",
        "kvk_number": "8765 4321",
        "seat": "Utrecht",
        "wijk": "Zuilen",
        "parent_id": "0",
        "founded_on": "2023-05-17",
        "fy_start_month": "7",
        "postcode_ranges": "3551-3554, 3581",
        "purpose": "Samen zonnepanelen op de daken.",
        "joining_info": "Vul het formulier in.",
        "contact_email": "bestuur@zuilen.example.org",
    }
    data.update(overrides)
    return data


def events_of(cooperative, action=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.scope == f"coop:{cooperative.id}")
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.seq)).all()


def by_slug(slug: str) -> Cooperative | None:
    return db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))


def field_error(body: str, field: str) -> str:
    """The text of the error paragraph tied to a field, or ''."""
    marker = f'<p class="error" id="{field}-error">'
    start = body.find(marker)
    if start < 0:
        return ""
    return body[start + len(marker) : body.index("</p>", start)]


@pytest.fixture
def admin(login):
    user = UserFactory(is_platform_admin=True)
    login(user)
    return user


# Creating ---------------------------------------------------------------------------------


def test_platform_admin_creates_cooperative_with_all_fields(client, admin):
    city = CooperativeFactory(slug="utrecht", name="Stadscoöperatie Utrecht")

    response = client.post("/admin/cooperatives/new", data=form_data(parent_id=str(city.id)))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/zuilen/")
    coop = by_slug("zuilen")
    assert coop.name == "Buurtcoöperatie Zuilen"
    assert coop.legal_form is LegalForm.BA
    assert coop.kvk_number == "87654321"
    assert coop.seat == "Utrecht"
    assert coop.wijk == "Zuilen"
    assert coop.parent is city
    assert coop.founded_on == date(2023, 5, 17)
    assert coop.fy_start_month == 7
    assert coop.postcode_ranges == [[3551, 3554], [3581, 3581]]
    assert coop.purpose == "Samen zonnepanelen op de daken."
    assert coop.joining_info == "Vul het formulier in."
    assert coop.contact_email == "bestuur@zuilen.example.org"

    page = client.get("/c/zuilen/")
    assert page.status_code == 200
    assert "Buurtcoöperatie Zuilen" in page.text
    assert "3551-3554, 3581" in page.text


def test_optional_fields_may_stay_empty(client, admin):
    response = client.post(
        "/admin/cooperatives/new",
        data=form_data(
            kvk_number="",
            wijk="",
            founded_on="",
            postcode_ranges="",
            purpose="",
            joining_info="",
            contact_email="",
        ),
    )

    assert response.status_code == 302
    coop = by_slug("zuilen")
    assert coop.kvk_number is None
    assert coop.contact_email is None
    assert coop.parent_id is None
    assert coop.founded_on is None
    assert coop.postcode_ranges == []


def test_create_writes_audit_event_in_the_cooperatives_chain(client, admin):
    client.post("/admin/cooperatives/new", data=form_data())

    coop = by_slug("zuilen")
    (event,) = events_of(coop)
    assert event.action == "cooperative.created"
    assert event.scope == f"coop:{coop.id}"
    assert event.seq == 1
    assert event.actor_id == admin.id
    assert event.subject_type == "Cooperative"
    assert event.subject_id == coop.id
    assert "kvk_number" in event.data["fields"]
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kvk_number", "1234"),
        ("kvk_number", "12345678a"),
        ("kvk_number", "123456789"),
        ("kvk_number", "١٢٣٤٥٦٧٨"),  # Arabic-Indic digits are not a KvK number
        ("postcode_ranges", "35"),
        ("postcode_ranges", "3564-3561"),
        ("postcode_ranges", "abcd"),
        ("postcode_ranges", "0999"),
        ("postcode_ranges", "3561-"),
        ("postcode_ranges", "٣٥٦١"),
        ("slug", "Zuilen"),
        ("slug", "zuilen noord"),
        ("slug", "zuilen--noord"),
        ("slug", "-zuilen"),
        ("slug", "z"),
        ("slug", ""),
        ("name", ""),
        ("seat", ""),
        ("name", "Zuilen\x00"),
        ("legal_form", "NV"),
        ("parent_id", "999999"),
        ("parent_id", "geen"),
        ("fy_start_month", "13"),
        ("founded_on", "17-05-2023x"),
        ("contact_email", "bestuur at zuilen"),
    ],
)
def test_bad_input_gets_a_message_at_the_field_and_keeps_what_was_typed(
    client, admin, field, value
):
    before = db.session.scalar(select(db.func.count()).select_from(Cooperative))
    data = form_data(**{field: value})

    response = client.post("/admin/cooperatives/new", data=data)

    assert response.status_code == 200
    assert field_error(response.text, field), f"no message at {field}"
    assert 'aria-invalid="true"' in response.text
    # What the person typed in the other fields is still there.
    assert 'value="Buurtcoöperatie Zuilen"' in response.text or field == "name"
    assert "Samen zonnepanelen op de daken." in response.text
    if field in ("kvk_number", "postcode_ranges", "slug") and value.strip():
        assert f'value="{value.strip() if field != "kvk_number" else value}"' in response.text
    assert db.session.scalar(select(db.func.count()).select_from(Cooperative)) == before
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("typed", ["8765 4321", "87654321\n", " 8765\t4321 "])
def test_kvk_number_may_be_typed_with_spaces(client, admin, typed):
    response = client.post("/admin/cooperatives/new", data=form_data(kvk_number=typed))

    assert response.status_code == 302
    assert by_slug("zuilen").kvk_number == "87654321"


def test_postcode_message_names_the_wrong_part(client, admin):
    response = client.post(
        "/admin/cooperatives/new", data=form_data(postcode_ranges="3561-3564, 3564-3561")
    )

    assert "3564-3561" in field_error(response.text, "postcode_ranges")


def test_duplicate_slug_is_refused_at_the_field(client, admin):
    CooperativeFactory(slug="zuilen", name="De eerste")

    response = client.post("/admin/cooperatives/new", data=form_data())

    assert response.status_code == 200
    assert field_error(response.text, "slug")
    assert 'value="zuilen"' in response.text
    assert db.session.scalars(
        select(Cooperative.name).where(Cooperative.slug == "zuilen")
    ).all() == ["De eerste"]


def test_a_child_cooperative_cannot_be_chosen_as_parent(client, admin):
    city = CooperativeFactory()
    child = CooperativeFactory(parent=city)

    response = client.post("/admin/cooperatives/new", data=form_data(parent_id=str(child.id)))

    assert response.status_code == 200
    assert field_error(response.text, "parent_id")
    assert by_slug("zuilen") is None


def test_only_platform_admins_create_cooperatives(client, login):
    coop = CooperativeFactory()
    login(board_member(coop).user)

    assert client.get("/admin/cooperatives/new").status_code == 403
    assert client.post("/admin/cooperatives/new", data=form_data()).status_code == 403
    assert by_slug("zuilen") is None


def test_visitor_is_sent_to_log_in(client):
    response = client.post("/admin/cooperatives/new", data=form_data())

    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert by_slug("zuilen") is None


# Editing as platform admin ------------------------------------------------------------------


def test_edit_form_shows_current_values(client, admin):
    coop = CooperativeFactory(slug="lunetten", postcode_ranges=[[3521, 3523], [3527, 3527]])

    response = client.get(f"/admin/cooperatives/{coop.slug}/edit")

    assert response.status_code == 200
    assert 'value="3521-3523, 3527"' in response.text
    assert f'value="{coop.kvk_number}"' in response.text


def test_platform_admin_edits_every_field(client, admin):
    city = CooperativeFactory(slug="utrecht")
    coop = CooperativeFactory(slug="lunetten")

    response = client.post(
        f"/admin/cooperatives/{coop.slug}/edit",
        data=form_data(slug="lunetten-noord", parent_id=str(city.id), legal_form="WA"),
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/lunetten-noord/")
    db.session.refresh(coop)
    assert coop.slug == "lunetten-noord"
    assert coop.parent_id == city.id
    assert coop.legal_form is LegalForm.WA
    assert coop.kvk_number == "87654321"
    assert coop.postcode_ranges == [[3551, 3554], [3581, 3581]]
    assert coop.fy_start_month == 7
    (event,) = events_of(coop, "cooperative.updated")
    assert event.actor_id == admin.id
    assert set(event.data["fields"]) >= {"slug", "parent_id", "legal_form", "kvk_number"}
    assert audit.verify().ok


def test_saving_without_changes_writes_no_event(client, admin):
    coop = CooperativeFactory(slug="lunetten")
    data = form_data(
        slug=coop.slug,
        name=coop.name,
        legal_form=coop.legal_form.name,
        kvk_number=coop.kvk_number,
        seat=coop.seat,
        wijk=coop.wijk,
        founded_on="",
        fy_start_month="1",
        postcode_ranges=coop.postcode_ranges_text,
        purpose=coop.purpose,
        joining_info=coop.joining_info,
        contact_email="",
    )

    assert client.post(f"/admin/cooperatives/{coop.slug}/edit", data=data).status_code == 302
    assert events_of(coop) == []


def test_edit_to_a_slug_in_use_is_refused(client, admin):
    CooperativeFactory(slug="zuilen")
    coop = CooperativeFactory(slug="lunetten")

    response = client.post(f"/admin/cooperatives/{coop.slug}/edit", data=form_data(slug="zuilen"))

    assert response.status_code == 200
    assert field_error(response.text, "slug")
    db.session.refresh(coop)
    assert coop.slug == "lunetten"
    assert events_of(coop) == []


def test_cooperative_cannot_be_its_own_parent(client, admin):
    coop = CooperativeFactory(slug="utrecht")

    response = client.post(
        f"/admin/cooperatives/{coop.slug}/edit", data=form_data(slug="utrecht", parent_id=coop.id)
    )

    assert response.status_code == 200
    assert field_error(response.text, "parent_id")
    db.session.refresh(coop)
    assert coop.parent_id is None


def test_cooperative_cannot_become_child_of_its_child(client, admin):
    city = CooperativeFactory(slug="utrecht")
    child = CooperativeFactory(slug="zuilen", parent=city)

    response = client.post(
        f"/admin/cooperatives/{city.slug}/edit", data=form_data(slug="utrecht", parent_id=child.id)
    )

    assert response.status_code == 200
    assert field_error(response.text, "parent_id")
    db.session.refresh(city)
    assert city.parent_id is None


def test_city_cooperative_with_children_stays_on_top(client, admin):
    city = CooperativeFactory(slug="utrecht")
    CooperativeFactory(slug="zuilen", parent=city)
    other = CooperativeFactory(slug="amersfoort")

    response = client.post(
        "/admin/cooperatives/utrecht/edit", data=form_data(slug="utrecht", parent_id=other.id)
    )

    assert response.status_code == 200
    assert field_error(response.text, "parent_id")
    db.session.refresh(city)
    assert city.parent_id is None


def test_service_refuses_a_cycle_even_without_the_form(admin):
    city = CooperativeFactory(slug="utrecht")
    child = CooperativeFactory(slug="zuilen", parent=city)
    with pytest.raises(DomainError) as caught:
        services.update(city, {"parent_id": child.id}, by=admin, fields=services.ALL_FIELDS)
    assert caught.value.field == "parent_id"
    with pytest.raises(DomainError):
        services.update(city, {"parent_id": city.id}, by=admin, fields=services.ALL_FIELDS)
    assert city.parent_id is None


def test_a_city_cooperative_with_neighbourhood_cooperatives_cannot_get_a_parent(admin):
    city = CooperativeFactory(slug="utrecht")
    CooperativeFactory(slug="zuilen", parent=city)
    other = CooperativeFactory(slug="amersfoort")

    with pytest.raises(DomainError) as caught:
        services.update(city, {"parent_id": other.id}, by=admin, fields=services.ALL_FIELDS)
    assert caught.value.field == "parent_id"
    assert city.parent_id is None


def test_edit_unknown_cooperative_is_404(client, admin):
    response = client.get("/admin/cooperatives/bestaat-niet/edit")

    assert response.status_code == 404
    assert "Foutcode 404" in response.text


# The board edits its public details -------------------------------------------------------


def test_board_edits_public_details(client, login):
    coop = CooperativeFactory(slug="lunetten")
    chair = board_member(coop)
    login(chair.user)

    response = client.post(
        "/c/lunetten/details",
        data={
            "name": "Lunetten Samen",
            "wijk": "Lunetten-Zuid",
            "purpose": "Groen en energie.\nVoor iedereen.",
            "joining_info": "Mail ons.",
            "contact_email": "info@lunetten.example.org",
        },
    )

    assert response.status_code == 302
    db.session.refresh(coop)
    assert coop.name == "Lunetten Samen"
    assert coop.wijk == "Lunetten-Zuid"
    assert coop.purpose == "Groen en energie.\nVoor iedereen."
    assert coop.joining_info == "Mail ons."
    assert coop.contact_email == "info@lunetten.example.org"
    (event,) = events_of(coop, "cooperative.updated")
    assert event.actor_id == chair.user_id
    assert sorted(event.data["fields"]) == [
        "contact_email",
        "joining_info",
        "name",
        "purpose",
        "wijk",
    ]
    assert audit.verify().ok


def test_board_cannot_change_slug_or_kvk_through_details(client, login):
    coop = CooperativeFactory(slug="lunetten", kvk_number="11112222")
    login(board_member(coop).user)

    response = client.post(
        "/c/lunetten/details",
        data={
            "name": coop.name,
            "wijk": coop.wijk,
            "purpose": coop.purpose,
            "joining_info": coop.joining_info,
            "slug": "gekaapt",
            "kvk_number": "99998888",
            "legal_form": "WA",
            "parent_id": "1",
            "postcode_ranges": "1000-9999",
        },
    )

    assert response.status_code == 302
    db.session.refresh(coop)
    assert coop.slug == "lunetten"
    assert coop.kvk_number == "11112222"
    assert coop.legal_form is LegalForm.UA
    assert coop.parent_id is None
    assert coop.postcode_ranges == [[3561, 3564]]
    assert by_slug("gekaapt") is None
    assert events_of(coop) == []


def test_details_form_shows_messages_and_keeps_input(client, login):
    coop = CooperativeFactory(slug="lunetten")
    login(board_member(coop).user)

    response = client.post(
        "/c/lunetten/details",
        data={"name": "", "wijk": "Nieuwe wijk", "contact_email": "geen-adres"},
    )

    assert response.status_code == 200
    assert field_error(response.text, "name")
    assert field_error(response.text, "contact_email")
    assert 'value="Nieuwe wijk"' in response.text
    assert 'value="geen-adres"' in response.text
    db.session.refresh(coop)
    assert coop.wijk == "Overvecht"


@pytest.mark.parametrize(("allow_test", "saved"), [(True, True), (False, False)])
def test_contact_address_under_test_domain_only_where_allowed(
    app, client, login, monkeypatch, allow_test, saved
):
    monkeypatch.setitem(app.config, "EMAIL_ALLOW_TEST_DOMAINS", allow_test)
    coop = CooperativeFactory(slug="lunetten")
    login(board_member(coop).user)

    response = client.post(
        "/c/lunetten/details", data={"name": coop.name, "contact_email": "info@lunetten.test"}
    )

    assert (response.status_code == 302) is saved
    db.session.refresh(coop)
    assert (coop.contact_email == "info@lunetten.test") is saved


@pytest.mark.parametrize("who", ["member", "other_board", "visitor"])
def test_only_own_board_edits_details(client, login, who):
    coop = CooperativeFactory(slug="lunetten")
    if who == "member":
        login(MembershipFactory(cooperative=coop).user)
    elif who == "other_board":
        login(board_member(CooperativeFactory()).user)

    response = client.post("/c/lunetten/details", data={"name": "Gekaapt"})

    assert response.status_code in (302, 403)
    if who == "visitor":
        assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    db.session.refresh(coop)
    assert coop.name != "Gekaapt"


@pytest.mark.parametrize(
    "path", ["/c/bestaat-niet/", "/c/bestaat-niet/details", "/c/bestaat-niet/dashboard"]
)
def test_unknown_cooperative_is_a_404_page(client, login, path):
    login(board_member(CooperativeFactory()).user)

    response = client.get(path)

    assert response.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in response.text


# The audit chain ---------------------------------------------------------------------------


def test_events_chain_and_tampering_is_found(client, admin):
    client.post("/admin/cooperatives/new", data=form_data())
    client.post("/admin/cooperatives/zuilen/edit", data=form_data(wijk="Zuilen-Oost"))
    client.post("/admin/cooperatives/zuilen/edit", data=form_data(wijk="Zuilen-West"))
    coop = by_slug("zuilen")
    first, second, third = events_of(coop)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit.verify().ok

    db.session.execute(
        text("UPDATE audit_events SET data = :data WHERE id = :id"),
        {"data": '{"fields": ["kvk_number"]}', "id": second.id},
    )
    db.session.expire_all()
    result = audit.verify()

    assert not result.ok
    assert f"coop:{coop.id}" in result.problem
    assert f"event {second.id} (#2)" in result.problem


def test_the_orm_refuses_to_change_an_event(client, admin):
    client.post("/admin/cooperatives/new", data=form_data())
    (event,) = events_of(by_slug("zuilen"))

    event.data = {"fields": []}
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


# Postcodes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "served"),
    [
        ("3562 AB", True),
        ("3561AB", True),
        (" 3564 zz ", True),
        ("3581 KL", True),
        ("3560 AB", False),
        ("3565 AB", False),
        ("3582", False),
        ("", False),
        ("35", False),
        ("abcd", False),
        ("²³⁴⁵", False),
        ("٣٥٦٢ AB", False),
    ],
)
def test_serves(postcode, served):
    coop = Cooperative(postcode_ranges=[[3561, 3564], [3581, 3581]])

    assert coop.serves(postcode) is served


def test_serves_nothing_without_ranges():
    assert Cooperative(postcode_ranges=[]).serves("3562 AB") is False
    assert Cooperative().serves("3562 AB") is False


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("", []),
        ("   ", []),
        ("3561", [[3561, 3561]]),
        ("3561-3564", [[3561, 3564]]),
        ("3561 - 3564", [[3561, 3564]]),
        ("3561-3564, 3581", [[3561, 3564], [3581, 3581]]),
        ("3561-3564;3581\n3600-3600", [[3561, 3564], [3581, 3581], [3600, 3600]]),
        ("3561,,3581,", [[3561, 3561], [3581, 3581]]),
        ("1000-9999", [[1000, 9999]]),
    ],
)
def test_parse_postcode_ranges(text, ranges):
    assert parse_postcode_ranges(text) == ranges


@pytest.mark.parametrize(
    "text",
    ["35", "3564-3561", "abcd", "0999", "35611", "3561-", "-3561", "3561-3564-3570", "٣٥٦١"],
)
def test_parse_postcode_ranges_refuses(text):
    with pytest.raises(ValueError, match=".+"):
        parse_postcode_ranges(text)
