"""The knowledge network with 50,000 items.

- ``knowledge_search_p95_ms``: 95th percentile of the server time of a full-text search
  page (``GET /knowledge/?q=…``, signed in as a member, so that public, network and own
  cooperative items count), over a mix of rare and common Dutch search words (ranked,
  with snippets and the total count). SQLite FTS5 by default; PostgreSQL full-text search
  with ``DATABASE_URL``.
- ``knowledge_list_ms``: median server time of a filtered listing page
  (``GET /knowledge/?kind=projectplan&theme=energie&wijk=Lombok``, newest first).

Both figures come from the database under test: SQLite by default, PostgreSQL when
``DATABASE_URL`` points at one, e.g. ``PGPORT=55504 scripts/with-postgres.sh
.venv/bin/python -m bench knowledge`` (the database is named on stderr).

The items are bulk-inserted beside the shared installation (authors are generated members),
with one or two themes each; on SQLite the FTS5 index is filled with one
``INSERT … SELECT``, on PostgreSQL a trigger fills the search table ``knowledge_search``.
"""

from __future__ import annotations

import random
import statistics
import time

from bench.common import installation, median_ms, note, report

ITEMS = 50_000
BATCH = 5_000
SEARCH_RUNS_PER_QUERY = 6
LIST_RUNS, LIST_WARMUP = 30, 3
QUERIES = [
    "buurt",  # in every item: the worst case
    "buurtmaaltijd",
    "energiecoaches",
    "klussendienst ouderen",
    "zonnepanelen",
    "cooperatie",
    "betaling",
    "vrijwilligers",
    "taalcafé nieuwkomers",
    "huiswerk",
    "eenzaamheid",
    "fietsen repareren",
    "subsidie buurt",
    "warmtenet",
    "formulieren",
    "moestuin",
    "jongeren sport",
    "voedselbank",
    "wijkscan",
    "bakfiets",
    "buurthuis",
    "iets dat nergens staat",
]
WIJKEN = [
    "Overvecht",
    "Lombok",
    "Hoograven",
    "Kanaleneiland",
    "Zuilen",
    "Ondiep",
    "Tuindorp",
    "Leidsche Rijn",
    "Wittevrouwen",
    "Transwijk",
]
_VOCABULARY = (
    "buurt wijk bewoners samen coöperatie vrijwilligers ouderen jongeren kinderen gezinnen "
    "buurthuis buurtmaaltijd klussendienst energie zonnepanelen warmtenet isolatie "
    "energiecoaches betalen betaling subsidie fonds lening begroting gemeente corporatie "
    "huiswerk taalcafé nieuwkomers eenzaamheid wandelen bewegen sport voetbal fietsen "
    "repareren moestuin voedselbank koken eten delen formulieren toeslagen schulden "
    "armoede zorg welzijn mantelzorg huisbezoek wijkscan ontmoeting bakfiets batterij "
    "dak school bibliotheek winkelcentrum plein park markt ondernemers organisaties "
    "bestuur leden vergadering plan aanpak resultaat les ervaring succes probleem "
    "oplossing avond ochtend week maand jaar elke iedere nieuwe goede kleine grote"
)
WORDS = _VOCABULARY.split()


