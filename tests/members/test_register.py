"""The member register: search, filters, sorting, pages, the register as of a date, a
member's page with its history, and the members' directory."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from coop.audit import AuditEvent
from coop.extensions import db
from coop.members import register, services
from coop.members.models import (
    EndReason,
    Function,
    MemberKind,
    MembershipStatus,
    MembershipStatusChange,
)
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory, board_member

TODAY = date(2026, 11, 23)


def names(page) -> list[str]:
    return [row.name for row in page.rows]


def run(coop, **args) -> register.Page:
    query = register.parse(args, today=TODAY, wijken=register.wijken(coop))
    assert query.problems == {}
    return register.register_page(coop, query)


@pytest.fixture
def coop():
    coop = CooperativeFactory(slug="overvecht", postcode_ranges=[[3561, 3564]])
    MembershipFactory(
        cooperative=coop,
        name="Anna Jansen",
        street="Zamenhofdreef",
        postcode="3562 JT",
        admitted_on=date(2020, 3, 1),
    )
    MembershipFactory(
        cooperative=coop,
        name="Bakkerij Öztürk",
        kind=MemberKind.ONDERNEMER,
        kvk_number="12345678",
        street="Kanaalstraat",
        postcode="3531 CJ",
        admitted_on=date(2022, 6, 1),
    )
    MembershipFactory(
        cooperative=coop,
        name="Buurthuis De Boog",
        kind=MemberKind.ORGANISATIE,
        contact_person="Karim el Idrissi",
        street="Bernadottelaan",
        postcode="3561 AB",
        admitted_on=date(2023, 1, 10),
    )
    MembershipFactory(
        cooperative=coop,
        name="Kees Brouwer",
        street="Zamenhofdreef",
        postcode="3562 JT",
        admitted_on=date(2019, 1, 1),
        status=MembershipStatus.ENDED,
        ended_on=date(2024, 12, 31),
        end_reason=EndReason.RESIGNED,
    )
    return coop


def test_the_register_shows_current_members_by_number(coop):
    page = run(coop)
    assert names(page) == ["Anna Jansen", "Bakkerij Öztürk", "Buurthuis De Boog"]
    assert page.total == 3


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("jansen", ["Anna Jansen"]),
        ("ÖZTÜRK", ["Bakkerij Öztürk"]),  # case folding beyond A-Z, on SQLite too
        ("zamenhof", ["Anna Jansen"]),  # street
        ("3562jt", ["Anna Jansen"]),  # postcode without the space
        ("3561 a", ["Buurthuis De Boog"]),
        ("2", ["Bakkerij Öztürk"]),  # member number
        ("karim", ["Buurthuis De Boog"]),  # contact person
        ("100%", []),  # LIKE wildcards are text
        ("_", []),
    ],
)
def test_search_by_name_number_street_or_postcode(coop, q, expected):
    assert names(run(coop, q=q)) == expected


def test_filters_kind_status_area_wijk_and_admission_period(coop):
    assert names(run(coop, kind="ondernemer")) == ["Bakkerij Öztürk"]
    assert names(run(coop, status="ended")) == ["Kees Brouwer"]
    assert len(run(coop, status="all").rows) == 4
    assert names(run(coop, area="3531")) == ["Bakkerij Öztürk"]
    assert names(run(coop, admitted_from="1-1-2022", admitted_to="2023-01-10")) == [
        "Bakkerij Öztürk",
        "Buurthuis De Boog",
    ]
    # The wijk: the postcode ranges the cooperative (or a member cooperative) serves.
    child = CooperativeFactory(
        slug="lombok", wijk="Lombok", parent=coop, postcode_ranges=[[3531, 3531]]
    )
    assert "lombok" in register.wijken(coop)
    assert names(run(coop, wijk="lombok")) == ["Bakkerij Öztürk"]
    assert names(run(coop, wijk="overvecht")) == ["Anna Jansen", "Buurthuis De Boog"]
    # A wijk of another branch of the tree is no choice here: the filter falls back to all.
    other = CooperativeFactory(slug="elders", postcode_ranges=[[1000, 1099]])
    assert other.slug not in register.wijken(coop)
    assert run(coop, wijk="elders").total == 3
    assert child.parent_id == coop.id


def test_sorting_and_pages(coop):
    assert names(run(coop, sort="name", order="desc")) == [
        "Buurthuis De Boog",
        "Bakkerij Öztürk",
        "Anna Jansen",
    ]
    assert names(run(coop, sort="admitted_on")) == [
        "Anna Jansen",
        "Bakkerij Öztürk",
        "Buurthuis De Boog",
    ]
    for i in range(60):
        MembershipFactory(cooperative=coop, name=f"Lid {i:02d}")
    first, second = run(coop), run(coop, page="2")
    assert (first.total, first.pages, len(first.rows)) == (63, 2, register.PAGE_SIZE)
    assert len(second.rows) == 13
    assert (second.first, second.last) == (51, 63)
    # A page past the end shows the last page; nonsense shows the first.
    assert run(coop, page="999").page == 2
    assert run(coop, page="-3").page == 1
    assert run(coop, page="99999999999999999999").page == 2


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"area": "35"}, "area"),
        ({"area": "<script>"}, "area"),
        ({"admitted_from": "31-02-2024"}, "admitted_from"),
        ({"admitted_to": "gisteren"}, "admitted_to"),
        ({"admitted_from": "2024-05-01", "admitted_to": "2024-01-01"}, "admitted_to"),
        ({"as_of": "2099-01-01"}, "as_of"),
        ({"as_of": "1-1-1800"}, "as_of"),
    ],
)
def test_filters_that_cannot_be_used_get_a_message(args, field):
    query = register.parse(args, today=TODAY)
    assert set(query.problems) == {field}


def test_unknown_list_values_fall_back_to_the_default():
    query = register.parse(
        {"kind": "alien", "status": "x", "sort": "password", "order": "sideways", "q": "a\x00b"},
        today=TODAY,
    )
    assert (query.kind, query.status, query.sort, query.order) == (None, "current", "number", "asc")
    assert query.q == "a b"
    assert query.problems == {}


# The register as of a date (peildatum) ------------------------------------------------------


def test_the_register_as_of_a_date_is_rebuilt_from_the_status_history(coop):
    # On 1 January 2021: Kees (admitted 2019) and Anna (2020); the others came later.
    assert names(run(coop, as_of="2021-01-01")) == ["Anna Jansen", "Kees Brouwer"]
    # On his last day Kees was still a member; the day after he was not.
    assert "Kees Brouwer" in names(run(coop, as_of="2024-12-31"))
    assert "Kees Brouwer" not in names(run(coop, as_of="2025-01-01"))
    assert names(run(coop, as_of="2025-01-01", status="ended")) == ["Kees Brouwer"]
    # Before anyone was admitted the register was empty.
    assert run(coop, as_of="2018-12-31", status="all").total == 0


def test_the_register_as_of_a_date_ignores_todays_rows(coop):
    """A suspension in the past shows as of that date, whatever the row says today."""
    anna = services.find_by_number(coop, 1)
    db.session.add_all(
        [
            MembershipStatusChange(
                membership_id=anna.id,
                status=MembershipStatus.SUSPENDED,
                effective_on=date(2021, 5, 1),
            ),
            MembershipStatusChange(
                membership_id=anna.id, status=MembershipStatus.ACTIVE, effective_on=date(2021, 9, 1)
            ),
        ]
    )
    db.session.flush()
    assert anna.status is MembershipStatus.ACTIVE
    page = run(coop, as_of="2021-06-15")
    statuses = {row.name: row.status for row in page.rows}
    assert statuses["Anna Jansen"] is MembershipStatus.SUSPENDED
    assert names(run(coop, as_of="2021-06-15", status="active")) == ["Kees Brouwer"]
    assert names(run(coop, as_of="2021-09-01", status="active")) == ["Anna Jansen", "Kees Brouwer"]
    # A membership whose row says 'active' but has no history yet was not on any past register.
    MembershipFactory(cooperative=coop, name="Zonder Geschiedenis", history=False)
    assert "Zonder Geschiedenis" not in names(run(coop, as_of="2026-01-01", status="all"))
    assert "Zonder Geschiedenis" in names(run(coop))


def test_resignation_and_ending_write_the_history_the_register_reads(coop):
    anna = services.find_by_number(coop, 1)
    board = board_member(coop, Function.SECRETARY)
    services.resign(anna, today=date(2025, 3, 1), by=anna)
    services.process_ending(
        anna, today=anna.ends_on + (date(2025, 1, 2) - date(2025, 1, 1)), by=board
    )
    assert anna.status is MembershipStatus.ENDED
    ended_on = anna.ended_on
    assert "Anna Jansen" in names(run(coop, as_of=ended_on.isoformat()))
    day_after = date.fromordinal(ended_on.toordinal() + 1)
    if day_after <= TODAY:
        assert "Anna Jansen" not in names(run(coop, as_of=day_after.isoformat()))


# Pages --------------------------------------------------------------------------------------


def test_register_page_searches_filters_and_keeps_what_was_typed(client, login, coop):
    login(board_member(coop, Function.SECRETARY).user)
    page = client.get(f"/c/{coop.slug}/members/?q=jansen").get_data(as_text=True)
    assert "Anna Jansen" in page
    assert "Bakkerij" not in page
    response = client.get(f"/c/{coop.slug}/members/?admitted_from=31-31-2020&q=anna")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-admitted_from-error"' in page
    assert 'value="31-31-2020"' in page
    assert "Anna Jansen" in page  # the rest of the query still applies


def test_register_page_as_of_a_date_says_so(client, login, coop):
    login(board_member(coop, Function.SECRETARY).user)
    page = client.get(f"/c/{coop.slug}/members/?as_of=1-1-2021").get_data(as_text=True)
    assert "1 januari 2021" in page
    assert "Kees Brouwer" in page
    assert "Bakkerij" not in page


def test_register_page_in_english(client, login, coop):
    user = board_member(coop, Function.SECRETARY).user
    user.locale = "en"
    db.session.flush()
    login(user)
    page = client.get(f"/c/{coop.slug}/members/").get_data(as_text=True)
    assert "Member register" in page
    assert "Ledenregister" not in page


def test_member_page_shows_details_and_the_whole_history(client, login, coop):
    secretary = board_member(coop, Function.SECRETARY)
    anna = services.find_by_number(coop, 1)
    anna.iban = "NL91ABNA0417164300"
    services.update_contact(anna, {"phone": "06 12345678"}, by=anna)
    services.resign(anna, today=TODAY, by=anna)
    db.session.flush()
    login(secretary.user)
    page = client.get(f"/c/{coop.slug}/members/1").get_data(as_text=True)
    assert "Anna Jansen" in page
    assert "Zamenhofdreef" in page
    assert "NL91 •••• •••• ••43 00" in page
    assert "0417" not in page
    assert "Gegevens gewijzigd" in page
    assert "Opgezegd" in page
    assert page.index("Gegevens gewijzigd") < page.index("Opgezegd")


def test_member_page_of_another_cooperative_is_not_found(client, login, coop):
    other = CooperativeFactory()
    login(board_member(other, Function.SECRETARY).user)  # member 1 of the other cooperative
    assert client.get(f"/c/{other.slug}/members/2").status_code == 404  # 2 exists in coop
    assert client.get(f"/c/{coop.slug}/members/2").status_code == 403
    assert client.get(f"/c/{other.slug}/members/99999999999").status_code == 404


def test_an_ordinary_member_cannot_see_the_register(client, login, coop):
    login(services.find_by_number(coop, 1).user)
    assert client.get(f"/c/{coop.slug}/members/").status_code == 403
    assert client.get(f"/c/{coop.slug}/members/2").status_code == 403
    assert client.get(f"/c/{coop.slug}/members/export.csv").status_code == 403


# The members' directory ----------------------------------------------------------------------


def test_directory_shows_opted_in_active_members_with_the_details_they_chose(client, login):
    coop = CooperativeFactory()
    shows_all = MembershipFactory(
        cooperative=coop,
        name="Anna Open",
        in_directory=True,
        directory_email=True,
        directory_phone=True,
        directory_address=True,
        phone="06 11111111",
        street="Zamenhofdreef",
        house_number="7",
        postcode="3562 JT",
        city="Utrecht",
        user=UserFactory(email="anna.open@example.test"),
    )
    MembershipFactory(
        cooperative=coop,
        name="Bram Stil",
        in_directory=True,
        phone="06 22222222",
        street="Geheimstraat",
        user=UserFactory(email="bram.stil@example.test"),
    )
    MembershipFactory(cooperative=coop, name="Carla Niet", in_directory=False)
    MembershipFactory(
        cooperative=coop,
        name="Dirk Weg",
        in_directory=True,
        status=MembershipStatus.ENDED,
        ended_on=date(2024, 1, 1),
    )
    login(MembershipFactory(cooperative=coop).user)
    page = client.get(f"/c/{coop.slug}/members/directory").get_data(as_text=True)
    assert "Anna Open" in page
    assert "Bram Stil" in page
    assert "Carla Niet" not in page
    assert "Dirk Weg" not in page
    assert "anna.open@example.test" in page
    assert "06 11111111" in page
    assert "Zamenhofdreef 7" in page
    assert "bram.stil@example.test" not in page
    assert "06 22222222" not in page
    assert "Geheimstraat" not in page
    # The number, which the proxy form of an assembly asks for.
    assert f"<dt>Lidnummer</dt><dd>{shows_all.number}</dd>" in page
    assert shows_all.in_directory
    page = client.get(f"/c/{coop.slug}/members/directory?q=bram").get_data(as_text=True)
    assert "Bram Stil" in page
    assert "Anna Open" not in page


def test_member_chooses_what_the_directory_shows(client, login):
    coop = CooperativeFactory()
    membership = MembershipFactory(cooperative=coop, phone="0612345678", postcode="3562 JT")
    login(membership.user)
    data = {
        "name": membership.name,
        "street": "Zamenhofdreef",
        "house_number": "1",
        "postcode": "3562 JT",
        "city": "Utrecht",
        "phone": "0612345678",
        "in_directory": "y",
        "directory_phone": "y",
    }
    assert client.post(f"/c/{coop.slug}/members/me", data=data).status_code == 302
    db.session.refresh(membership)
    assert (membership.in_directory, membership.directory_phone, membership.directory_email) == (
        True,
        True,
        False,
    )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "member.details_changed")
    ).all()[-1]
    assert "directory_phone" in event.data["fields"]


def test_directory_is_for_members_of_that_cooperative_only(client, login):
    coop = CooperativeFactory()
    MembershipFactory(cooperative=coop, name="Anna Open", in_directory=True)
    login(MembershipFactory().user)
    assert client.get(f"/c/{coop.slug}/members/directory").status_code == 403
