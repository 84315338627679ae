"""Markdown is rendered, and whatever script or markup people type never runs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from coop.knowledge.models import ItemKind, Visibility
from coop.knowledge.rendering import to_html, to_text
from tests.factories import KnowledgeItemFactory

# Classic cross-site-scripting payloads (OWASP cheat sheet and friends).
XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](java\tscript:alert(1))",
    "[klik](vbscript:msgbox(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    '[a](https://x.example.org" onmouseover="alert(1))',
]
SAFE_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


class Markup(HTMLParser):
    """The real tags and attributes of a piece of HTML (escaped text is not markup)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    for tag, attrs in Markup(html).tags:
        assert tag in SAFE_TAGS, tag
        assert not [name for name in attrs if name.startswith("on") or name == "style"], attrs
        href = (attrs.get("href") or "").strip().lower()
        if href:
            assert href.startswith(("http://", "https://", "mailto:")), href


@pytest.mark.parametrize("payload", XSS)
def test_markdown_output_is_inert(payload):
    assert_inert(str(to_html(payload)))
    assert_inert(str(to_html(f"Tekst\n\n{payload}\n\n**vet**")))


def test_markdown_renders_the_usual_things():
    html = str(
        to_html("# Kop\n\n**vet** en *schuin*\n\n- een\n- twee\n\n[site](https://utrecht.nl)")
    )

    assert "<h3>Kop</h3>" in html  # headings move down: the page has its own h1
    assert "<strong>vet</strong>" in html
    assert "<em>schuin</em>" in html
    assert "<li>een</li>" in html
    assert '<a href="https://utrecht.nl" rel="nofollow noopener noreferrer ugc">site</a>' in html


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;vet&lt;/b&gt;" in str(to_html("<b>vet</b>"))


def test_images_are_not_loaded():
    assert "<img" not in str(to_html("![pixel](https://tracker.example.org/p.gif)"))


def test_plain_text_for_search():
    assert to_text("# Kop\n\n**vet** [link](https://x.nl)") == "Kop vet link"


@pytest.mark.parametrize("payload", XSS)
def test_payloads_in_every_field_stay_text_on_every_page(client, login, author, payload):
    item = KnowledgeItemFactory(
        author_membership=author,
        kind=ItemKind.PLAN,
        visibility=Visibility.PUBLIC,
        title=f"Plan {payload}",
        summary=payload,
        body=payload,
        need=payload,
        lessons=payload,
        tags=f"{payload}, buurt",
        wijk=payload[:100],
        contact=payload,
    )
    login(author.user)

    pages = [
        client.get(f"/knowledge/{item.id}").text,
        client.get("/knowledge/").text,
        client.get("/knowledge/", query_string={"q": "plan"}).text,
        client.get(f"/knowledge/{item.id}/edit").text,
    ]

    for page in pages:
        for marker in (
            "<script>alert",
            "<img src=x",
            "<svg onload",
            "<iframe",
            "<body onload",
            '<a href="javascript',
            "<details open",
            "<object",
        ):
            assert marker not in page.lower(), marker


def test_a_funding_link_with_another_scheme_is_refused(client, login, coop, author):
    login(author.user)

    response = client.post(
        "/knowledge/new/financiering",
        data={
            "cooperative_id": str(coop.id),
            "title": "Fonds",
            "visibility": "PUBLIC",
            "link": "javascript:alert(1)//https://x",
            "publish": "1",
        },
    )

    assert response.status_code == 422
