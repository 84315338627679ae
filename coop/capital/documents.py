"""PDF documents made with WeasyPrint: a share certificate and the yearly statement."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template

from coop.capital import services


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    return HTML(string=html).write_pdf()


def certificate_pdf(certificate) -> bytes:
    share_class = certificate.share_class
    return _pdf(
        render_template(
            "capital/certificate_pdf.html",
            certificate=certificate,
            share_class=share_class,
            cooperative=share_class.cooperative,
            membership=certificate.membership,
            share_word=services.share_word(share_class.cooperative),
            total_cents=certificate.quantity * share_class.nominal_value_cents,
        )
    )


def statement_pdf(membership, year: int) -> bytes:
    """Waardestaat: the member's capital at the start and the end of the year."""
    start = services.holdings(membership, on=date(year, 1, 1) - timedelta(days=1))
    end = services.holdings(membership, on=date(year, 12, 31))
    return _pdf(
        render_template(
            "capital/statement_pdf.html",
            membership=membership,
            cooperative=membership.cooperative,
            year=year,
            start=start,
            end=end,
            start_cents=sum(h.amount_cents for h in start),
            end_cents=sum(h.amount_cents for h in end),
            share_word=services.share_word(membership.cooperative),
        )
    )
