"""Read rendered pages the way a person does: field errors, typed values, messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext

from coop.extensions import db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


class Page:
    def __init__(self, html: str | bytes):
        if isinstance(html, bytes):
            html = html.decode()
        builder = _Builder()
        builder.feed(html)
        builder.close()
        self.root = builder.root

    def by_id(self, ident: str) -> Element | None:
        return next((e for e in self.root.iter() if e.attrs.get("id") == ident), None)

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.root.iter()
            if e.tag == tag and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    @property
    def lang(self) -> str:
        return self.all("html")[0].attrs["lang"]

    @property
    def text(self) -> str:
        return self.root.text

    def errors(self) -> dict[str, str]:
        """Every field error on the page, by field id; each must be tied to its input."""
        found = {}
        for element in self.root.iter():
            ident = element.attrs.get("id", "")
            if element.attrs.get("class") == "error" and ident.endswith("-error"):
                name = ident.removesuffix("-error")
                found[name] = element.text
                control = self.by_id(name)
                if control is not None and control.tag in ("input", "textarea", "select"):
                    assert ident in control.attrs.get("aria-describedby", "").split(), name
                    assert control.attrs.get("aria-invalid") == "true", name
        return found

    def value(self, name: str) -> str | None:
        for element in self.all("input", name=name):
            return element.attrs.get("value")
        return None

    def checked(self, name: str) -> str | None:
        for element in self.all("input", name=name):
            if "checked" in element.attrs:
                return element.attrs.get("value")
        return None

    @property
    def form_alert(self) -> str | None:
        for element in self.all("div", role="alert"):
            return element.text
        return None

    @property
    def flashes(self) -> list[str]:
        return [
            e.text for e in self.root.iter() if e.tag == "p" and "alert" in e.attrs.get("class", "")
        ]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def token_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def mail_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "the HTML part has no <html lang>"
    return match.group(1)


def reload(obj):
    """Read the object again as the database now holds it (requests use their own session)."""
    db.session.refresh(obj)
    return obj


def nl(message: str, **values) -> str:
    """The Dutch text a person sees for this message (and it must be translated)."""
    with force_locale("nl"):
        text = gettext(message, **values)
    with force_locale("en"):
        english = gettext(message, **values)
    assert text != english, f"no Dutch translation for {message!r}"
    return text


def is_logged_in(client) -> bool:
    """Whether this browser gets its account page (or is sent to log in)."""
    response = client.get("/account/")
    assert response.status_code in (200, 302)
    return response.status_code == 200
