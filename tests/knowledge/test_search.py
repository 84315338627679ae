"""Search: Dutch words, accents, ranking, safe highlighted snippets, filters."""

from __future__ import annotations

import re

import pytest

from coop.knowledge import search
from coop.knowledge.models import ItemKind, TargetGroup, Visibility
from tests.conftest import IS_POSTGRES
from tests.factories import KnowledgeItemFactory, UserFactory
from tests.knowledge.conftest import theme


def titles(response) -> list[str]:
    return re.findall(r'<h3><a href="/knowledge/\d+">([^<]*)</a></h3>', response.text)


def find(client, q, **filters):
    response = client.get("/knowledge/", query_string={"q": q, **filters})
    assert response.status_code == 200
    return response


@pytest.fixture
def public(author):
    def _make(title, body="", **kwargs):
        return KnowledgeItemFactory(
            author_membership=author,
            title=title,
            body=body,
            summary="",
            visibility=Visibility.PUBLIC,
            **kwargs,
        )

    return _make


def test_accents_never_matter(client, public):
    public("Coöperatie in oprichting", "Een coöperatie voor de buurt.")
    public("Zonnepanelen", "Geen verband.")

    assert titles(find(client, "cooperatie")) == ["Coöperatie in oprichting"]
    assert titles(find(client, "COÖPERATIE")) == ["Coöperatie in oprichting"]


def test_accents_in_the_text_and_not_in_the_query_and_back(client, public):
    public("Cafe voor iedereen", "Het reparatiecafe in de wijk.")

    assert titles(find(client, "café")) == ["Cafe voor iedereen"]


def test_betaling_finds_betalen(client, public):
    """PostgreSQL: the Dutch Snowball stemmer. SQLite (FTS5 has no Dutch stemmer): the
    light ending-stripping in coop.knowledge.search makes both 'betal*'."""
    public("Zo regel je het geld", "Leden betalen hun bijdrage per maand.")
    public("Iets anders", "Over de moestuin.")

    assert titles(find(client, "betaling")) == ["Zo regel je het geld"]


@pytest.mark.skipif(not IS_POSTGRES, reason="the coop_dutch configuration is PostgreSQL's")
def test_the_search_configuration_on_postgresql(connection):
    """unaccent first, then the Dutch Snowball stemmer."""
    from sqlalchemy import text

    vector = connection.execute(
        text("SELECT to_tsvector('coop_dutch', 'Coöperaties betalen, de betaling')::text")
    ).scalar_one()

    assert "ö" not in vector
    assert "'betal':2,4" in vector
    assert "'de'" not in vector  # a Dutch stop word


def test_a_match_in_the_title_ranks_above_one_in_the_text(client, public):
    public("Over de buurt", "Een voedselbank is nodig, zegt iedereen.")
    public("Voedselbank in Lombok", "Zo zijn we begonnen.")

    assert titles(find(client, "voedselbank")) == ["Voedselbank in Lombok", "Over de buurt"]


def test_every_word_must_match(client, public):
    public("Moestuin", "Groente kweken met kinderen.")
    public("Kinderopvang", "Kinderen spelen samen.")

    assert titles(find(client, "groente kinderen")) == ["Moestuin"]


def test_snippets_mark_the_match_and_never_trust_the_text(client, public):
    public("Onveilig", "Hier staat <script>alert(1)</script> en <b>vet</b> naast het buurthuis.")

    response = find(client, "buurthuis")

    assert "<mark>buurthuis</mark>" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "<b>vet</b>" not in response.text


def test_highlight_escapes_first():
    marked = search.highlight("<img src=x onerror=alert(1)> \x02zorg\x03")

    assert str(marked) == "&lt;img src=x onerror=alert(1)&gt; <mark>zorg</mark>"
    assert str(search.highlight("\x02open")) == "open"


def test_search_and_filters_together(client, public):
    zorg = theme("zorg")
    public(
        "Buurtzorg voor ouderen",
        "Zorg dicht bij huis.",
        themes=[zorg],
        target_group=TargetGroup.ELDERLY,
        wijk="Lombok",
    )
    public("Zorgfonds", "Geld voor zorg.", kind=ItemKind.FUNDING, wijk="Overvecht")
    public("Zorg en jeugd", "Zorg voor jongeren.", themes=[theme("jeugd")], wijk="Lombok")

    assert set(titles(find(client, "zorg"))) == {
        "Buurtzorg voor ouderen",
        "Zorgfonds",
        "Zorg en jeugd",
    }
    assert titles(find(client, "zorg", kind="financiering")) == ["Zorgfonds"]
    assert titles(find(client, "zorg", theme="zorg")) == ["Buurtzorg voor ouderen"]
    assert set(titles(find(client, "zorg", wijk="lombok"))) == {
        "Buurtzorg voor ouderen",
        "Zorg en jeugd",
    }
    assert titles(find(client, "zorg", target_group="ELDERLY")) == ["Buurtzorg voor ouderen"]
    assert titles(find(client, "", kind="financiering")) == ["Zorgfonds"]


