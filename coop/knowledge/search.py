"""Full-text search over knowledge items, on SQLite and on PostgreSQL.

SQLite: the FTS5 table ``knowledge_fts`` (title, body; rowid = item id) with the
``unicode61 remove_diacritics 2`` tokenizer, so 'cooperatie' finds 'coöperatie'. The
service keeps it in step with the items (:func:`index`, called on every save). FTS5 has no
Dutch stemmer: each search word loses one common Dutch ending (-ingen, -ing, -en, -e, -s …)
and is then looked up as a prefix, so 'betaling' and 'betalen' both search 'betal*'.
Ranking: bm25 with the title weighing ten times the rest.

PostgreSQL: the table ``knowledge_search`` (:data:`pg_search`), one narrow row per item:
the search vector (title weight A, the rest weight B, in the text-search configuration
``coop_dutch``: the ``dutch`` configuration with ``unaccent`` before the Dutch Snowball
stemmer, so accents never matter and 'betaling' finds 'betalen') and the columns the
filters and the visibility rule read. A trigger on ``knowledge_items`` keeps it in step in
the same transaction, whoever writes the item; a search reads these rows of about 300
bytes instead of the items' rows of about 1.5 KB. Queries go through
``websearch_to_tsquery`` (any input is valid), ranked by ``ts_rank``. The migrations create
the configuration, the table, its GIN index and the trigger.

Cost: :func:`ranked_page` scores only the newest ``limit`` matches (the service takes
1,000), and counts, ranks and cuts the page in the same statement; snippets are made for
the page's items only, in Python on both databases (:func:`text_snippet`: a word matches
when it starts with a search word's stem, as in the FTS5 query; PostgreSQL's
``ts_headline`` parses each text again and cost about 3.5 ms for a page of 20). On SQLite
the FTS5 table has prefix indexes (3 to 8 letters), so a prefix query reads one list
instead of merging the lists of every word that starts with it.

Snippets come back with \\x02 and \\x03 around matches; :func:`highlight` escapes the
text first and only then turns those into <mark> tags. Stored text never has them: the
forms refuse control characters and :func:`document_text` drops any that slip through.
"""

from __future__ import annotations

import functools
import itertools
import re
import time
import unicodedata

