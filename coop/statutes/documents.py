"""The statutes as PDF (WeasyPrint) and DOCX (python-docx, for the notary), and the
comparison with the statutes in force as a PDF for the assembly."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from coop.statutes import rendering, services


def _reading_note(lang: str) -> str:
    if lang == "en":
        return _("This English text is a reading version. The Dutch text is the one that counts.")
    return ""


def document_html(statutes, lang: str, *, standalone: bool = True) -> str:
    return render_template(
        "statutes/document_pdf.html",
        cooperative=statutes.cooperative,
        statutes=statutes,
        document=services.document(statutes, lang),
        note=_reading_note(lang),
    )


def statutes_pdf(statutes, lang: str) -> bytes:
    return rendering.pdf(document_html(statutes, lang))


def statutes_docx(statutes, lang: str) -> bytes:
    document = services.document(statutes, lang)
    heading = f"{document.title} – {statutes.parameters.get('name', statutes.cooperative.name)}"
    return rendering.docx(document, heading=heading, note=_reading_note(lang))


def comparison_pdf(statutes, lang: str) -> bytes:
    """The proposal next to the statutes in force, article by article (or the whole
    proposal when there are none in force yet)."""
    with force_locale(lang):
        current = services.in_force(statutes.cooperative)
        pairs = services.compare(current, statutes, lang) if current is not None else None
        html = render_template(
            "statutes/compare_pdf.html",
            cooperative=statutes.cooperative,
            statutes=statutes,
            current=current,
            pairs=pairs,
            document=services.document(statutes, lang) if pairs is None else None,
        )
    return rendering.pdf(html)
