"""The parameter schema: defaults and the checks on each value."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from coop.statutes import schema
from tests.statutes.conftest import parameter_values


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


def test_the_defaults_with_the_required_texts_are_valid():
    clean, errors = schema.validate(parameter_values())
    assert errors == {}
    assert clean["majority_statutes"] == "2/3"
    assert clean["notice_days"] == 14
    assert clean["member_kinds"] == ["resident", "entrepreneur", "organisation"]


def test_template_defaults_override_the_schema():
    assert schema.defaults({"member_kinds": ["organisation"], "unknown": 1})["member_kinds"] == [
        "organisation"
    ]
    assert "unknown" not in schema.defaults({"unknown": 1})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("majority_ordinary", "1/3", "at least one half"),
        ("majority_statutes", "5/4", "at most all"),
        ("majority_election", "half", "fraction"),
        ("majority_ordinary", "1/0", "fraction"),
        ("notice_days", 6, "at least 7 days"),
        ("notice_days", "zes", "whole number"),
        ("quorum_dissolution", 101, "from 0 to 100"),
        ("quorum_ordinary", -1, "from 0 to 100"),
        ("proxies_per_holder", 6, "from 0 to 5"),
        ("financial_year_start", 13, "from 1 to 12"),
        ("resignation_notice_weeks", 53, "from 0 to 52"),
        ("minimum_shares", 101, "from 0 to 100"),
        ("name", "", "Fill this in"),
        ("seat", "   ", "Fill this in"),
        ("purpose", None, "Fill this in"),
        ("member_kinds", [], "at least one"),
        ("member_kinds", ["resident", "martian"], "at least one"),
        ("liability", "XA", "options"),
        ("vote_weighting", "money", "options"),
        ("name", "Buurt\x00coop", "not allowed"),
        ("blank_votes_count", "yes", "yes or no"),
    ],
)
def test_bad_values_are_refused_at_their_field(key, value, message):
    clean, errors = schema.validate(parameter_values(**{key: value}))
    assert list(errors) == [key]
    assert message in str(errors[key])


def test_a_vote_cap_needs_votes_by_shares():
    _clean, errors = schema.validate(parameter_values(share_vote_cap=5))
    assert "share_vote_cap" in errors
    clean, errors = schema.validate(parameter_values(share_vote_cap="5", vote_weighting="share"))
    assert errors == {}
    assert clean["share_vote_cap"] == 5
