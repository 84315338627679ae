"""Pure membership rules (dates), tested with tables."""

from __future__ import annotations

from datetime import date, timedelta


def financial_year_end(day: date, start_month: int) -> date:
    """The last day of the financial year that contains ``day``."""
    next_start = date(day.year, start_month, 1)
    if next_start <= day:
        next_start = date(day.year + 1, start_month, 1)
    return next_start - timedelta(days=1)


def resignation_end_date(
    requested_on: date, *, notice_weeks: int, at_year_end: bool, fy_start_month: int
) -> date:
    """When a resignation given on ``requested_on`` takes effect."""
    earliest = requested_on + timedelta(weeks=notice_weeks)
    if not at_year_end:
        return earliest
    return financial_year_end(earliest, fy_start_month)


def normalise_postcode(raw: str) -> str | None:
    """'3561ab' -> '3561 AB'; None when it is not a Dutch postcode."""
    text = "".join(raw.split()).upper()
    if (
        not text.isascii()
        or len(text) != 6
        or not text[:4].isdigit()
        or not text[4:].isalpha()
        or text[0] == "0"
    ):
        return None
    return f"{text[:4]} {text[4:]}"


def normalise_iban(raw: str) -> str:
    return "".join(raw.split()).upper()


def iban_problem(raw: str):
    """A message when ``raw`` is not a valid IBAN, else None."""
    from flask_babel import lazy_gettext as _l
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(normalise_iban(raw))
    except SchwiftyException:
        return _l("This IBAN is not correct. Check the letters and digits.")
    return None
