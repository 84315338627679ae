"""Shared pieces for the assembly tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coop.assemblies import services
from coop.assemblies.models import AssemblyStatus, MotionStatus
from coop.members.models import Function, Membership
from tests.factories import (
    AgendaItemFactory,
    AssemblyFactory,
    CooperativeFactory,
    MembershipFactory,
    MotionFactory,
    board_member,
)


@pytest.fixture
def coop():
    return CooperativeFactory()


@pytest.fixture
def chair(coop):
    return board_member(coop, Function.CHAIR)


@dataclass
class Meeting:
    cooperative: object
    chair: Membership
    members: list[Membership]
    assembly: object
    item: object
    motion: object


@pytest.fixture
def meeting():
    """A cooperative with a chair and five members; an assembly in session with one motion
    whose vote is open; the chair and members 0-2 are checked in."""
    cooperative = CooperativeFactory()
    chair = board_member(cooperative, Function.CHAIR)
    members = [MembershipFactory(cooperative=cooperative) for _ in range(5)]
    assembly = AssemblyFactory(cooperative=cooperative, status=AssemblyStatus.IN_SESSION)
    item = AgendaItemFactory(assembly=assembly)
    motion = MotionFactory(agenda_item=item, status=MotionStatus.OPEN)
    for person in [chair, *members[:3]]:
        services.check_in(assembly, person, by=chair)
    return Meeting(cooperative, chair, members, assembly, item, motion)
