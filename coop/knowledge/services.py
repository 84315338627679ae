"""Knowledge network rules: who sees which item, saving, moderation, themes, files.

The visibility rule lives in :func:`visible_to` alone; the list, search, item page, edit
pages and file downloads all load items through it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
)

from coop import audit
from coop.access import membership_of
from coop.core.models import Cooperative
from coop.db import utcnow
from coop.errors import DomainError, NotFound
from coop.extensions import db
from coop.knowledge import search
from coop.knowledge.models import (
    Attachment,
    Bookmark,
    FundingKind,
    ItemKind,
    ItemStatus,
    KnowledgeItem,
    Question,
    TargetGroup,
    Theme,
    ThemeFollow,
    Visibility,
    item_themes,
)
from coop.members.models import Membership, MembershipStatus

MAX_ID = 2**31 - 1
PAGE_SIZE = 20

# Which fields each kind of item has (besides the common ones).
COMMON_FIELDS = (
    "title",
    "summary",
    "body",
    "wijk",
    "target_group",
    "tags",
    "visibility",
)
KIND_FIELDS = {
    ItemKind.IDEA: ("contact",),
    ItemKind.PLAN: (
        "need",
        "wijk_analysis",
        "approach",
        "budget",
        "funders",
        "expected_impact",
        "measured_impact",
        "lessons",
        "contact",
    ),
    ItemKind.STATUTES: (),
    ItemKind.FUNDING: (
        "funder",
        "funding_kind",
        "amount_min_cents",
        "amount_max_cents",
        "deadline_on",
        "eligibility",
        "criteria",
        "link",
        "contact",
    ),
    ItemKind.STORY: (),
}


# Visibility ---------------------------------------------------------------------------------


def _active_cooperative_ids(user_id: int):
    return (
        select(Membership.cooperative_id)
        .where(Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE)
        .scalar_subquery()
    )


# Where the visibility rule and the filters read an item's columns: the items, or (a search
# on PostgreSQL) the narrow search table with the same columns (coop.knowledge.search).
ITEMS, SEARCH_TABLE = "items", "search"
_SOURCES = {ITEMS: KnowledgeItem, SEARCH_TABLE: search.pg_search.c}


def visible_to(user):
    """THE visibility rule, as a WHERE clause on KnowledgeItem.

    - a draft: its author alone;
    - a hidden item: its author (who sees why) and platform admins;
    - public: everyone; network: anyone signed in with an active membership on this
      installation, and platform admins; own cooperative: active members of the item's
      cooperative.

    The clause depends on who asks only through their id and whether they are a platform
    admin (memberships are looked up by the database when the query runs), so it is built
    once per person and process: building it costs more than running it.
    """
    return _visible_to_viewer(_viewer(user))


def _viewer(user) -> tuple[int, bool] | None:
    """(user id, platform admin) of someone signed in; None otherwise."""
    if user is None or not user.is_authenticated:
        return None
    return user.id, bool(user.is_platform_admin)


def _visible_to_viewer(viewer: tuple[int, bool] | None, source: str = ITEMS):
    if viewer is None:
        return _visible_to_anyone(source)
    return _visible_to_member(*viewer, source)


@functools.cache
def _visible_to_anyone(source: str = ITEMS):
    item = _SOURCES[source]
    return and_(
        item.status == ItemStatus.PUBLISHED,
        item.hidden_at.is_(None),
        item.visibility == Visibility.PUBLIC,
    )


@functools.lru_cache(maxsize=1024)
def _visible_to_member(user_id: int, admin: bool, source: str = ITEMS):
    item = _SOURCES[source]
    published = item.status == ItemStatus.PUBLISHED
    member_somewhere = exists().where(
        Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE
    )
    audience = or_(
        item.visibility == Visibility.PUBLIC,
        and_(
            item.visibility == Visibility.NETWORK,
            true() if admin else member_somewhere,
        ),
        and_(
            item.visibility == Visibility.COOPERATIVE,
            item.cooperative_id.in_(_active_cooperative_ids(user_id)),
        ),
    )
    return or_(
        item.author_id == user_id,
        and_(
            published,
            true() if admin else item.hidden_at.is_(None),
            audience,
        ),
    )


def get_visible(item_id: int, user) -> KnowledgeItem:
    """The item, if this person may see it; NotFound otherwise (also for items that exist
    but are not theirs to see, so that nobody learns which ids exist)."""
    if not 0 < item_id <= MAX_ID:
        raise NotFound(_l("This item does not exist."))
    item = db.session.scalar(
        select(KnowledgeItem).where(KnowledgeItem.id == item_id, visible_to(user))
    )
    if item is None:
        raise NotFound(_l("This item does not exist."))
    return item


def can_edit(item: KnowledgeItem, user) -> bool:
    """The author, and the board of the item's cooperative (of items they can see)."""
    if user is None or not user.is_authenticated:
        return False
    if item.author_id == user.id:
        return True
    membership = membership_of(user, item.cooperative)
    return membership is not None and membership.is_board


