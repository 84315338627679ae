"""Atom feeds: only public, published, not hidden items; per kind and per theme."""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own output in a test

import pytest

from coop.db import utcnow
from coop.knowledge.models import ItemKind, ItemStatus, Visibility
from tests.factories import KnowledgeItemFactory
from tests.knowledge.conftest import theme

NS = {"a": "http://www.w3.org/2005/Atom"}


def entries(response):
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)  # noqa: S314 - our own feed
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.find("a:id", NS).text
    assert root.find("a:updated", NS).text
    return {e.find("a:title", NS).text: e for e in root.findall("a:entry", NS)}


@pytest.fixture
def items(author):
    made = {
        "public": KnowledgeItemFactory(
            author_membership=author,
            title="Openbaar idee",
            visibility=Visibility.PUBLIC,
            themes=[theme("energie")],
        ),
        "public_plan": KnowledgeItemFactory(
            author_membership=author,
            kind=ItemKind.PLAN,
            title="Openbaar plan",
            visibility=Visibility.PUBLIC,
            themes=[theme("zorg")],
        ),
        "network": KnowledgeItemFactory(author_membership=author, title="Netwerkidee"),
        "cooperative": KnowledgeItemFactory(
            author_membership=author, title="Coopidee", visibility=Visibility.COOPERATIVE
        ),
        "draft": KnowledgeItemFactory(
            author_membership=author,
            title="Conceptidee",
            visibility=Visibility.PUBLIC,
            status=ItemStatus.DRAFT,
        ),
        "hidden": KnowledgeItemFactory(
            author_membership=author,
            title="Verborgen idee",
            visibility=Visibility.PUBLIC,
            hidden_at=utcnow(),
            hidden_reason="Reclame",
        ),
    }
    return made


def test_the_feed_has_public_items_only(client, login, items):
    login(items["public"].author)  # signing in changes nothing: the feed is public

    found = entries(client.get("/knowledge/feed.atom"))

    assert set(found) == {"Openbaar idee", "Openbaar plan"}
    entry = found["Openbaar idee"]
    link = entry.find("a:link", NS).get("href")
    assert link.endswith(f"/knowledge/{items['public'].id}")
    assert entry.find("a:summary", NS).text == "Samen koken voor de buren."
    assert entry.find("a:category", NS).get("term") == "energie"


def test_feeds_per_kind_and_per_theme(client, items):
    assert set(entries(client.get("/knowledge/kinds/projectplan/feed.atom"))) == {"Openbaar plan"}
    assert set(entries(client.get("/knowledge/kinds/idee/feed.atom"))) == {"Openbaar idee"}
    assert set(entries(client.get("/knowledge/themes/energie/feed.atom"))) == {"Openbaar idee"}
    assert set(entries(client.get("/knowledge/themes/sport/feed.atom"))) == set()


def test_unknown_kinds_and_themes_are_not_found(client):
    assert client.get("/knowledge/kinds/roddel/feed.atom").status_code == 404
    assert client.get("/knowledge/themes/bestaat-niet/feed.atom").status_code == 404
    assert client.get("/knowledge/themes/%3Cscript%3E/feed.atom").status_code == 404


def test_markup_in_items_is_escaped_in_the_feed(client, author):
    KnowledgeItemFactory(
        author_membership=author,
        visibility=Visibility.PUBLIC,
        title='<script>alert("x")</script> & ]]>',
        summary="<img src=x onerror=alert(1)>",
    )

    response = client.get("/knowledge/feed.atom")
    found = entries(response)

    assert '<script>alert("x")</script> & ]]>' in found
    assert b"<script>" not in response.data
    assert b"<img" not in response.data