def test_the_index_follows_edits(client, login, author, public):
    item = public("Oude titel over fietsen", "Tekst")
    login(author.user)

    client.post(
        f"/knowledge/{item.id}/edit",
        data={"title": "Nieuwe titel over wandelen", "visibility": "PUBLIC", "publish": "1"},
    )

    assert titles(find(client, "wandelen")) == ["Nieuwe titel over wandelen"]
    assert titles(find(client, "fietsen")) == []


def test_themes_are_searchable_by_name(client, public):
    public("Samen koken", "Elke vrijdag.", themes=[theme("voedsel")])

    assert titles(find(client, "voedsel")) == ["Samen koken"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND",
        "OR OR",
        "NEAR(",
        "*",
        "' OR 1=1 --",
        "a\x00b",
        "title:x",
        "-",
        "((",
        "^x",
        "🏳️‍🌈",
        "x" * 5000,
        "de het een",
        "Ἀθῆναι",
    ],
)
def test_any_query_is_safe(client, public, query):
    public("Iets", "Tekst")

    response = client.get("/knowledge/", query_string={"q": query})

    assert response.status_code == 200


def test_garbage_filters_are_ignored(client, public):
    public("Iets", "Tekst")

    response = client.get(
        "/knowledge/",
        query_string={
            "kind": "<x>",
            "theme": "\x00",
            "target_group": "NOPE",
            "page": "-4",
            "wijk": "x" * 500,
        },
    )

    assert response.status_code == 200


def test_pages(client, public):
    for n in range(25):
        public(f"Item {n:02d}", "Tekst over energie")

    first = find(client, "energie")
    second = find(client, "energie", page=2)

    assert len(titles(first)) == 20
    assert len(titles(second)) == 5
    assert "25 results" in first.text or "25 resultaten" in first.text
    assert not set(titles(first)) & set(titles(second))


def test_a_page_beyond_the_last_shows_the_last_page(client, public):
    for n in range(25):
        public(f"Item {n:02d}", "Tekst over energie")

    beyond = find(client, "energie", page=9)

    assert titles(beyond) == titles(find(client, "energie", page=2))
    assert len(titles(beyond)) == 5
    assert "25 results" in beyond.text or "25 resultaten" in beyond.text
    assert "Pagina 2 van 2" in beyond.text or "Page 2 of 2" in beyond.text


def test_ranked_then_newest_first_across_pages(client, public):
    """The database cuts the pages: together they hold every match once, best first
    (a match in the title), newest first among equals."""
    for n in range(25):
        public(f"Energie {n:02d}" if n % 3 == 0 else f"Item {n:02d}", "Tekst over energie")

    shown = [t for page in (1, 2) for t in titles(find(client, "energie", page=page))]

    assert len(shown) == 25
    assert len(set(shown)) == 25
    assert shown[:9] == [f"Energie {n:02d}" for n in range(24, -1, -3)]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("betaling", "betal"),
        ("betalen", "betal"),
        ("betalingen", "betal"),
        ("cooperatie", "cooperati"),
        ("wonen", "wonen"),
        ("huis", "huis"),
        ("kinderen", "kinder"),
    ],
)
def test_the_light_dutch_stemmer(word, stem):
    assert search.dutch_stem(word) == stem


def test_fts5_queries_are_quoted_words():
    assert search.fts5_query('Coöperatie" OR x*') == '"cooperati"* "or" "x"'


def test_beyond_the_limit_the_page_says_more_and_ranks_the_newest(client, public, monkeypatch):
    """Counting and ranking stop at MAX_RESULTS matches (1,000; 3 here): the page says
    'more than', and ranks the newest matches."""
    from coop.knowledge import services

    monkeypatch.setattr(services, "MAX_RESULTS", 3)
    public("Moestuin op het dak", "Over de moestuin.")  # the oldest: the best title match
    for n in range(4):
        public(f"Buurtavond {n}", "Ook over de moestuin.")

    response = find(client, "moestuin")

    assert "Meer dan 3 resultaten" in response.text or "More than 3 results" in response.text
    assert titles(response) == ["Buurtavond 3", "Buurtavond 2", "Buurtavond 1"]
    monkeypatch.setattr(services, "MAX_RESULTS", 1000)
    assert titles(find(client, "moestuin"))[0] == "Moestuin op het dak"