def check_can_edit(item: KnowledgeItem, user) -> None:
    if not can_edit(item, user):
        raise DomainError(
            _l("Only the author and the board of the cooperative can change this item.")
        )


# Listing and search -------------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    kind: ItemKind | None = None
    theme: Theme | None = None
    wijk: str = ""
    target_group: TargetGroup | None = None
    mine: bool = False


# A search ranks (and a list counts) at most this many items: beyond it the page says
# "more than 1,000", and a search ranks the 1,000 newest matches. Counting and ranking
# every match of a word that is in nearly every item would cost far more than the rest.
MAX_RESULTS = 1000


@dataclass
class Page:
    rows: list[Card]
    total: int  # at most MAX_RESULTS
    page: int
    pages: int
    searched: bool
    more: bool = False  # more than MAX_RESULTS items


@dataclass(frozen=True)
class _Shape:
    """What a list or search statement depends on besides the search words and the page:
    who asks and the filters (the neighbourhood as its spellings in the items)."""

    viewer: tuple[int, bool] | None  # (user id, platform admin); None: not signed in
    kind: ItemKind | None = None
    theme_id: int | None = None
    wijken: tuple[str, ...] | None = None  # None: no neighbourhood filter
    target_group: TargetGroup | None = None
    mine: bool = False


def _shape(user, filters: Filters) -> _Shape:
    return _Shape(
        viewer=_viewer(user),
        kind=filters.kind,
        theme_id=filters.theme.id if filters.theme is not None else None,
        wijken=tuple(_wijk_spellings(filters.wijk)) if filters.wijk else None,
        target_group=filters.target_group,
        mine=filters.mine,
    )


def _shape_conditions(shape: _Shape, source: str = ITEMS) -> list:
    """The WHERE clauses of the filters (the visibility rule first), on the columns of
    ``source``."""
    item = _SOURCES[source]
    conditions = [_visible_to_viewer(shape.viewer, source)]
    if shape.kind is not None:
        conditions.append(item.kind == shape.kind)
    if shape.theme_id is not None:
        # EXISTS, not IN: the planner then starts from the other filters (the index on
        # neighbourhood and kind) and looks the theme up per item, instead of reading every
        # item of a common theme.
        conditions.append(
            exists().where(
                item_themes.c.item_id == item.id,
                item_themes.c.theme_id == shape.theme_id,
            )
        )
    if shape.wijken is not None:
        # Case does not matter; the items are then found through the index on wijk.
        conditions.append(item.wijk.in_(shape.wijken))
    if shape.target_group is not None:
        conditions.append(item.target_group == shape.target_group)
    if shape.mine:
        conditions.append(
            item.author_id == shape.viewer[0] if shape.viewer is not None else false()
        )
    return conditions


def _filtered(stmt, user, filters: Filters):
    return stmt.where(*_shape_conditions(_shape(user, filters)))


@dataclass(slots=True)
class Card:
    """What a result card shows (templates/knowledge/index.html)."""

    id: int
    title: str
    kind: ItemKind
    is_draft: bool
    is_hidden: bool
    cooperative: str  # its name
    wijk: str
    deadline_on: date | None
    summary: str
    themes: list[str]  # names, in the reader's language
    snippet: Markup


# A card's columns, read as plain rows (no ORM objects): the long Markdown fields stay in the
# database, the themes come as a list of ids, the cooperative as its name.
_THEME_IDS = (
    select(func.aggregate_strings(cast(item_themes.c.theme_id, String), ","))
    .where(item_themes.c.item_id == KnowledgeItem.id)
    .scalar_subquery()
)
_CARD_COLUMNS = (
    KnowledgeItem.id,
    KnowledgeItem.title,
    KnowledgeItem.kind,
    KnowledgeItem.status,
    KnowledgeItem.hidden_at,
    Cooperative.name.label("cooperative"),
    KnowledgeItem.wijk,
    KnowledgeItem.deadline_on,
    KnowledgeItem.summary,
    _THEME_IDS.label("theme_ids"),
)


def _card_select(*extra):
    return select(*_CARD_COLUMNS, *extra).join(
        Cooperative, Cooperative.id == KnowledgeItem.cooperative_id
    )


