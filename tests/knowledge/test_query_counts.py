"""The knowledge list's number of SQL queries does not grow with the number of items."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from coop.db import utcnow
from coop.extensions import db
from coop.knowledge import search
from coop.knowledge.models import (
    ItemKind,
    ItemStatus,
    KnowledgeItem,
    Theme,
    Visibility,
    item_themes,
)
from tests.test_query_counts import page_queries


def add_items(author, count, start):
    now = utcnow()
    themes = list(db.session.scalars(select(Theme.id).order_by(Theme.id)))
    rows = [
        {
            "cooperative_id": author.cooperative_id,
            "author_id": author.user_id,
            "kind": list(ItemKind)[i % len(ItemKind)],
            "status": ItemStatus.PUBLISHED,
            "visibility": list(Visibility)[i % len(Visibility)],
            "title": f"Energiecoöperatie {start + i}",
            "summary": "Samen zonnepanelen kopen.",
            "search_text": "Samen zonnepanelen kopen voor de buurt.",
            "wijk": ["Lombok", "Overvecht", "Zuilen"][i % 3],
            "created_at": now,
            "updated_at": now,
            "published_at": now,
        }
        for i in range(count)
    ]
    ids = db.session.scalars(
        insert(KnowledgeItem).returning(KnowledgeItem.id, sort_by_parameter_order=True), rows
    ).all()
    energy = db.session.scalar(select(Theme.id).where(Theme.slug == "energie"))
    db.session.execute(
        insert(item_themes),
        [
            {"item_id": item_id, "theme_id": theme_id}
            for n, item_id in enumerate(ids)
            for theme_id in {energy, themes[n % len(themes)]}
        ],
    )
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            insert(search.fts),
            [
                {"rowid": item_id, "title": row["title"], "body": row["search_text"]}
                for item_id, row in zip(ids, rows, strict=True)
            ],
        )
    db.session.flush()


@pytest.mark.parametrize(
    "url",
    [
        "/knowledge/",
        "/knowledge/?q=zonnepanelen",
        "/knowledge/?theme=energie&wijk=Lombok",
        "/knowledge/?q=energiecooperatie&kind=idee&mine=1",
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_does_not_grow_with_items(client, login, queries, author, url, signed_in):
    if signed_in:
        login(author.user)
    add_items(author, 5, 0)
    client.get(url)  # warm caches (translations, templates)
    with_five = page_queries(client, queries, url)
    add_items(author, 500, 10)
    with_many = page_queries(client, queries, url)

    assert with_many == with_five, f"{url}: {with_five} queries with 5 items, {with_many} with 505"
