"""Pure arithmetic for contributions: payment references, pro-rata amounts."""

from __future__ import annotations

import string
from datetime import date

_LETTERS = {c: str(i) for i, c in enumerate(string.ascii_uppercase, start=10)}


def _numeric(text: str) -> int:
    return int("".join(_LETTERS.get(c, c) for c in text))


def rf_reference(body: str) -> str:
    """An ISO 11649 structured creditor reference ('RF' + check digits + body)."""
    body = body.upper()
    if not body.isalnum() or not 1 <= len(body) <= 21:
        raise ValueError("a reference body is 1 to 21 letters or digits")
    check = 98 - _numeric(body + "RF00") % 97
    return f"RF{check:02d}{body}"


def rf_valid(reference: str) -> bool:
    reference = reference.replace(" ", "").upper()
    if not reference.startswith("RF") or not 5 <= len(reference) <= 25:
        return False
    if not reference[2:].isalnum():
        return False
    return _numeric(reference[4:] + reference[:4]) % 97 == 1


def contribution_period(year: int, fy_start_month: int = 1) -> tuple[date, date]:
    """The period a contribution 'year' covers: the cooperative's financial year that
    starts in that calendar year (with a financial year from July, 2026 is 1 July 2026 to
    30 June 2027). With a financial year from January it is the calendar year."""
    from coop.members.rules import financial_year_end

    start = date(year, fy_start_month, 1)
    return start, financial_year_end(start, fy_start_month)


def contribution_year_of(day: date, fy_start_month: int = 1) -> int:
    """The contribution year (financial year) that ``day`` falls in."""
    return day.year if day.month >= fy_start_month else day.year - 1


def pro_rata_cents(
    full_cents: int, year: int, admitted_on: date | None, fy_start_month: int = 1
) -> int:
    """The share of a year's contribution for a member admitted during that (financial)
    year: whole months from the month of admission to the end of the year, rounded to the
    cent."""
    start, end = contribution_period(year, fy_start_month)
    if admitted_on is None or admitted_on < start:
        return full_cents
    if admitted_on > end:
        return 0
    months_before = (admitted_on.year - start.year) * 12 + admitted_on.month - start.month
    months = 12 - months_before
    return (full_cents * months + 6) // 12
