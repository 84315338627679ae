"""A page's number of SQL queries does not grow with the number of members."""

import pytest
from sqlalchemy import insert

from coop.accounts.models import User
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Function, MemberKind, Membership
from tests.factories import CooperativeFactory, UserFactory, board_member

PAGES = [
    "/",
    "/c/{slug}/",
    "/c/{slug}/dashboard",
    "/c/{slug}/details",
    "/c/{slug}/audit",
    "/c/{slug}/members/functions",
    "/c/{slug}/members/",
    "/c/{slug}/members/?q=lid&sort=name&order=desc",
    "/c/{slug}/members/?as_of=2020-01-01&status=all",
    "/c/{slug}/members/?page=2",
    "/c/{slug}/members/directory",
    "/c/{slug}/members/1",
    "/account/",
    "/admin/cooperatives",
]


def add_members(cooperative, count, start):
    now = utcnow()
    ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "email": f"bulk{start + i}@example.test",
                "name": f"Lid {start + i}",
                "password_hash": "x",
                "locale": "nl",
                "is_platform_admin": False,
                "session_version": 1,
                "created_at": now,
                "email_verified_at": now,
            }
            for i in range(count)
        ],
    ).all()
    first = cooperative.last_member_number
    db.session.execute(
        insert(Membership),
        [
            {
                "cooperative_id": cooperative.id,
                "user_id": user_id,
                "number": first + i + 1,
                "kind": MemberKind.BEWONER,
                "name": f"Lid {start + i}",
                "created_at": now,
                "in_directory": i % 2 == 0,
                "directory_email": True,
                "directory_phone": True,
                "directory_address": True,
            }
            for i, user_id in enumerate(ids)
        ],
    )
    cooperative.last_member_number = first + count
    db.session.flush()


def page_queries(client, queries, url):
    before = queries.count
    response = client.get(url)
    assert response.status_code == 200, url
    return queries.count - before


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_members(client, login, queries, page):
    coop = CooperativeFactory()
    board = board_member(coop, Function.CHAIR, Function.ADMIN)
    admin = UserFactory(is_platform_admin=True)
    user = admin if page.startswith("/admin") else board.user
    login(user)
    url = page.format(slug=coop.slug)
    add_members(coop, 9, 0)
    client.get(url)  # warm caches (translations, templates)
    with_ten = page_queries(client, queries, url)
    add_members(coop, 990, 10)
    with_thousand = page_queries(client, queries, url)
    assert with_thousand == with_ten, (
        f"{url}: {with_ten} queries with 10, {with_thousand} with 1000"
    )
