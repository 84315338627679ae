"""PDF exports made with WeasyPrint: the minutes of an assembly and the decision list."""

from __future__ import annotations

from flask import render_template


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    return HTML(string=html).write_pdf()


def minutes_pdf(**context) -> bytes:
    return _pdf(render_template("assemblies/minutes_pdf.html", **context))


def decisions_pdf(**context) -> bytes:
    return _pdf(render_template("assemblies/decisions_pdf.html", **context))
