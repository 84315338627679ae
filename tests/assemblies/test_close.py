"""Closing a vote: the count is one statement whatever the number of members and ballots,
and it counts what was voted."""

from __future__ import annotations

import re

from coop.assemblies import services
from coop.assemblies.models import Choice, MotionStatus
from coop.extensions import db
from tests.assemblies.test_vote_path import add_voters_and_ballots
from tests.factories import MotionFactory


def close_and_count(motion, chair, queries):
    before = len(queries.statements)
    result = services.close_vote(motion, by=chair)
    db.session.flush()
    return result, queries.statements[before:]


def reads(statements, table):
    return [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT") and re.search(rf"FROM {table}\b", s)
    ]


def test_closing_takes_the_same_statements_however_many_members_and_ballots(meeting, queries):
    small = meeting.motion
    for member in meeting.members[:2]:
        services.cast_vote(small, voter=member, choice=Choice.FOR)
    services.cast_vote(small, voter=meeting.members[2], choice=Choice.AGAINST)
    result, few = close_and_count(small, meeting.chair, queries)
    assert (result.for_count, result.against_count, result.eligible) == (2, 1, 6)

    large = MotionFactory(agenda_item=meeting.item, status=MotionStatus.OPEN)
    add_voters_and_ballots(meeting.cooperative, meeting.assembly, large, 300)
    services.cast_vote(large, voter=meeting.members[0], choice=Choice.AGAINST)
    services.cast_vote(large, voter=meeting.members[1], choice=Choice.ABSTAIN)
    result, many = close_and_count(large, meeting.chair, queries)

    assert len(many) == len(few)
    # One statement reads the ballots, and it also counts the members with voting rights.
    (count,) = reads(many, "ballots")
    assert reads(many, "memberships") == [count]
    assert (result.for_count, result.against_count, result.abstain_count) == (300, 1, 1)
    assert (result.for_weight, result.against_weight, result.abstain_weight) == (300, 1, 1)
    assert result.online_count == 302
    assert result.eligible == 306  # the chair, five members and 300 more
    assert result.present == 304  # checked in: the chair, three members and the 300
    assert result.adopted