from markupsafe import Markup, escape
from sqlalchemy import (
    Column,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR

from coop.db import UTCDateTime
from coop.extensions import db
from coop.knowledge.models import ItemKind, ItemStatus, TargetGroup, Visibility
from coop.knowledge.rendering import to_text

START, STOP = "\x02", "\x03"
CONFIG = "coop_dutch"
MAX_QUERY = 200
MAX_WORDS = 12

# Outside db.metadata: the migration creates it (SQLite only), the models do not describe it.
fts = Table(
    "knowledge_fts",
    MetaData(),
    Column("rowid", Integer, primary_key=True),
    Column("title", Text),
    Column("body", Text),
)

# Outside db.metadata too (PostgreSQL only): migration e5b7c9d1f3a4 creates it with its
# trigger. Its columns carry the items' names and types, so that the visibility rule and the
# filters (coop.knowledge.services) read it as they read the items.
pg_search = Table(
    "knowledge_search",
    MetaData(),
    Column("id", Integer, primary_key=True),  # = knowledge_items.id
    Column("status", Enum(ItemStatus, native_enum=False, length=20)),
    Column("visibility", Enum(Visibility, native_enum=False, length=20)),
    Column("hidden_at", UTCDateTime()),
    Column("author_id", Integer),
    Column("cooperative_id", Integer),
    Column("kind", Enum(ItemKind, native_enum=False, length=20)),
    Column("wijk", String(100)),
    Column("target_group", Enum(TargetGroup, native_enum=False, length=20)),
    Column("vector", TSVECTOR),
)

MARKDOWN_FIELDS = (
    "body",
    "need",
    "wijk_analysis",
    "approach",
    "budget",
    "funders",
    "expected_impact",
    "measured_impact",
    "lessons",
    "eligibility",
    "criteria",
)
TEXT_FIELDS = ("summary", "tags", "wijk", "funder", "contact")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD = re.compile(r"\w+")
# Longest first; the stem keeps at least MIN_STEM letters.
DUTCH_ENDINGS = ("ingen", "heden", "ing", "en", "e", "s")
MIN_STEM = 4


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def document_text(item) -> str:
    """Plain text of everything searchable in an item but its title."""
    parts = [getattr(item, name) or "" for name in TEXT_FIELDS]
    parts += [to_text(getattr(item, name)) for name in MARKDOWN_FIELDS]
    themes = [f"{t.name_nl} {t.name_en}" for t in item.themes]
    return _CONTROL.sub(" ", " \n".join(p for p in [*parts, *themes] if p))


def index(item) -> None:
    """Bring the search index up to date with the item (after it was flushed)."""
    item.search_text = document_text(item)
    if _dialect() == "sqlite":
        db.session.execute(delete(fts).where(fts.c.rowid == item.id))
        db.session.execute(
            insert(fts).values(
                rowid=item.id, title=_CONTROL.sub(" ", item.title), body=item.search_text
            )
        )
    db.session.flush()


def clean_query(text: str | None) -> str:
    text = _CONTROL.sub(" ", (text or "").replace("\x00", ""))
    return text.strip()[:MAX_QUERY]


def fold(word: str) -> str:
    """Lower case, without accents: 'Coöperatie' -> 'cooperatie'."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Words with accents recur ('coöperatie', 'financiën'): fold each once per process.
_fold_word = functools.lru_cache(maxsize=4096)(fold)


def dutch_stem(word: str) -> str:
    """A light Dutch stemmer for FTS5 prefix queries: one common ending off."""
    for ending in DUTCH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def words(text: str) -> list[str]:
    return _WORD.findall(clean_query(text))[:MAX_WORDS]


def fts5_query(text: str) -> str:
    """Every word must occur (as its stem's prefix). Words are \\w+ only, so quoting
    them makes any input a valid FTS5 query."""
    terms = []
    for word in words(text):
        term = dutch_stem(fold(word))
        terms.append(f'"{term}"*' if len(term) >= 3 else f'"{term}"')
    return " ".join(terms)


# The search words as one bound parameter, so that a statement is built once and run with
# any words (:func:`parameters` gives its value): PostgreSQL's ``websearch_to_tsquery``
# reads the text, SQLite's FTS5 reads :func:`fts5_query`.
SEARCH = bindparam("search", type_=String)
_PG_QUERY = func.websearch_to_tsquery(cast(CONFIG, REGCONFIG), SEARCH)
_FTS = literal_column("knowledge_fts")


def parameters(text: str) -> dict:
    """The value of :data:`SEARCH` for the search words ``text``."""
    if _dialect() == "postgresql":
        return {"search": clean_query(text)}
    return {"search": fts5_query(text)}


def walk_newest(text: str, limit: int) -> bool:
    """How :func:`ranked_page` finds the newest ``limit`` matches on PostgreSQL: by walking
    the items newest first (a word in most items) or through the GIN index (a rarer word:
    walking would read many items that do not match). PostgreSQL's planner underrates the
    cost of @@ per row and walks for rare words too, so we choose. Always False on SQLite."""
    return _dialect() == "postgresql" and _pg_common(text, limit)


def ranked_page(stmt, source, *, walk: bool, limit: int, per_page: int):
    """One page of the matches of :data:`SEARCH` among the items of ``stmt`` (a select of
    ``source.id``, already filtered; ``source``: :data:`pg_search`'s columns on PostgreSQL,
    the items' model on SQLite), as a subquery with the columns ``id``, ``score`` and
    ``total``: the newest ``limit`` matches ranked by relevance (best first, newest first
    on a tie), rows ``page_offset`` (a bound parameter) to ``page_offset + per_page`` of
    them; ``total`` is the number of matches, counted up to ``limit + 1`` (more than
    ``limit``: the page says so). ``walk``: :func:`walk_newest`.

    The database does the counting, ranking and paging in one statement, so that only the
    page's rows come back, and the score is computed for the newest ``limit`` matches
    only: ranking every match of a word that is in nearly every item (bm25 or ts_rank for
    50,000 rows) costs far more than the search itself. On SQLite the FTS5 index hands out
    its matches newest first (by rowid), so the join and the filters stop after ``limit``
    rows; on PostgreSQL the GIN index finds the matches.
    """
    if _dialect() == "postgresql":
        newest_first = source.id.desc() if walk else (source.id + 0).desc()
        hits = (
            stmt.where(source.vector.op("@@")(_PG_QUERY))
            .add_columns(source.vector)
            .order_by(newest_first)
            .limit(limit + 1)
            .cte("hits")
        )
        # ts_rank outside the LIMIT, so that it reads the vectors of these rows only.
        score = func.ts_rank(hits.c.vector, _PG_QUERY)
    else:
        bm25 = -func.bm25(_FTS, 10.0, 1.0)  # bm25: lower is better
        hits = (
            stmt.join(fts, fts.c.rowid == source.id)
            .where(_FTS.op("MATCH")(SEARCH))
            .add_columns(bm25.label("score"))
            .order_by(fts.c.rowid.desc())
            .limit(limit + 1)
            .cte("hits")
        )
        score = hits.c.score
    first = hits.c[0]
    kept = select(first.label("id"), score.label("score")).order_by(first.desc()).limit(limit)
    kept = kept.subquery("kept")
    total = select(func.count()).select_from(hits).scalar_subquery()
    return (
        select(kept.c.id, kept.c.score, total.label("total"))
        .order_by(kept.c.score.desc(), kept.c.id.desc())
        .limit(per_page)
        .offset(bindparam("page_offset", type_=Integer))
        .subquery("page")
    )


# The planner's estimate of how many items match a search, per search text, kept a while:
# it changes only when ANALYZE runs, and asking (EXPLAIN plus the table's size) costs two
# round trips on every search. Per process, bounded; a stale answer only picks the slower
# of two correct plans.
_COMMON_CACHE: dict[tuple[str, int], tuple[float, bool]] = {}
_COMMON_CACHE_SIZE = 2048
_COMMON_CACHE_SECONDS = 600.0


def _pg_common(text: str, limit: int) -> bool:
    """Do so many items match (the planner's estimate) that walking the items newest
    first finds ``limit`` matches sooner than reading every match? Walking reads about
    limit * items / matches rows, the index reads all matches: walk when
    matches² > limit * items."""
    key = (clean_query(text), limit)
    now = time.monotonic()
    cached = _COMMON_CACHE.get(key)
    if cached is not None and now - cached[0] < _COMMON_CACHE_SECONDS:
        return cached[1]
    plan = db.session.execute(explain_stmt, {"config": CONFIG, "q": clean_query(text)}).scalar_one()
    matches = plan[0]["Plan"]["Plan Rows"]
    items = db.session.execute(reltuples_stmt).scalar_one() or 0
    common = matches * matches > limit * items
    if len(_COMMON_CACHE) >= _COMMON_CACHE_SIZE:
        _COMMON_CACHE.clear()
    _COMMON_CACHE[key] = (now, common)
    return common


explain_stmt = sql_text(
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM knowledge_search "
    "WHERE vector @@ websearch_to_tsquery(CAST(:config AS regconfig), :q)"
)
reltuples_stmt = sql_text(
    "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = 'knowledge_search'::regclass"
)

SNIPPET_WORDS = 24


def _prefixes(text: str) -> tuple[str, ...]:
    """What each search word matches on SQLite: words that start with its stem."""
    return tuple(dutch_stem(fold(word)) for word in words(text))


def text_snippet(source: str, text: str) -> str | None:
    """The part of ``source`` (about SNIPPET_WORDS words) with the most matches of the
    search words, the matches between START and STOP; None without a match. The same
    matching as the FTS5 query (a word matches when it starts with a search word's stem),
    done in Python for the page's items only: asking FTS5 for the snippets of a page
    costs a full prefix search for every item on it."""
    prefixes = _prefixes(text)
    if not source or not prefixes:
        return None
    if source.isascii():  # most texts: lower case is all the folding there is to do
        hits = [w.startswith(prefixes) for w in _WORD.findall(source.lower())]
    else:
        hits = [
            (w.lower() if w.isascii() else _fold_word(w)).startswith(prefixes)
            for w in _WORD.findall(source)
        ]
    if not any(hits):
        return None
    # The first window of SNIPPET_WORDS words with the most matches (counted with running
    # totals: cumulative[k] is the number of matches among the first k words).
    size = len(hits)
    best = 0
    if size > SNIPPET_WORDS:
        cumulative = list(itertools.accumulate(hits, initial=0))
        starts, ends = cumulative[: size + 1 - SNIPPET_WORDS], cumulative[SNIPPET_WORDS:]
        counts = [end - start for start, end in zip(starts, ends, strict=True)]
        best = counts.index(max(counts))
    window = list(itertools.islice(_WORD.finditer(source), best, best + SNIPPET_WORDS))
    parts, position = [], window[0].start()
    for token, hit in zip(window, hits[best : best + SNIPPET_WORDS], strict=True):
        parts.append(source[position : token.start()])
        parts.append(f"{START}{token.group()}{STOP}" if hit else token.group())
        position = token.end()
    snippet = " ".join("".join(parts).split())
    if best > 0:
        snippet = "…" + snippet
    if best + SNIPPET_WORDS < size:
        snippet += "…"
    return snippet


def highlight(snippet: str | None) -> Markup:
    """Escape the snippet, then mark the matches."""
    if not snippet:
        return Markup("")
    escaped = str(escape(snippet))
    opened = escaped.count(START)
    if opened != escaped.count(STOP):
        escaped = escaped.replace(START, "").replace(STOP, "")
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704
