from datetime import date

import pytest

from coop.contributions.rules import pro_rata_cents, rf_reference, rf_valid


@pytest.mark.parametrize(
    ("body", "reference"),
    [("539007547034", "RF18539007547034"), ("S000000000001", None)],
)
def test_rf_reference(body, reference):
    made = rf_reference(body)
    assert rf_valid(made)
    if reference:
        assert made == reference


def test_rf_valid_rejects_typos():
    assert not rf_valid("RF18539007547035")
    assert not rf_valid("RF")
    assert not rf_valid("XX18539007547034")


@pytest.mark.parametrize(
    ("admitted", "expected"),
    [
        (None, 2400),
        (date(2025, 6, 1), 2400),
        (date(2026, 1, 31), 2400),
        (date(2026, 7, 1), 1200),
        (date(2026, 12, 1), 200),
        (date(2027, 1, 1), 0),
    ],
)
def test_pro_rata(admitted, expected):
    assert pro_rata_cents(2400, 2026, admitted) == expected


@pytest.mark.parametrize(
    ("admitted", "expected"),
    [
        (None, 2400),
        (date(2026, 6, 30), 2400),  # before the financial year 2026 (July to June)
        (date(2026, 7, 1), 2400),
        (date(2026, 12, 15), 1400),  # December to June: 7 months
        (date(2027, 1, 1), 1200),  # January to June: 6 months
        (date(2027, 6, 1), 200),
        (date(2027, 7, 1), 0),
    ],
)
def test_pro_rata_follows_the_financial_year(admitted, expected):
    assert pro_rata_cents(2400, 2026, admitted, fy_start_month=7) == expected


def test_contribution_period_is_the_financial_year():
    from coop.contributions.rules import contribution_period, contribution_year_of

    assert contribution_period(2026, 1) == (date(2026, 1, 1), date(2026, 12, 31))
    assert contribution_period(2026, 7) == (date(2026, 7, 1), date(2027, 6, 30))
    assert contribution_year_of(date(2027, 3, 1), 7) == 2026
    assert contribution_year_of(date(2027, 7, 1), 7) == 2027
    assert contribution_year_of(date(2027, 3, 1), 1) == 2027