def _cards(rows, themes: list[Theme], q: str) -> list[Card]:
    """Cards of the rows of :func:`_card_select`; with search words, snippets from the
    rows' ``search_text`` (:func:`search.text_snippet`, the page's items only)."""
    order = {theme.id: (n, theme.name) for n, theme in enumerate(themes)}  # by Dutch name
    cards = []
    for row in rows:
        ids = row.theme_ids.split(",") if row.theme_ids else []
        listed = sorted(order[int(i)] for i in ids if int(i) in order)
        snippet = search.text_snippet(row.search_text, q) if q else None
        cards.append(
            Card(
                id=row.id,
                title=row.title,
                kind=row.kind,
                is_draft=row.status is ItemStatus.DRAFT,
                is_hidden=row.hidden_at is not None,
                cooperative=row.cooperative,
                wijk=row.wijk,
                deadline_on=row.deadline_on,
                summary=row.summary,
                themes=[name for _n, name in listed],
                snippet=search.highlight(snippet),
            )
        )
    return cards


def _page_bounds(total: int, page: int, per_page: int) -> tuple[int, int, int]:
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    return page, pages, (page - 1) * per_page


# The statements of a list page and of a search page, built once per shape and process (the
# search words and the page's offset are bound parameters): building them costs more CPU
# than PostgreSQL needs to run a rare word's search.
_STATEMENTS = 512


@functools.lru_cache(maxsize=_STATEMENTS)
def _search_statement(shape: _Shape, walk: bool, limit: int, per_page: int, dialect: str):
    source = SEARCH_TABLE if dialect == "postgresql" else ITEMS
    ranked = search.ranked_page(
        select(_SOURCES[source].id).where(*_shape_conditions(shape, source)),
        _SOURCES[source],
        walk=walk,
        limit=limit,
        per_page=per_page,
    )
    return (
        _card_select(ranked.c.total, KnowledgeItem.search_text)
        .join(ranked, ranked.c.id == KnowledgeItem.id)
        .order_by(ranked.c.score.desc(), ranked.c.id.desc())
    )


@functools.lru_cache(maxsize=_STATEMENTS)
def _list_statements(shape: _Shape, limit: int, per_page: int, dialect: str):
    """The count (up to ``limit + 1``) and one page, newest first."""
    conditions = _shape_conditions(shape)
    counted = select(KnowledgeItem.id).where(*conditions).limit(limit + 1).subquery()
    page = (
        _card_select()
        .where(*conditions)
        .order_by(
            func.coalesce(KnowledgeItem.published_at, KnowledgeItem.created_at).desc(),
            KnowledgeItem.id.desc(),
        )
        .limit(per_page)
        .offset(bindparam("page_offset", type_=Integer))
    )
    return select(func.count()).select_from(counted), page


def _search_page(user, filters: Filters, page: int, per_page: int) -> tuple[list, int, int]:
    """The rows of one page of a search (the card's columns, the total and the search
    text), the number of matches (up to MAX_RESULTS + 1) and the page number (the last
    page when ``page`` is beyond it).

    One statement counts and ranks the matches, cuts the page and reads its rows."""
    dialect = db.session.get_bind().dialect.name
    walk = search.walk_newest(filters.q, MAX_RESULTS)
    stmt = _search_statement(_shape(user, filters), walk, MAX_RESULTS, per_page, dialect)
    words = search.parameters(filters.q)

    def load(number: int) -> list:
        return db.session.execute(stmt, {**words, "page_offset": (number - 1) * per_page}).all()

    rows = load(page)
    if not rows and page > 1:  # beyond the last page: the count, then the last page
        first = load(1)
        total = min(first[0].total, MAX_RESULTS) if first else 0
        page = _page_bounds(total, page, per_page)[0]
        rows = first if page == 1 else load(page)
    return rows, (rows[0].total if rows else 0), page


def listing(
    user,
    filters: Filters,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    themes: list[Theme] | None = None,
) -> Page:
    """Cards of the items this person may see, filtered; with search words, ranked with
    snippets. ``themes``: every theme (:func:`all_themes`, read here when not given), for
    the cards' themes.

    A search takes the newest MAX_RESULTS matches (all of them when there are fewer, which
    is nearly always so once a word or filter is added) and ranks those by relevance; only
    the page shown gets snippets.
    """
    searched = bool(search.words(filters.q))
    if searched:
        rows, counted, page = _search_page(user, filters, page, per_page)
        more = counted > MAX_RESULTS
        total = min(counted, MAX_RESULTS)
        page, pages, _offset = _page_bounds(total, page, per_page)
    else:
        dialect = db.session.get_bind().dialect.name
        shape = _shape(user, filters)
        count_stmt, page_stmt = _list_statements(shape, MAX_RESULTS, per_page, dialect)
        counted = db.session.scalar(count_stmt)
        more = counted > MAX_RESULTS
        total = min(counted, MAX_RESULTS)
        page, pages, offset = _page_bounds(total, page, per_page)
        rows = db.session.execute(page_stmt, {"page_offset": offset}).all()
    return Page(
        rows=_cards(
            rows, all_themes() if themes is None else themes, filters.q if searched else ""
        ),
        total=total,
        page=page,
        pages=pages,
        searched=searched,
        more=more,
    )


