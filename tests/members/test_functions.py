"""Board functions: who gives them, who loses them, and the rules that keep a board working."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coop import audit
from coop.audit import AuditEvent
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from tests.factories import CooperativeFactory, MembershipFactory, board_member


def functions_of(membership) -> set[Function]:
    db.session.expire(membership, ["functions"])
    return set(membership.function_set)


def events(cooperative, action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.scope == f"coop:{cooperative.id}", AuditEvent.action == action)
        .order_by(AuditEvent.seq)
    ).all()


def field_error(body: str, field: str) -> str:
    marker = f'<p class="error" id="{field}-error">'
    start = body.find(marker)
    if start < 0:
        return ""
    return body[start + len(marker) : body.index("</p>", start)]


def grant(client, cooperative, number, function):
    return client.post(
        f"/c/{cooperative.slug}/members/functions",
        data={"number": str(number), "function": function},
    )


def revoke(client, cooperative, membership, function):
    return client.post(f"/c/{cooperative.slug}/members/{membership.id}/functions/{function}/revoke")


@pytest.fixture
def coop():
    return CooperativeFactory(slug="lunetten")


@pytest.fixture
def chair(coop):
    return board_member(coop, Function.CHAIR)


# The page --------------------------------------------------------------------------------


def test_board_sees_who_holds_which_function(client, login, coop, chair):
    secretary = board_member(coop, Function.SECRETARY)
    MembershipFactory(cooperative=coop, name="Gewoon Lid")
    login(secretary.user)

    response = client.get("/c/lunetten/members/functions")

    assert response.status_code == 200
    assert chair.name in response.text
    assert secretary.name in response.text
    assert "Gewoon Lid" not in response.text
    # Only the chair and administrators get the grant form.
    assert 'name="number"' not in response.text


def test_chair_sees_the_grant_form(client, login, coop, chair):
    login(chair.user)

    response = client.get("/c/lunetten/members/functions")

    assert 'name="number"' in response.text


@pytest.mark.parametrize("who", ["member", "visitor", "board_elsewhere"])
def test_non_board_cannot_see_functions(client, login, coop, chair, who):
    if who == "member":
        login(MembershipFactory(cooperative=coop).user)
    elif who == "board_elsewhere":
        login(board_member(CooperativeFactory(), Function.ADMIN).user)

    response = client.get("/c/lunetten/members/functions")

    if who == "visitor":
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


# Granting --------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [f.name for f in Function])
def test_chair_grants_every_function_by_member_number(client, login, coop, chair, function):
    member = MembershipFactory(cooperative=coop)
    login(chair.user)

    response = grant(client, coop, member.number, function)

    assert response.status_code == 302
    assert functions_of(member) == {Function[function]}
    (event,) = events(coop, "member.function_granted")
    assert event.actor_id == chair.user_id
    assert event.subject_type == "Membership"
    assert event.subject_id == member.id
    assert event.data == {"function": Function[function].value}
    assert audit.verify().ok


def test_admin_grants_a_function(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    member = MembershipFactory(cooperative=coop)
    login(admin.user)

    assert grant(client, coop, member.number, "TREASURER").status_code == 302
    assert functions_of(member) == {Function.TREASURER}


def test_a_member_can_hold_several_functions(client, login, coop, chair):
    member = MembershipFactory(cooperative=coop)
    login(chair.user)

    grant(client, coop, member.number, "SECRETARY")
    grant(client, coop, member.number, "TREASURER")

    assert functions_of(member) == {Function.SECRETARY, Function.TREASURER}


@pytest.mark.parametrize("function", ["SECRETARY", "TREASURER", "BOARD_MEMBER"])
def test_board_without_chair_or_admin_cannot_grant(client, login, coop, chair, function):
    board = board_member(coop, Function[function])
    member = MembershipFactory(cooperative=coop)
    login(board.user)

    response = grant(client, coop, member.number, "ADMIN")

    assert response.status_code == 403
    assert functions_of(member) == set()
    assert events(coop, "member.function_granted") == []


def test_plain_member_cannot_grant_themselves_a_function(client, login, coop, chair):
    member = MembershipFactory(cooperative=coop)
    login(member.user)

    assert grant(client, coop, member.number, "ADMIN").status_code == 403
    assert functions_of(member) == set()


def test_unknown_member_number_gets_a_message_at_the_field(client, login, coop, chair):
    login(chair.user)

    response = grant(client, coop, 4242, "SECRETARY")

    assert response.status_code == 422
    assert field_error(response.text, "number")
    assert 'value="4242"' in response.text
    assert events(coop, "member.function_granted") == []


@pytest.mark.parametrize("number", ["", "abc", "0", "-3", "1.5", "99999999999999999999999"])
def test_a_number_that_is_no_member_number_gets_a_message(client, login, coop, chair, number):
    login(chair.user)

    response = grant(client, coop, number, "SECRETARY")

    assert response.status_code == 422
    assert field_error(response.text, "number")


@pytest.mark.parametrize("function", ["", "KING", "chair"])
def test_an_unknown_function_gets_a_message(client, login, coop, chair, function):
    member = MembershipFactory(cooperative=coop)
    login(chair.user)

    response = grant(client, coop, member.number, function)

    assert response.status_code == 422
    assert field_error(response.text, "function")
    assert functions_of(member) == set()


def test_member_numbers_belong_to_one_cooperative(client, login, coop, chair):
    other = CooperativeFactory(slug="zuilen")
    # Make the other cooperative's member number one that does not exist here.
    other.last_member_number = 500
    outsider = MembershipFactory(cooperative=other)
    assert outsider.number == 501
    login(chair.user)

    response = grant(client, coop, outsider.number, "ADMIN")

    assert response.status_code == 422
    assert field_error(response.text, "number")
    assert functions_of(outsider) == set()


def test_same_number_in_two_cooperatives_grants_only_here(client, login, coop, chair):
    other = CooperativeFactory(slug="zuilen")
    outsider = MembershipFactory(cooperative=other)
    insider = MembershipFactory(cooperative=coop)
    other.last_member_number = insider.number - 1
    twin = MembershipFactory(cooperative=other)
    assert twin.number == insider.number
    login(chair.user)

    assert grant(client, coop, insider.number, "SECRETARY").status_code == 302

    assert functions_of(insider) == {Function.SECRETARY}
    assert functions_of(twin) == set()
    assert functions_of(outsider) == set()


def test_granting_a_function_twice_is_refused(client, login, coop, chair):
    member = board_member(coop, Function.TREASURER)
    login(chair.user)

    response = grant(client, coop, member.number, "TREASURER")

    assert response.status_code == 422
    assert field_error(response.text, "function")
    assert events(coop, "member.function_granted") == []


@pytest.mark.parametrize("status", [MembershipStatus.SUSPENDED, MembershipStatus.ENDED])
def test_only_active_members_get_a_function(client, login, coop, chair, status):
    member = MembershipFactory(cooperative=coop, status=status)
    login(chair.user)

    response = grant(client, coop, member.number, "SECRETARY")

    assert response.status_code == 422
    assert field_error(response.text, "number")
    assert functions_of(member) == set()


# Revoking --------------------------------------------------------------------------------


def test_chair_revokes_a_function(client, login, coop, chair):
    treasurer = board_member(coop, Function.TREASURER, Function.BOARD_MEMBER)
    login(chair.user)

    response = revoke(client, coop, treasurer, "TREASURER")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/lunetten/members/functions")
    assert functions_of(treasurer) == {Function.BOARD_MEMBER}
    (event,) = events(coop, "member.function_revoked")
    assert event.actor_id == chair.user_id
    assert event.subject_id == treasurer.id
    assert event.data == {"function": "treasurer"}
    assert audit.verify().ok


def test_secretary_cannot_revoke(client, login, coop, chair):
    secretary = board_member(coop, Function.SECRETARY)
    login(secretary.user)

    assert revoke(client, coop, chair, "CHAIR").status_code == 403
    assert functions_of(chair) == {Function.CHAIR}


def test_revoking_a_function_not_held_changes_nothing(client, login, coop, chair):
    member = board_member(coop, Function.SECRETARY)
    login(chair.user)

    response = revoke(client, coop, member, "TREASURER")

    assert response.status_code == 302
    assert functions_of(member) == {Function.SECRETARY}
    assert events(coop, "member.function_revoked") == []


def test_unknown_function_name_in_url_is_404(client, login, coop, chair):
    login(chair.user)

    assert revoke(client, coop, chair, "KING").status_code == 404


def test_membership_of_another_cooperative_cannot_be_touched(client, login, coop, chair):
    other = CooperativeFactory(slug="zuilen")
    board_member(other, Function.ADMIN)
    outsider = board_member(other, Function.TREASURER)
    login(chair.user)

    response = revoke(client, coop, outsider, "TREASURER")

    assert response.status_code == 302
    assert functions_of(outsider) == {Function.TREASURER}
    assert events(other, "member.function_revoked") == []
    assert events(coop, "member.function_revoked") == []


@pytest.mark.parametrize("membership_id", [0, 2**31, 2**63, 10**30])
def test_absurd_membership_id_is_no_server_error(client, login, coop, chair, membership_id):
    login(chair.user)

    response = client.post(f"/c/lunetten/members/{membership_id}/functions/CHAIR/revoke")

    assert response.status_code == 302
    assert functions_of(chair) == {Function.CHAIR}


def test_the_last_admin_cannot_remove_their_admin_function(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    login(admin.user)

    response = revoke(client, coop, admin, "ADMIN")

    assert response.status_code == 302
    assert functions_of(admin) == {Function.ADMIN}
    assert events(coop, "member.function_revoked") == []


def test_an_admin_may_go_when_another_admin_stays(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    board_member(coop, Function.ADMIN)
    login(admin.user)

    assert revoke(client, coop, admin, "ADMIN").status_code == 302
    assert functions_of(admin) == set()


def test_a_suspended_admin_does_not_count_as_the_other_admin(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    board_member(coop, Function.ADMIN, status=MembershipStatus.SUSPENDED)
    login(admin.user)

    revoke(client, coop, admin, "ADMIN")

    assert functions_of(admin) == {Function.ADMIN}


def test_a_suspended_members_admin_function_can_be_removed(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    suspended = board_member(coop, Function.ADMIN, status=MembershipStatus.SUSPENDED)
    login(admin.user)

    assert revoke(client, coop, suspended, "ADMIN").status_code == 302

    assert functions_of(suspended) == set()
    assert functions_of(admin) == {Function.ADMIN}


def test_the_last_chair_cannot_be_removed_without_an_admin(client, login, coop, chair):
    login(chair.user)

    response = revoke(client, coop, chair, "CHAIR")

    assert response.status_code == 302
    assert functions_of(chair) == {Function.CHAIR}
    assert events(coop, "member.function_revoked") == []
    page = client.get(response.headers["Location"])
    assert chair.name in page.text


def test_the_last_chair_can_go_when_there_is_an_admin(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    login(admin.user)

    assert revoke(client, coop, chair, "CHAIR").status_code == 302
    assert functions_of(chair) == set()
    assert len(events(coop, "member.function_revoked")) == 1


def test_a_chair_who_is_also_admin_may_give_up_the_chair(client, login, coop):
    both = board_member(coop, Function.CHAIR, Function.ADMIN)
    login(both.user)

    assert revoke(client, coop, both, "CHAIR").status_code == 302
    assert functions_of(both) == {Function.ADMIN}


def test_a_suspended_chair_is_no_chair_to_fall_back_on(client, login, coop, chair):
    board_member(coop, Function.CHAIR, status=MembershipStatus.SUSPENDED)
    login(chair.user)

    revoke(client, coop, chair, "CHAIR")

    assert functions_of(chair) == {Function.CHAIR}


def test_a_chair_may_go_when_another_chair_stays(client, login, coop, chair):
    second = board_member(coop, Function.CHAIR)
    login(second.user)

    assert revoke(client, coop, chair, "CHAIR").status_code == 302
    assert functions_of(chair) == set()


def test_a_chair_who_lost_the_function_can_no_longer_grant(client, login, coop, chair):
    admin = board_member(coop, Function.ADMIN)
    member = MembershipFactory(cooperative=coop)
    login(admin.user)
    revoke(client, coop, chair, "CHAIR")
    login(chair.user)

    assert grant(client, coop, member.number, "SECRETARY").status_code == 403
    assert functions_of(member) == set()


def test_grant_and_revoke_chain_in_order(client, login, coop, chair):
    member = MembershipFactory(cooperative=coop)
    login(chair.user)

    grant(client, coop, member.number, "SECRETARY")
    revoke(client, coop, member, "SECRETARY")
    grant(client, coop, member.number, "TREASURER")

    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.scope == f"coop:{coop.id}")
        .order_by(AuditEvent.seq)
    ).all()
    assert actions == [
        "member.function_granted",
        "member.function_revoked",
        "member.function_granted",
    ]
    assert audit.verify().ok
