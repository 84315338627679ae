"""The statutes pages' number of queries does not grow with the number of versions."""

from __future__ import annotations

import pytest

from coop.extensions import db
from coop.statutes import schema
from coop.statutes.models import Statutes, StatutesStatus
from tests.test_query_counts import page_queries


def _add_versions(coop, version, count, start):
    values = schema.defaults(version.defaults) | {
        "name": "Zuilen",
        "seat": "Utrecht",
        "purpose": "Samen.",
    }
    for number in range(start, start + count):
        db.session.add(
            Statutes(
                cooperative_id=coop.cooperative.id,
                number=number,
                template_version_id=version.id,
                parameters=values,
                status=StatutesStatus.SUPERSEDED,
            )
        )
    db.session.flush()


@pytest.mark.parametrize("page", ["/c/{slug}/statutes/", "/c/{slug}/statutes/compare"])
def test_statutes_pages_do_not_grow_with_versions(client, login, queries, coop, test_version, page):
    login(coop.chair.user)
    url = page.format(slug=coop.cooperative.slug)
    _add_versions(coop, test_version, 2, 1)
    client.get(url)  # warm caches
    with_two = page_queries(client, queries, url)
    _add_versions(coop, test_version, 30, 3)
    with_many = page_queries(client, queries, url)
    assert with_many == with_two, f"{url}: {with_two} queries with 2 versions, {with_many} with 32"
