"""Rendering the statutes: the full buurtcoöperatie model text with its defaults.

- ``statutes_html_ms``: median time from parameters to the HTML of the whole text (the
  sandboxed template, the articles, the page template).
- ``statutes_pdf_ms``: median time for the PDF of the same text (HTML plus WeasyPrint).

No database is needed: the text is read from ``coop/statutes/library``.
"""

from __future__ import annotations

from types import SimpleNamespace

from bench.common import median_ms, note, report

RUNS = 15
WARMUP = 2


class _Version:
    def __init__(self, folder):
        self.folder = folder

    def text(self, lang):
        return (self.folder / f"{lang}.md").read_text(encoding="utf-8")

    def title(self, lang):
        return "Statuten"


def statutes() -> None:
    import json

    from coop import create_app
    from coop.statutes import rendering, schema
    from coop.statutes.documents import _reading_note
    from coop.statutes.services import LIBRARY

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    folder = LIBRARY / "buurtcooperatie"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    values = schema.defaults(meta.get("defaults"))
    values.update(
        name=values["name"] or "Buurtcoöperatie Overvecht",
        seat=values["seat"] or "Utrecht",
        purpose=values["purpose"] or "Samen zorgen voor een sterke buurt.",
    )
    clean, errors = schema.validate(values)
    if errors:
        raise RuntimeError(f"defaults do not validate: {errors}")
    version = _Version(folder)
    cooperative = SimpleNamespace(name=clean["name"], slug="bench")
    statutes_row = SimpleNamespace(
        cooperative=cooperative, parameters=clean, number=1, deed_on=None, template_version=version
    )

    from flask import render_template

    with app.test_request_context("/"):

        def html() -> str:
            document = rendering.render_document(version, clean, "nl")
            return render_template(
                "statutes/document_pdf.html",
                cooperative=cooperative,
                statutes=statutes_row,
                document=document,
                note=_reading_note("nl"),
            )

        articles = len(rendering.render_document(version, clean, "nl").articles)
        note(f"buurtcooperatie: {articles} articles, {len(html())} characters of HTML")
        report("statutes_html_ms", median_ms(html, RUNS * 4, WARMUP), "ms")
        size = len(rendering.pdf(html()))
        note(f"PDF: {size / 1024:.0f} KB")
        report("statutes_pdf_ms", median_ms(lambda: rendering.pdf(html()), RUNS, WARMUP), "ms")
