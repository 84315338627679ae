"""Rendering a model text with parameter values.

The text is a Jinja2 template run in a ``SandboxedEnvironment`` with nothing of the app in
reach: no globals, only the filters below, ``StrictUndefined``, and before anything runs a
check of the template's syntax tree that allows only the parameter names, these filters,
``if`` and comparisons with constants (so ``{{ config }}``, ``{{ self }}`` or
``{{ ''.__class__ }}`` are refused when the library is loaded). The sandbox renders plain
text; the text is parsed into numbered articles and paragraphs, and only then turned into
HTML (by the app's autoescaping templates), PDF or DOCX — so a ``<script>`` in a value or
in the text is shown as text.
"""

from __future__ import annotations

import difflib
import functools
import io
import re
from dataclasses import dataclass, field
from fractions import Fraction

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from coop.errors import DomainError
from coop.statutes import schema


class TemplateRefused(DomainError):
    """A model text uses something the sandbox does not allow, or does not render."""


# Filters (language-aware) -------------------------------------------------------------------

MONTHS = {
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}
KIND_WORDS = {
    "nl": {"resident": "bewoners", "entrepreneur": "ondernemers", "organisation": "organisaties"},
    "en": {
        "resident": "residents",
        "entrepreneur": "entrepreneurs",
        "organisation": "organisations",
    },
}
NAMED_MAJORITIES = {
    "nl": {
        Fraction(1, 2): "meer dan de helft",
        Fraction(2, 3): "ten minste twee derde",
        Fraction(3, 4): "ten minste drie vierde",
    },
    "en": {
        Fraction(1, 2): "more than half",
        Fraction(2, 3): "at least two thirds",
        Fraction(3, 4): "at least three quarters",
    },
}
ARTICLE_WORD = {"nl": "Artikel", "en": "Article"}


def _join(words: list[str], lang: str) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + (" en " if lang == "nl" else " and ") + words[-1]


def _filters(lang: str) -> dict:
    nl = lang == "nl"

    def majority(value):
        fraction = schema.parse_fraction(value)
        if fraction is None:
            return str(value)
        named = NAMED_MAJORITIES[lang].get(fraction)
        if named and str(value).replace(" ", "") in ("1/2", "2/3", "3/4"):
            return named
        return ("ten minste " if nl else "at least ") + str(value).replace(" ", "")

    def quorum(value):
        if not value:
            return ""
        if nl:
            return f"ten minste {int(value)} procent van de leden"
        return f"at least {int(value)} percent of the members"

    def month(value):
        return MONTHS[lang].split()[int(value) - 1]

    def kinds(value):
        return _join([KIND_WORDS[lang][k] for k in schema.MEMBER_KINDS if k in (value or [])], lang)

    def liability(value):
        return {"UA": "U.A.", "BA": "B.A.", "WA": "W.A."}.get(str(value), str(value))

    def days(value):
        n = int(value)
        return f"{n} {'dag' if n == 1 else 'dagen'}" if nl else f"{n} {'day' if n == 1 else 'days'}"

    def weeks(value):
        n = int(value)
        return (
            f"{n} {'week' if n == 1 else 'weken'}" if nl else f"{n} {'week' if n == 1 else 'weeks'}"
        )

    def shares(value):
        n = int(value or 0)
        if n == 0:
            return "geen aandelen" if nl else "no shares"
        if n == 1:
            return "één aandeel" if nl else "one share"
        return f"{n} aandelen" if nl else f"{n} shares"

    return {
        "majority": majority,
        "quorum": quorum,
        "month": month,
        "kinds": kinds,
        "liability": liability,
        "days": days,
        "weeks": weeks,
        "shares": shares,
    }


FILTER_NAMES = frozenset(_filters("nl"))

# The syntax check --------------------------------------------------------------------------

ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.Filter,
    nodes.If,
    nodes.Compare,
    nodes.Operand,
    nodes.Not,
    nodes.And,
    nodes.Or,
)


