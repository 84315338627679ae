"""Markdown to safe HTML: markdown-it-py renders, nh3 sanitises what comes out.

Raw HTML in the source is shown as text (``html=False``); images are not rendered (no
tracking pixels, no content from elsewhere); links keep only http, https and mailto and
get ``rel="nofollow noopener noreferrer ugc"``; headings move down two levels so that a
'# heading' in an item never competes with the page's own h1.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# No style attributes: the Content-Security-Policy refuses inline styles anyway.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_SHIFT = 2

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])
_md.disable(["image", "html_inline", "html_block"])


def _shift_headings(tokens) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


def to_html(source: str | None) -> Markup:
    """Render Markdown and return HTML that is safe to put in a page."""
    if not source:
        return Markup("")
    tokens = _md.parse(source)
    _shift_headings(tokens)
    rendered = _md.renderer.render(tokens, _md.options, {})
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


_SPACES = re.compile(r"\s+")


def to_text(source: str | None) -> str:
    """Plain text of a Markdown source (for search and summaries)."""
    if not source:
        return ""
    rendered = _md.render(source)
    text = nh3.clean(rendered, tags=set(), attributes={})
    return _SPACES.sub(" ", html.unescape(text)).strip()