# The distinct neighbourhoods through the index on wijk, one index lookup per value (a
# "loose index scan"), instead of reading every item: the same SQL on SQLite and PostgreSQL.
_DISTINCT_WIJKEN = text(
    "WITH RECURSIVE w(wijk) AS ("
    " SELECT MIN(wijk) FROM knowledge_items WHERE wijk > ''"
    " UNION ALL"
    " SELECT (SELECT MIN(k.wijk) FROM knowledge_items k WHERE k.wijk > w.wijk)"
    " FROM w WHERE w.wijk IS NOT NULL"
    ") SELECT wijk FROM w WHERE wijk IS NOT NULL"
).columns(wijk=String)


def _wijk_spellings(wijk: str) -> list[str]:
    """How a neighbourhood is written in the items, whatever the case ('lombok', 'Lombok')."""
    wanted = wijk.casefold()
    return [w for w in db.session.scalars(_DISTINCT_WIJKEN) if w.casefold() == wanted]


def wijken(user) -> list[str]:
    """The neighbourhoods of the items this person may see, for the filter: per distinct
    neighbourhood, the first visible item (far cheaper than checking every item).

    Not ``EXISTS``: PostgreSQL turns that into a join that reads every item (about 35 ms
    for 50,000). A subquery with ``LIMIT 1`` runs once per neighbourhood; ordered as the
    index on (wijk, kind, and what the visibility rule reads), it reads that index only,
    never more than one neighbourhood's entries."""
    candidates = _DISTINCT_WIJKEN.subquery()
    first_visible = (
        select(literal(1))
        .where(KnowledgeItem.wijk == candidates.c.wijk, visible_to(user))
        .order_by(KnowledgeItem.wijk, KnowledgeItem.kind)
        .limit(1)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(candidates.c.wijk).where(first_visible.is_not(None)).order_by(candidates.c.wijk)
        )
    )


# Saving -------------------------------------------------------------------------------------