def test_a_list_beyond_the_limit_says_more(client, public, monkeypatch):
    from coop.knowledge import services

    monkeypatch.setattr(services, "MAX_RESULTS", 2)
    for n in range(3):
        public(f"Item {n}")

    response = client.get("/knowledge/")

    assert "Meer dan 2 berichten" in response.text or "More than 2 items" in response.text


def test_sqlite_snippets_mark_what_the_search_matched():
    snippet = search.text_snippet(
        "Eerst een lange inleiding. " * 10 + "Leden betalen per maand; de Coöperatie int.",
        "betaling cooperatie",
    )

    assert "\x02betalen\x03" in snippet
    assert "\x02Coöperatie\x03" in snippet
    assert snippet.startswith("…")
    assert search.text_snippet("Niets hier.", "moestuin") is None


def test_a_search_follows_every_change_of_an_item(client, public, people, sign_in):
    """Edits, hiding, a narrower audience and deleting reach the search at once (PostgreSQL:
    the trigger that keeps knowledge_search; SQLite: search.index and the visibility rule
    on the items)."""
    from coop.extensions import db
    from coop.knowledge import services

    item = public("Buurtmaaltijd op vrijdag", "Samen eten in het buurthuis.")
    other = people["other_member"]
    sign_in(other)
    assert titles(find(client, "buurtmaaltijd")) == ["Buurtmaaltijd op vrijdag"]

    item.title = "Moestuin op vrijdag"
    search.index(item)
    db.session.flush()
    assert titles(find(client, "buurtmaaltijd")) == []
    assert titles(find(client, "moestuin")) == ["Moestuin op vrijdag"]

    services.hide(item, reason="Reclame.", by=people["platform_admin"])
    assert titles(find(client, "moestuin")) == []
    services.unhide(item, by=people["platform_admin"])
    assert titles(find(client, "moestuin")) == ["Moestuin op vrijdag"]

    item.visibility = Visibility.COOPERATIVE  # the author's cooperative only
    db.session.flush()
    assert titles(find(client, "moestuin")) == []
    sign_in(people["member"])
    assert titles(find(client, "moestuin")) == ["Moestuin op vrijdag"]

    db.session.delete(item)
    db.session.flush()
    assert titles(find(client, "moestuin")) == []


@pytest.mark.skipif(not IS_POSTGRES, reason="knowledge_search is PostgreSQL's search table")
def test_the_search_table_mirrors_the_items_whoever_writes_them(public):
    """The trigger copies what the filters and the visibility rule read, also for an
    UPDATE that bypasses the application."""
    from sqlalchemy import text

    from coop.extensions import db

    item = public("Zonnepanelen op het dak", "Samen stroom opwekken.")
    db.session.flush()
    db.session.execute(
        text(
            "UPDATE knowledge_items SET status = 'DRAFT', visibility = 'COOPERATIVE', "
            "hidden_at = now(), kind = 'PLAN', wijk = 'Zuilen', target_group = 'YOUTH', "
            "title = 'Warmtenet' WHERE id = :id"
        ),
        {"id": item.id},
    )
    columns = "status, visibility, hidden_at, author_id, cooperative_id, kind, wijk, target_group"
    mirrored, source = (
        db.session.execute(
            text(f"SELECT {columns} FROM {table} WHERE id = :id"),  # noqa: S608 - constants
            {"id": item.id},
        ).one()
        for table in ("knowledge_search", "knowledge_items")
    )
    assert mirrored == source
    assert mirrored.status == "DRAFT"
    assert mirrored.wijk == "Zuilen"
    vector = db.session.execute(
        text("SELECT vector::text FROM knowledge_search WHERE id = :id"), {"id": item.id}
    ).scalar_one()
    assert "'warmtenet':1A" in vector
    assert "zonnepanel" not in vector
    db.session.execute(text("DELETE FROM knowledge_items WHERE id = :id"), {"id": item.id})
    gone = db.session.execute(
        text("SELECT count(*) FROM knowledge_search WHERE id = :id"), {"id": item.id}
    ).scalar_one()
    assert gone == 0


def card_themes(response) -> list[list[str]]:
    return [
        re.findall(r'<span class="tag">([^<]*)</span>', block)
        for block in re.findall(r'<p class="themes">(.*?)</p>', response.text)
    ]


def test_result_cards_show_their_themes_in_the_readers_language(client, public, sign_in):
    public("Stroom en zorg", "Samen stroom delen.", themes=[theme("zorg"), theme("energie")])
    public("Stroom alleen", "Stroom zonder thema.")

    assert card_themes(find(client, "stroom")) == [["Energie", "Zorg"]]
    sign_in(UserFactory(locale="en"))
    assert card_themes(find(client, "stroom")) == [["Energy", "Care"]]  # by the Dutch name
    assert card_themes(client.get("/knowledge/")) == [["Energy", "Care"]]