def _env(lang: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=False,  # plain text out; escaping happens when it becomes HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.clear()
    env.tests = {}
    env.filters = _filters(lang)
    return env


def check_template(source: str) -> None:
    """Refuse any Jinja construct but parameters, the contract's filters, ``if`` and
    comparisons with constants."""
    try:
        tree = _env("nl").parse(source)
    except TemplateError as error:
        raise TemplateRefused(f"syntax error: {error}") from None
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise TemplateRefused(f"not allowed in a model text: {type(node).__name__}")
        if isinstance(node, nodes.Name) and node.name not in schema.BY_KEY:
            raise TemplateRefused(f"unknown name in a model text: {node.name}")
        if isinstance(node, nodes.Filter) and (
            node.name not in FILTER_NAMES or node.args or node.kwargs or node.dyn_args
        ):
            raise TemplateRefused(f"filter not allowed in a model text: {node.name}")


@functools.lru_cache(maxsize=32)
def _compiled(source: str, lang: str):
    check_template(source)
    return _env(lang).from_string(source)


def render_text(source: str, values: dict, lang: str) -> str:
    template = _compiled(source, lang)
    try:
        return template.render(**{key: values.get(key) for key in schema.BY_KEY})
    except (TemplateError, TypeError, ValueError, IndexError) as error:
        raise TemplateRefused(f"the model text does not render: {error}") from None


# From text to articles ----------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "lid" (numbered paragraph), "para", "list"
    text: str = ""
    number: int | None = None
    items: list[str] = field(default_factory=list)


@dataclass
class Article:
    number: int
    title: str
    blocks: list[Block]
    lang: str = "nl"

    @property
    def heading(self) -> str:
        return f"{ARTICLE_WORD[self.lang]} {self.number} — {self.title}"

    @property
    def anchor(self) -> str:
        return f"artikel-{self.number}"

    def plain_lines(self) -> list[str]:
        lines = []
        for block in self.blocks:
            if block.text:
                lines.append(f"{block.number}. {block.text}" if block.number else block.text)
            lines.extend(f"{letter(i)}. {item}" for i, item in enumerate(block.items))
        return lines

    @property
    def plain(self) -> str:
        return "\n".join(self.plain_lines())


@dataclass
class Document:
    title: str
    articles: list[Article]
    lang: str


def letter(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else str(index + 1)


LID = re.compile(r"^\d+\.\s+")


def parse(text: str, lang: str) -> list[Article]:
    raw: list[tuple[str, list[Block]]] = []
    blocks: list[Block] | None = None
    open_block: bool | str = False
    for line in text.splitlines():
        stripped = line.strip()
        if line.startswith("## "):
            blocks = []
            raw.append((line[3:].strip(), blocks))
            open_block = False
            continue
        if blocks is None or line.startswith("#"):
            continue  # a document title or text before the first article
        if not stripped:
            open_block = False
            continue
        if LID.match(stripped):
            blocks.append(Block("lid", LID.sub("", stripped)))
            open_block = True
        elif stripped.startswith("- "):
            item = stripped[2:].strip()
            if blocks:
                blocks[-1].items.append(item)
            else:
                blocks.append(Block("list", items=[item]))
            open_block = "item"
        elif open_block == "item":
            blocks[-1].items[-1] += " " + stripped
        elif open_block and blocks and not blocks[-1].items:
            blocks[-1].text += " " + stripped
        else:
            blocks.append(Block("para", stripped))
            open_block = True
    articles = []
    for title, found in raw:
        if not any(block.text or block.items for block in found):
            continue  # an article whose body rendered empty is dropped
        lid_number = 0
        for block in found:
            if block.kind == "lid":
                lid_number += 1
                block.number = lid_number
        articles.append(Article(len(articles) + 1, title, found, lang))
    return articles


# Free text (name, seat, purpose) enters the text as a token and is put in after the text is
# split into articles: a value with a line "## …", "1. …" or "- …" stays text in its
# paragraph and never makes an article, a numbered paragraph or a list of its own.
TOKEN = re.compile("\ue000(\\d+)\ue001")


def _free_text_keys() -> list[str]:
    return [param.key for param in schema.PARAMS if param.type in ("str", "text")]


def render_document(version, values: dict, lang: str) -> Document:
    lang = "en" if lang == "en" else "nl"
    keys = _free_text_keys()
    kept = [" ".join(str(values.get(key) or "").split()) for key in keys]
    tokens = {key: f"\ue000{index}\ue001" for index, key in enumerate(keys)}
    text = render_text(version.text(lang), {**values, **tokens}, lang)
    articles = parse(text, lang)

    def put_back(value: str) -> str:
        return TOKEN.sub(lambda m: kept[int(m.group(1))], value)

    for article in articles:
        article.title = put_back(article.title)
        for block in article.blocks:
            block.text = put_back(block.text)
            block.items = [put_back(item) for item in block.items]
    return Document(title=version.title(lang), articles=articles, lang=lang)


# PDF and DOCX ------------------------------------------------------------------------------


def pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    return HTML(string=html).write_pdf()


def docx(document: Document, *, heading: str, note: str) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    out = Docx()
    out.styles["Normal"].font.name = "Calibri"
    out.styles["Normal"].font.size = Pt(11)
    out.add_heading(heading, level=0)
    if note:
        out.add_paragraph(note)
    for article in document.articles:
        out.add_heading(article.heading, level=1)
        for block in document_blocks(article):
            paragraph = out.add_paragraph(block[1])
            if block[0] == "item":
                paragraph.paragraph_format.left_indent = Pt(24)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def document_blocks(article: Article):
    for block in article.blocks:
        if block.text:
            yield ("text", f"{block.number}. {block.text}" if block.number else block.text)
        for index, item in enumerate(block.items):
            yield ("item", f"{letter(index)}. {item}")


# Comparison --------------------------------------------------------------------------------


@dataclass
class ArticlePair:
    old: Article | None
    new: Article | None
    changed: bool
    diff: Markup  # the new text with deletions and insertions marked


WORD = re.compile(r"\S+\s*|\s+")


def word_diff(old: str, new: str) -> Markup:
    a, b = WORD.findall(old), WORD.findall(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Markup("<del>%s</del>") % "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>%s</ins>") % "".join(b[j1:j2]))
    return Markup("").join(out)


def compare(old: Document, new: Document) -> list[ArticlePair]:
    """Pair the articles by title (in order) and mark what changed, word by word."""
    old_titles = [article.title for article in old.articles]
    new_titles = [article.title for article in new.articles]
    pairs = []
    matcher = difflib.SequenceMatcher(None, old_titles, new_titles, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for old_article, new_article in zip(
                old.articles[i1:i2], new.articles[j1:j2], strict=True
            ):
                changed = old_article.plain != new_article.plain
                diff = (
                    word_diff(old_article.plain, new_article.plain)
                    if changed
                    else escape(new_article.plain)
                )
                pairs.append(ArticlePair(old_article, new_article, changed, diff))
            continue
        for old_article in old.articles[i1:i2]:
            pairs.append(
                ArticlePair(old_article, None, True, Markup("<del>%s</del>") % old_article.plain)
            )
        for new_article in new.articles[j1:j2]:
            pairs.append(
                ArticlePair(None, new_article, True, Markup("<ins>%s</ins>") % new_article.plain)
            )
    return pairs
