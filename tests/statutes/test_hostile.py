"""Hostile input in the generated parameter form never crashes it and never comes back as
markup, neither in the preview nor after saving."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.statutes import services
from tests.test_hostile_input import SETTINGS, check, hostile, post

VALID = {
    "name": "Buurtcoöperatie Zuilen",
    "seat": "Utrecht",
    "purpose": "Samen zorgen voor de buurt.",
    "member_kinds": "resident",
    "minimum_shares": "1",
    "notice_days": "14",
    "quorum_ordinary": "0",
    "quorum_statutes": "0",
    "quorum_dissolution": "0",
    "quorum_election": "0",
    "majority_ordinary": "1/2",
    "majority_statutes": "2/3",
    "majority_dissolution": "2/3",
    "majority_election": "1/2",
    "proxies_per_holder": "1",
    "vote_weighting": "member",
    "share_vote_cap": "",
    "financial_year_start": "1",
    "liability": "UA",
    "resignation_notice_weeks": "4",
    "electronic_participation": "y",
}


@pytest.fixture
def draft_url(coop, test_version, login):
    draft = services.start_draft(coop.cooperative, template_version=test_version, by=coop.chair)
    return f"/c/{coop.cooperative.slug}/statutes/{draft.id}/edit"


@SETTINGS
@given(
    bad=st.dictionaries(st.sampled_from(sorted(VALID)), hostile, min_size=1, max_size=3),
    action=st.sampled_from(["preview", "save"]),
)
def test_parameter_form_survives_hostile_input(client, login, coop, draft_url, bad, action):
    login(coop.chair.user)
    check(post(client, draft_url, VALID | bad | {"action": action}))
