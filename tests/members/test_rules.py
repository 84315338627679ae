from datetime import date

import pytest

from coop.members.rules import (
    financial_year_end,
    iban_problem,
    normalise_postcode,
    resignation_end_date,
)


@pytest.mark.parametrize(
    ("day", "start_month", "end"),
    [
        (date(2026, 11, 23), 1, date(2026, 12, 31)),
        (date(2026, 12, 31), 1, date(2026, 12, 31)),
        (date(2027, 1, 1), 1, date(2027, 12, 31)),
        (date(2026, 6, 30), 7, date(2026, 6, 30)),
        (date(2026, 7, 1), 7, date(2027, 6, 30)),
        (date(2024, 2, 10), 3, date(2024, 2, 29)),
    ],
)
def test_financial_year_end(day, start_month, end):
    assert financial_year_end(day, start_month) == end


@pytest.mark.parametrize(
    ("requested", "weeks", "at_year_end", "start_month", "end"),
    [
        (date(2026, 11, 23), 4, True, 1, date(2026, 12, 31)),  # 21 Dec still this year
        (date(2026, 12, 3), 4, True, 1, date(2026, 12, 31)),  # exactly four weeks
        (date(2026, 12, 4), 4, True, 1, date(2027, 12, 31)),  # one day too late
        (date(2026, 11, 23), 4, False, 1, date(2026, 12, 21)),
        (date(2026, 11, 23), 0, False, 1, date(2026, 11, 23)),
        (date(2026, 5, 5), 8, True, 7, date(2026, 6, 30)),
        (date(2026, 5, 6), 8, True, 7, date(2027, 6, 30)),
    ],
)
def test_resignation_end_date(requested, weeks, at_year_end, start_month, end):
    assert (
        resignation_end_date(
            requested, notice_weeks=weeks, at_year_end=at_year_end, fy_start_month=start_month
        )
        == end
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("3561ab", "3561 AB"),
        (" 3561 AB ", "3561 AB"),
        ("0561AB", None),
        ("356AB", None),
        ("3561 A", None),
        ("35612B", None),
        ("٣٥٦١AB", None),
        ("3561ÄB", None),
    ],
)
def test_normalise_postcode(raw, clean):
    assert normalise_postcode(raw) == clean


def test_iban_is_checked_with_its_check_digits():
    assert iban_problem("NL91 ABNA 0417 1643 00") is None
    assert iban_problem("nl91abna0417164300") is None
    assert iban_problem("NL91 ABNA 0417 1643 01") is not None
    assert iban_problem("hello") is not None
