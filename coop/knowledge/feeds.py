"""Atom feeds (RFC 4287) of public items, written with ElementTree (which escapes)."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET  # noqa: S405 - we write XML, we never parse it

from flask import url_for

from coop.db import utcnow
from coop.knowledge.rendering import to_text

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 does not allow (forms refuse them already; this is the last guard).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
SUMMARY_LENGTH = 500


def _text(value) -> str:
    return _NOT_XML.sub("", str(value or ""))


def _stamp(moment) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _sub(parent, tag: str, text=None, **attributes):
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom(items, *, title: str, self_url: str, page_url: str) -> bytes:
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "nl"})
    _sub(feed, "id", self_url)
    _sub(feed, "title", title)
    updated = (
        max((item.updated_at or item.published_at for item in items), default=None) or utcnow()
    )
    _sub(feed, "updated", _stamp(updated))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(_sub(feed, "author"), "name", "Buurtcoop")
    _sub(feed, "generator", "Buurtcoop")
    for item in items:
        url = url_for("knowledge.item", item_id=item.id, _external=True)
        entry = _sub(feed, "entry")
        _sub(entry, "id", url)
        _sub(entry, "title", item.title)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        _sub(entry, "published", _stamp(item.published_at or item.created_at))
        _sub(entry, "updated", _stamp(item.updated_at or item.published_at or item.created_at))
        _sub(_sub(entry, "author"), "name", item.cooperative.name)
        for theme in item.themes:
            _sub(entry, "category", term=theme.slug, label=theme.name_nl)
        summary = item.summary or to_text(item.body)[:SUMMARY_LENGTH]
        if summary:
            _sub(entry, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
