"""The signed-in person's load on every request: the memberships' and cooperatives'
details are not read with it, and the first detail a page reads loads all of them at once."""

import pytest
from sqlalchemy import inspect

from coop.core.web import EVERY_PAGE, _user_rows
from coop.extensions import db
from coop.members.models import Function
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory


def _fresh_rows(user_id):
    db.session.expunge_all()  # as a new request: nothing in the session yet
    return _user_rows(user_id)


def test_details_are_not_read_with_the_user_and_load_together(queries):
    user = UserFactory()
    first = MembershipFactory(
        user=user, street="Kerkstraat", house_number="4", iban="NL91ABNA0417164300"
    )
    second = MembershipFactory(user=user, cooperative=CooperativeFactory(purpose="Zon op het dak"))
    db.session.flush()

    before = queries.count
    rows = _fresh_rows(user.id)
    assert queries.count - before == 1
    memberships = {m.id: m for _, m in rows}
    assert set(memberships) == {first.id, second.id}
    mine = memberships[first.id]
    assert set(inspect(mine).dict) >= set(EVERY_PAGE["Membership"])
    assert "street" not in inspect(mine).dict
    assert "purpose" not in inspect(mine.cooperative).dict

    # Reading one detail loads all of a membership's details in one query, not one each.
    before = queries.count
    assert (mine.street, mine.house_number, mine.iban) == ("Kerkstraat", "4", "NL91ABNA0417164300")
    assert (mine.phone, mine.end_note, mine.admitted_on) == ("", "", first.admitted_on)
    assert queries.count - before == 1
    # The same for a cooperative.
    other = memberships[second.id].cooperative
    before = queries.count
    assert (other.purpose, other.postcode_ranges, other.seat) == (
        "Zon op het dak",
        [[3561, 3564]],
        "Utrecht",
    )
    assert queries.count - before == 1


def test_a_change_made_before_the_user_is_loaded_again_is_kept(queries):
    membership = MembershipFactory(street="Kerkstraat", functions=[Function.CHAIR])
    db.session.flush()
    rows = _fresh_rows(membership.user_id)
    mine = rows[0][1]
    mine.street = "Dorpsstraat"  # written without reading it first
    mine.name = "Nieuwe naam"
    # The user is loaded again in the same request (as after signing in): changes stay.
    _user_rows(membership.user_id)
    assert mine.phone == ""  # loads the details that were not changed
    assert (mine.street, mine.name) == ("Dorpsstraat", "Nieuwe naam")
    db.session.flush()
    db.session.expire_all()
    assert (mine.street, mine.name) == ("Dorpsstraat", "Nieuwe naam")
    assert mine.is_board


def test_a_page_that_shows_a_members_details_reads_them_once(client, login, queries):
    membership = MembershipFactory(street="Kerkstraat", house_number="12", city="Utrecht")
    login(membership.user)
    slug = membership.cooperative.slug
    client.get(f"/c/{slug}/members/me")  # warm caches (translations, templates)
    before = queries.count
    response = client.get(f"/c/{slug}/members/me")
    assert response.status_code == 200
    assert "Kerkstraat" in response.text
    assert "Utrecht" in response.text
    # The address comes with one query (the user's, or one for all details), not one per column.
    columns = ("memberships.street", "memberships.house_number", "memberships.city")
    reading = [s for s in queries.statements[before:] if any(c in s for c in columns)]
    assert len(reading) == 1, reading


def test_functions_come_with_the_user_and_a_change_is_seen_at_once(queries):
    membership = MembershipFactory(functions=[Function.CHAIR, Function.TREASURER])
    plain = MembershipFactory(user=membership.user)
    db.session.flush()
    rows = _fresh_rows(membership.user_id)
    mine = {m.id: m for _, m in rows}
    board, other = mine[membership.id], mine[plain.id]

    before = queries.count
    assert board.function_set == {Function.CHAIR, Function.TREASURER}
    assert board.is_board
    assert board.has_function(Function.TREASURER)
    assert not board.has_function(Function.SECRETARY)
    assert other.function_set == frozenset()
    assert not other.is_board
    assert queries.count == before  # no query for the functions

    # A change goes through the collection, which then counts.
    chair = next(f for f in board.functions if f.function is Function.CHAIR)
    board.functions.remove(chair)
    assert board.function_set == {Function.TREASURER}
    db.session.flush()
    db.session.expire_all()  # as after a commit: the functions come from the collection
    assert board.function_set == {Function.TREASURER}


@pytest.mark.parametrize("page", ["/c/{slug}/dashboard", "/c/{slug}/members/me"])
def test_your_functions_are_shown_without_reading_them_again(client, login, queries, page):
    membership = MembershipFactory(functions=[Function.TREASURER, Function.CHAIR])
    login(membership.user)
    url = page.format(slug=membership.cooperative.slug)
    client.get(url)  # warm caches (translations, templates)
    before = queries.count
    response = client.get(url)
    assert response.status_code == 200
    assert "Voorzitter, Penningmeester" in response.text  # in the order of the functions
    loads = [s for s in queries.statements[before:] if s.startswith("SELECT membership_functions.")]
    assert not loads, loads