def _authors(app, limit=500):
    from sqlalchemy import select

    from coop.extensions import db
    from coop.members.models import Membership, MembershipStatus

    with app.app_context():
        rows = db.session.execute(
            select(Membership.user_id, Membership.cooperative_id)
            .where(Membership.status == MembershipStatus.ACTIVE)
            .order_by(Membership.id)
            .limit(limit)
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


# Words every text has (like real Dutch: 'buurt' and 'samen' are everywhere) and words of
# a topic; each item is about one topic, so a topic word occurs in a few percent of items.
COMMON = WORDS[:4] + ["de", "het", "een", "en", "van", "voor", "met", "in", "op", "we", "zijn"]
TOPICS = [[WORDS[4 + (i * 7 + j) % (len(WORDS) - 4)] for j in range(6)] for i in range(40)]


def _text(rng, topic, length):
    words = [rng.choice(topic) if rng.random() < 0.2 else rng.choice(COMMON) for _ in range(length)]
    return " ".join(words).capitalize()


def _fill(app) -> None:
    from sqlalchemy import func, insert, select, text

    from coop.db import utcnow
    from coop.extensions import db
    from coop.knowledge.models import (
        ItemKind,
        ItemStatus,
        KnowledgeItem,
        Theme,
        Visibility,
        item_themes,
    )

    rng = random.Random(7)
    authors = _authors(app)
    kinds = list(ItemKind)
    now = utcnow()
    with app.app_context():
        theme_ids = list(db.session.scalars(select(Theme.id)))
        start_id = db.session.scalar(select(func.coalesce(func.max(KnowledgeItem.id), 0)))
        started = time.perf_counter()
        for offset in range(0, ITEMS, BATCH):
            rows, links = [], []
            for n in range(offset, min(offset + BATCH, ITEMS)):
                user_id, cooperative_id = authors[n % len(authors)]
                roll = rng.random()
                visibility = (
                    Visibility.PUBLIC
                    if roll < 0.25
                    else Visibility.COOPERATIVE
                    if roll < 0.40
                    else Visibility.NETWORK
                )
                topic = TOPICS[rng.randrange(len(TOPICS))]
                title = " ".join(rng.sample(topic, 3)).capitalize()
                summary = _text(rng, topic, rng.randint(12, 25))
                body = ". ".join(_text(rng, topic, rng.randint(8, 16)) for _ in range(6))
                wijk = rng.choice(WIJKEN)
                tags = ", ".join(rng.sample(topic, 2))
                published = now.replace(microsecond=0) - rng.random() * (
                    now - now.replace(year=2024)
                )
                rows.append(
                    {
                        "id": start_id + n + 1,
                        "cooperative_id": cooperative_id,
                        "author_id": user_id,
                        "kind": kinds[n % len(kinds)],
                        "status": ItemStatus.DRAFT if rng.random() < 0.05 else ItemStatus.PUBLISHED,
                        "visibility": visibility,
                        "title": title,
                        "summary": summary,
                        "body": body,
                        "wijk": wijk,
                        "tags": tags,
                        "search_text": f"{summary} \n{tags} \n{wijk} \n{body}",
                        "created_at": published,
                        "updated_at": published,
                        "published_at": published,
                    }
                )
                for theme_id in rng.sample(theme_ids, rng.randint(1, 2)):
                    links.append({"item_id": start_id + n + 1, "theme_id": theme_id})
            db.session.execute(insert(KnowledgeItem.__table__), rows)
            db.session.execute(insert(item_themes), links)
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(
                text(
                    "INSERT INTO knowledge_fts (rowid, title, body) "
                    "SELECT id, title, search_text FROM knowledge_items WHERE id > :start"
                ),
                {"start": start_id},
            )
            db.session.execute(text("INSERT INTO knowledge_fts(knowledge_fts) VALUES ('optimize')"))
            db.session.execute(text("ANALYZE"))  # what PRAGMA optimize does in production
        else:
            db.session.execute(text("ANALYZE knowledge_items"))
            db.session.execute(text("ANALYZE knowledge_item_themes"))
            db.session.execute(text("ANALYZE knowledge_search"))
        db.session.commit()
        note(f"inserted {ITEMS} knowledge items in {time.perf_counter() - started:.1f} s")
        db.session.remove()


def _signed_in_client(app, user_id):
    from coop.accounts.models import User
    from coop.extensions import db

    with app.app_context():
        user_key = db.session.get(User, user_id).get_id()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_key
        session["_fresh"] = True
    return client


def _get(client, path):
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return response


def knowledge() -> None:
    from urllib.parse import urlencode

    app = installation().app
    note(f"knowledge bench on {installation().url.split(':', 1)[0]}")
    _fill(app)
    reader, _ = _authors(app, limit=1)[0]
    client = _signed_in_client(app, reader)

    for query in QUERIES:  # warm up
        _get(client, "/knowledge/?" + urlencode({"q": query}))
    times = []
    hits = []
    for _ in range(SEARCH_RUNS_PER_QUERY):
        for query in QUERIES:
            start = time.perf_counter()
            response = _get(client, "/knowledge/?" + urlencode({"q": query}))
            times.append((time.perf_counter() - start) * 1000)
            hits.append(response.text.count('class="card item-card"'))
    p95 = statistics.quantiles(times, n=20)[-1]
    note(f"search: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
    report("knowledge_search_p95_ms", p95, "ms")

    path = "/knowledge/?kind=projectplan&theme=energie&wijk=Lombok"
    listing = median_ms(lambda: _get(client, path), LIST_RUNS, LIST_WARMUP)
    report("knowledge_list_ms", listing, "ms")
    front = median_ms(lambda: _get(client, "/knowledge/"), LIST_RUNS, LIST_WARMUP)
    note(f"unfiltered list (/knowledge/): median {front:.1f} ms")