def author_memberships(user) -> list[Membership]:
    """The memberships someone may publish for: active ones."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE)
            .order_by(Membership.id)
        )
    )


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.name_nl)))


def _clean_tags(text: str) -> str:
    seen: list[str] = []
    for tag in (text or "").split(","):
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in {t.casefold() for t in seen}:
            seen.append(tag)
    return ", ".join(seen)


def _apply(item: KnowledgeItem, data: dict) -> None:
    fields = (*COMMON_FIELDS, *KIND_FIELDS[item.kind])
    values = {name: data[name] for name in fields if name in data}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    if "tags" in values:
        values["tags"] = _clean_tags(values["tags"])
    for name, enum_type in (
        ("visibility", Visibility),
        ("target_group", TargetGroup),
        ("funding_kind", FundingKind),
    ):
        if name in values and not isinstance(values[name], enum_type | None):
            try:
                values[name] = enum_type[values[name]] if values[name] else None
            except KeyError as error:
                raise DomainError(_l("Choose one of the options."), field=name) from error
    if values.get("visibility", item.visibility) is None:
        raise DomainError(_l("Choose who may read this."), field="visibility")
    low = values.get("amount_min_cents", item.amount_min_cents)
    high = values.get("amount_max_cents", item.amount_max_cents)
    if low is not None and high is not None and low > high:
        raise DomainError(
            _l("The highest amount is lower than the lowest amount."), field="amount_max"
        )
    link = values.get("link")
    if link and urlsplit(link).scheme.lower() not in ("http", "https"):
        raise DomainError(_l("Give a web address that starts with https://."), field="link")
    if "themes" in data:
        ids = {int(i) for i in data["themes"] or ()}
        themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(ids)))) if ids else []
        if len(themes) != len(ids):
            raise DomainError(_l("Choose themes from the list."), field="themes")
        item.themes = sorted(themes, key=lambda t: t.name_nl)
    for name, value in values.items():
        setattr(item, name, value)


def _set_status(item: KnowledgeItem, *, publish: bool, draft: bool) -> None:
    if publish:
        item.status = ItemStatus.PUBLISHED
        if item.published_at is None:
            item.published_at = utcnow()
    elif draft:
        item.status = ItemStatus.DRAFT


def create(
    kind: ItemKind, data: dict, *, author, cooperative_id: int, publish: bool = False
) -> KnowledgeItem:
    membership = next(
        (m for m in author_memberships(author) if m.cooperative_id == cooperative_id), None
    )
    if membership is None:
        raise DomainError(_l("Choose one of your cooperatives."), field="cooperative_id")
    item = KnowledgeItem(
        kind=kind,
        cooperative_id=membership.cooperative_id,
        author_id=author.id,
        status=ItemStatus.DRAFT,
        visibility=Visibility.NETWORK,
        title="",
    )
    _apply(item, data)
    _set_status(item, publish=publish, draft=not publish)
    db.session.add(item)
    db.session.flush()
    search.index(item)
    return item


def update(
    item: KnowledgeItem, data: dict, *, by, publish: bool = False, draft: bool = False
) -> KnowledgeItem:
    check_can_edit(item, by)
    if draft and item.author_id != by.id:
        raise DomainError(_l("Only the author can turn this item back into a draft."))
    _apply(item, data)
    _set_status(item, publish=publish, draft=draft)
    item.updated_at = utcnow()
    db.session.flush()
    search.index(item)
    return item


# Moderation ---------------------------------------------------------------------------------


def hide(item: KnowledgeItem, *, reason: str, by) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason. The author will see it."), field="reason")
    item.hidden_at = utcnow()
    item.hidden_reason = reason
    item.hidden_by_id = by.id
    audit.record(None, by, "knowledge.hidden", item, reason=reason)
    db.session.flush()


def unhide(item: KnowledgeItem, *, by) -> None:
    if item.hidden_at is None:
        return
    item.hidden_at = None
    item.hidden_reason = ""
    item.hidden_by_id = None
    audit.record(None, by, "knowledge.unhidden", item)
    db.session.flush()


# Themes -------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).encode(
        "ascii", "ignore"
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.decode()).strip("-")[:60]


def add_theme(*, name_nl: str, name_en: str, by) -> Theme:
    name_nl, name_en = name_nl.strip(), name_en.strip()
    slug = slugify(name_nl)
    if not slug:
        raise DomainError(_l("Use at least one letter or digit."), field="name_nl")
    taken = db.session.scalar(
        select(Theme).where(
            or_(
                Theme.slug == slug,
                func.lower(Theme.name_nl) == name_nl.lower(),
                func.lower(Theme.name_en) == name_en.lower(),
            )
        )
    )
    if taken is not None:
        raise DomainError(_l("This theme already exists."), field="name_nl")
    theme = Theme(slug=slug, name_nl=name_nl, name_en=name_en)
    db.session.add(theme)
    db.session.flush()
    audit.record(None, by, "knowledge.theme_added", theme, slug=slug)
    return theme


# Attachments --------------------------------------------------------------------------------

MAX_FILE_SIZE = 10 * 1024 * 1024

# content type -> (extension, the extensions a name of that type may end in)
FILE_TYPES = {
    "application/pdf": ("pdf", {"pdf"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "docx",
        {"docx"},
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", {"xlsx"}),
    "application/vnd.oasis.opendocument.text": ("odt", {"odt"}),
    "image/png": ("png", {"png"}),
    "image/jpeg": ("jpg", {"jpg", "jpeg", "jfif"}),
    "image/gif": ("gif", {"gif"}),
    "image/webp": ("webp", {"webp"}),
}
# How the message names each type (the same in every language).
FILE_LABELS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def _zip_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as handle:
                    if handle.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        return "application/vnd.oasis.opendocument.text"
                return None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    return None


def detect_type(data: bytes) -> str | None:
    """The content type from the bytes themselves (never from the name), or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    return None


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|;`$&%{}\[\]#]+')
# Extensions that name a type of file: a name ending in one claims that type ("plan.docx",
# "foto.JPEG", "setup.exe"). Anything else after a last dot is part of the name ("Verslag
# St.Jozef", "notulen v1.2"): such a name says nothing about the type.
_TYPE_EXTENSIONS = {ext for _, accepted in FILE_TYPES.values() for ext in accepted} | {
    *("doc", "dot", "docm", "rtf", "txt", "md", "csv", "tsv", "xls", "xlsm", "ods", "odp"),
    *("ppt", "pptx", "pages", "numbers", "key", "html", "htm", "xml", "json", "svg", "bmp"),
    *("tif", "tiff", "heic", "heif", "ico", "mp3", "mp4", "m4a", "mov", "avi", "wav", "eml"),
    *("msg", "zip", "rar", "7z", "gz", "tar", "exe", "msi", "bat", "cmd", "com", "scr"),
    *("js", "vbs", "ps1", "sh", "jar", "apk", "dmg", "iso", "dll", "php", "py"),
}


def _clean_name(name: str | None) -> str:
    """The name without folders, control characters and characters that are unsafe in a
    file name, as the stored name will be."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    name = _UNSAFE_NAME.sub("_", name)
    return " ".join(name.split()).strip(" .")


def _name_parts(name: str | None) -> tuple[str, str]:
    """The cleaned name's stem and its extension in lower case ("" when it has none)."""
    name = _clean_name(name)
    stem, dot, ext = name.rpartition(".")
    if dot and stem.strip(" .") and ext.lower() in _TYPE_EXTENSIONS:
        return stem, ext.lower()
    return name, ""


def check_name_matches(name: str | None, content_type: str) -> None:
    """Refuse a file whose name says another type than its content: a PDF named plan.docx
    lies. A name without an extension says nothing (it gets the real one)."""
    extension, accepted = FILE_TYPES[content_type]
    named = _name_parts(name)[1]
    if named and named not in accepted:
        raise DomainError(
            _l(
                "This file is not a %(named)s file but a %(real)s file. Give it a name that "
                "ends in .%(extension)s, or choose the right file.",
                named=named.upper(),
                real=FILE_LABELS[content_type],
                extension=extension,
            ),
            field="file",
        )


def safe_filename(name: str | None, content_type: str) -> str:
    """A harmless display name that ends in the extension of the real type (a name that
    names another type is refused before: :func:`check_name_matches`)."""
    extension, accepted = FILE_TYPES[content_type]
    stem, ext = _name_parts(name)
    if ext not in accepted:
        stem = f"{stem}.{ext}" if ext else stem
    stem = stem.strip(" .")[:80] or "bestand"
    return f"{stem}.{extension}"


def files_dir() -> Path:
    return Path(current_app.config["KNOWLEDGE_FILES_DIR"])


def blob_path(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256")
    return files_dir() / sha256


def _store(data: bytes, digest: str) -> None:
    path = blob_path(digest)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_attachment(item: KnowledgeItem, *, filename: str | None, stream, by) -> Attachment:
    check_can_edit(item, by)
    data = stream.read(MAX_FILE_SIZE + 1)
    if not data:
        raise DomainError(_l("This file is empty."), field="file")
    if len(data) > MAX_FILE_SIZE:
        raise DomainError(_l("This file is larger than 10 MB."), field="file")
    content_type = detect_type(data)
    if content_type is None:
        raise DomainError(
            _l(
                "This kind of file is not allowed, or the file is not what its name says. "
                "Use PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or an image "
                "(PNG, JPEG, GIF, WebP)."
            ),
            field="file",
        )
    check_name_matches(filename, content_type)
    digest = hashlib.sha256(data).hexdigest()
    _store(data, digest)
    attachment = Attachment(
        item=item,
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by_id=by.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def get_attachment(item: KnowledgeItem, attachment_id: int) -> Attachment:
    if not 0 < attachment_id <= MAX_ID:
        raise NotFound(_l("This file does not exist."))
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.item_id != item.id:
        raise NotFound(_l("This file does not exist."))
    return attachment


def delete_attachment(item: KnowledgeItem, attachment_id: int, *, by) -> str:
    """Remove the file from the item; returns its hash (remove the bytes after commit)."""
    check_can_edit(item, by)
    attachment = get_attachment(item, attachment_id)
    digest = attachment.sha256
    item.attachments.remove(attachment)
    db.session.flush()
    return digest


def remove_blob_if_unused(digest: str) -> None:
    """After a commit: delete the bytes when no attachment uses them any more."""
    in_use = db.session.scalar(select(func.count()).where(Attachment.sha256 == digest))
    if not in_use:
        blob_path(digest).unlink(missing_ok=True)


# Funding: closing soon ----------------------------------------------------------------------

PAST_DEADLINES_SHOWN = 20


@dataclass
class FundingList:
    upcoming: list  # deadline today or later, soonest first
    past: list  # deadline passed, most recent first


def closing_soon(user, *, today, theme: Theme | None = None, limit: int = 100) -> FundingList:
    """Funding this person may see that has a deadline: open ones first (soonest first),
    then the most recent ones whose deadline has passed."""
    stmt = _filtered(
        select(KnowledgeItem), user, Filters(kind=ItemKind.FUNDING, theme=theme)
    ).where(KnowledgeItem.deadline_on.is_not(None))
    upcoming = db.session.scalars(
        stmt.where(KnowledgeItem.deadline_on >= today)
        .order_by(KnowledgeItem.deadline_on, KnowledgeItem.id)
        .limit(limit)
    ).all()
    past = db.session.scalars(
        stmt.where(KnowledgeItem.deadline_on < today)
        .order_by(KnowledgeItem.deadline_on.desc(), KnowledgeItem.id.desc())
        .limit(PAST_DEADLINES_SHOWN)
    ).all()
    return FundingList(upcoming=list(upcoming), past=list(past))


# Following themes ---------------------------------------------------------------------------


def follows(user, theme: Theme) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.scalar(
        select(exists().where(ThemeFollow.user_id == user.id, ThemeFollow.theme_id == theme.id))
    )


def followed_theme_ids(user) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(select(ThemeFollow.theme_id).where(ThemeFollow.user_id == user.id))
    )


def set_follow(user, theme: Theme, follow: bool) -> None:
    existing = db.session.scalar(
        select(ThemeFollow).where(ThemeFollow.user_id == user.id, ThemeFollow.theme_id == theme.id)
    )
    if follow and existing is None:
        db.session.add(ThemeFollow(user_id=user.id, theme_id=theme.id))
    elif not follow and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def set_follows(user, theme_ids) -> None:
    """Follow exactly these themes."""
    wanted = {int(i) for i in theme_ids or ()}
    known = (
        set(db.session.scalars(select(Theme.id).where(Theme.id.in_(wanted)))) if wanted else set()
    )
    if known != wanted:
        raise DomainError(_l("Choose themes from the list."), field="themes")
    current = followed_theme_ids(user)
    for theme_id in current - wanted:
        db.session.execute(
            delete(ThemeFollow).where(
                ThemeFollow.user_id == user.id, ThemeFollow.theme_id == theme_id
            )
        )
    for theme_id in wanted - current:
        db.session.add(ThemeFollow(user_id=user.id, theme_id=theme_id))
    db.session.flush()


# Reuse --------------------------------------------------------------------------------------

# What a copy of a project plan carries. The copy is a plan for another neighbourhood:
# - taken over as its own starting text: the fields below, its themes and files;
# - lessons learned: taken over as context, under the heading "Lessons from the original";
# - measured impact: left empty, it belongs to the original (the copy's page shows the
#   original's measured impact through the link);
# - contact: left empty, the copy's author is its contact (the copy's page shows the
#   original's contact through the link).
REUSED_FIELDS = (
    "title",
    "summary",
    "body",
    "target_group",
    "tags",
    "need",
    "wijk_analysis",
    "approach",
    "budget",
    "funders",
    "expected_impact",
)


def _lessons_from(original: KnowledgeItem) -> str:
    lessons = (original.lessons or "").strip()
    if not lessons:
        return ""
    heading = _l("Lessons from the original")
    return f"### {heading}\n\n{lessons}"


def reuse(original: KnowledgeItem, *, by, cooperative_id: int) -> KnowledgeItem:
    """'Use this plan': a draft copy of a published project plan in one of the person's own
    cooperatives, linked to the original. Load ``original`` through get_visible."""
    if original.kind is not ItemKind.PLAN or original.is_draft:
        raise DomainError(_l("Only a published project plan can be reused."))
    membership = next(
        (m for m in author_memberships(by) if m.cooperative_id == cooperative_id), None
    )
    if membership is None:
        raise DomainError(_l("Choose one of your cooperatives."), field="cooperative_id")
    copy = KnowledgeItem(
        kind=ItemKind.PLAN,
        cooperative_id=membership.cooperative_id,
        author_id=by.id,
        status=ItemStatus.DRAFT,
        visibility=Visibility.COOPERATIVE,
        wijk=membership.cooperative.wijk or "",
        reused_from_id=original.id,
        lessons=_lessons_from(original),
        measured_impact="",
        contact="",
        **{name: getattr(original, name) for name in REUSED_FIELDS},
    )
    copy.themes = list(original.themes)
    for attachment in original.attachments:
        copy.attachments.append(
            Attachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                uploaded_by_id=by.id,
            )
        )
    db.session.add(copy)
    db.session.flush()
    search.index(copy)
    return copy


def reuse_count(item: KnowledgeItem) -> int:
    return db.session.scalar(
        select(func.count(KnowledgeItem.id)).where(KnowledgeItem.reused_from_id == item.id)
    )


def original_of(item: KnowledgeItem, user) -> KnowledgeItem | None:
    """The plan this one was copied from, when this person may see it."""
    if item.reused_from_id is None:
        return None
    return db.session.scalar(
        select(KnowledgeItem).where(KnowledgeItem.id == item.reused_from_id, visible_to(user))
    )


# Questions and answers ----------------------------------------------------------------------

MAX_QUESTION = 2000


def can_moderate(item: KnowledgeItem, user) -> bool:
    """Who may hide questions and answers under an item: its author, the board of its
    cooperative, platform admins."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_platform_admin) or can_edit(item, user)


def questions(item: KnowledgeItem, user=None) -> list[Question]:
    """The questions under an item that this person may see: a hidden question only by
    its writer and those who may moderate (the template likewise shows a hidden answer
    only to its writer and the moderators)."""
    stmt = select(Question).where(Question.item_id == item.id).order_by(Question.id)
    if not can_moderate(item, user):
        own = (
            Question.asked_by_id == user.id
            if user is not None and user.is_authenticated
            else false()
        )
        stmt = stmt.where(or_(Question.hidden_at.is_(None), own))
    return list(db.session.scalars(stmt))


QUESTION_PARTS = ("question", "answer")


def hide_question(question: Question, item: KnowledgeItem, *, part: str, reason: str, by) -> None:
    """Hide a question or its answer, with a reason that its writer sees."""
    if not can_moderate(item, by):
        raise DomainError(
            _l(
                "Only the author, the board of the cooperative and platform administrators "
                "can hide questions and answers."
            )
        )
    if part not in QUESTION_PARTS or (part == "answer" and not question.answer):
        raise DomainError(_l("There is nothing to hide."))
    reason = _CONTROL_CHARS.sub("", reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason. The writer will see it."), field="reason")
    prefix = "" if part == "question" else "answer_"
    setattr(question, f"{prefix}hidden_at", utcnow())
    setattr(question, f"{prefix}hidden_reason", reason)
    setattr(question, f"{prefix}hidden_by_id", by.id)
    audit.record(item.cooperative, by, f"knowledge.{part}_hidden", question, reason=reason)
    db.session.flush()


def unhide_question(question: Question, item: KnowledgeItem, *, part: str, by) -> None:
    if not can_moderate(item, by):
        raise DomainError(
            _l(
                "Only the author, the board of the cooperative and platform administrators "
                "can hide questions and answers."
            )
        )
    if part not in QUESTION_PARTS:
        raise DomainError(_l("There is nothing to hide."))
    prefix = "" if part == "question" else "answer_"
    if getattr(question, f"{prefix}hidden_at") is None:
        return
    setattr(question, f"{prefix}hidden_at", None)
    setattr(question, f"{prefix}hidden_reason", "")
    setattr(question, f"{prefix}hidden_by_id", None)
    audit.record(item.cooperative, by, f"knowledge.{part}_unhidden", question)
    db.session.flush()


def ask(item: KnowledgeItem, *, body: str, by) -> Question:
    """A question under an item this person can see (load it through get_visible)."""
    body = _CONTROL_CHARS.sub("", (body or "")).strip()
    if not body:
        raise DomainError(_l("Write your question."), field="body")
    if len(body) > MAX_QUESTION:
        raise DomainError(_l("Keep your question under 2000 characters."), field="body")
    if item.is_draft:
        raise DomainError(_l("You can ask questions once the item is published."), field="body")
    if not author_memberships(by) and not by.is_platform_admin:
        raise DomainError(
            _l("You can ask questions once you are a member of a cooperative."), field="body"
        )
    question = Question(item_id=item.id, asked_by_id=by.id, body=body)
    db.session.add(question)
    db.session.flush()
    return question


def get_question(item: KnowledgeItem, question_id: int) -> Question:
    if not 0 < question_id <= MAX_ID:
        raise NotFound(_l("This question does not exist."))
    question = db.session.get(Question, question_id)
    if question is None or question.item_id != item.id:
        raise NotFound(_l("This question does not exist."))
    return question


def answer(question: Question, item: KnowledgeItem, *, text: str, by) -> Question:
    """The author of the item or its cooperative's board answers (or changes the answer)."""
    if not can_edit(item, by):
        raise DomainError(
            _l("Only the author and the board of the cooperative can answer."), field="answer"
        )
    text = _CONTROL_CHARS.sub("", (text or "")).strip()
    if not text:
        raise DomainError(_l("Write your answer."), field="answer")
    if len(text) > MAX_QUESTION:
        raise DomainError(_l("Keep your answer under 2000 characters."), field="answer")
    question.answer = text
    question.answered_by_id = by.id
    question.answered_at = utcnow()
    db.session.flush()
    return question


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Bookmarks ----------------------------------------------------------------------------------


def is_bookmarked(item: KnowledgeItem, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Bookmark.id).where(Bookmark.user_id == user.id, Bookmark.item_id == item.id)
        )
        is not None
    )


def set_bookmark(item: KnowledgeItem, user, on: bool) -> None:
    """Bookmark an item this person can see (load it through get_visible), or remove it."""
    existing = db.session.scalar(
        select(Bookmark).where(Bookmark.user_id == user.id, Bookmark.item_id == item.id)
    )
    if on and existing is None:
        db.session.add(Bookmark(user_id=user.id, item_id=item.id))
    elif not on and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def bookmarks(user) -> list[KnowledgeItem]:
    """Bookmarked items this person may (still) see, newest bookmark first."""
    return list(
        db.session.scalars(
            select(KnowledgeItem)
            .join(Bookmark, Bookmark.item_id == KnowledgeItem.id)
            .where(Bookmark.user_id == user.id, visible_to(user))
            .order_by(Bookmark.id.desc())
        )
    )


# Feeds --------------------------------------------------------------------------------------

FEED_SIZE = 50


def feed_items(*, kind: ItemKind | None = None, theme: Theme | None = None) -> list:
    """The newest public, published, not hidden items: what anyone without an account sees."""
    stmt = _filtered(select(KnowledgeItem), None, Filters(kind=kind, theme=theme))
    return list(
        db.session.scalars(
            stmt.order_by(KnowledgeItem.published_at.desc(), KnowledgeItem.id.desc()).limit(
                FEED_SIZE
            )
        )
    )
