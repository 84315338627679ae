"""Statutes fixtures: the library in the database, a cooperative with a board, and a
helper that takes a proposal through an assembly vote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_babel import force_locale

from coop.assemblies import services as assembly_services
from coop.assemblies.models import AssemblyStatus, Choice, ItemKind, MotionStatus
from coop.members.models import Function
from coop.statutes import schema, services
from coop.statutes.services import LIBRARY
from tests.factories import AssemblyFactory, CooperativeFactory, MembershipFactory, board_member

TEST_LIBRARY = Path(__file__).parent / "library"


def real_library_present() -> bool:
    return LIBRARY.is_dir() and any((p / "nl.md").is_file() for p in LIBRARY.iterdir())


def parameter_values(**overrides) -> dict:
    """The schema's defaults with the required texts filled in, changed by `overrides`."""
    values = schema.defaults(
        {"name": "Buurtcoöperatie Zuilen", "seat": "Utrecht", "purpose": "Samen."}
    )
    values.update(overrides)
    return values


@pytest.fixture
def library():
    """The model texts in the database: the real library and the small test text."""
    with force_locale("en"):
        services.sync_library(TEST_LIBRARY)
        services.sync_library(LIBRARY)
    return {v.template.slug: v for v in services.latest_versions()}


@pytest.fixture
def test_version(library):
    return library["proefcooperatie"]


@dataclass
class Coop:
    cooperative: object
    chair: object
    members: list


@pytest.fixture
def coop():
    cooperative = CooperativeFactory(seat="Utrecht")
    chair = board_member(cooperative, Function.CHAIR)
    members = [MembershipFactory(cooperative=cooperative) for _ in range(4)]
    return Coop(cooperative, chair, members)


def vote_on(statutes, coop, *, for_: int, against: int):
    """Propose the draft on a new assembly, check everyone in, vote and close."""
    assembly = AssemblyFactory(cooperative=coop.cooperative, status=AssemblyStatus.DRAFT)
    item = assembly_services.add_item(
        assembly, title="Statutenwijziging", description="", kind=ItemKind.DECISION, by=coop.chair
    )
    assembly.status = AssemblyStatus.CONVENED
    with force_locale("nl"):
        motion = services.propose(
            statutes, item=item, title="Nieuwe statuten", comparison_pdf=None, by=coop.chair
        )
    assembly.status = AssemblyStatus.IN_SESSION
    voters = [coop.chair, *coop.members]
    for person in voters:
        assembly_services.check_in(assembly, person, by=coop.chair)
    assembly_services.open_vote(motion, by=coop.chair)
    for person in voters[:for_]:
        assembly_services.cast_vote(motion, voter=person, choice=Choice.FOR)
    for person in voters[for_ : for_ + against]:
        assembly_services.cast_vote(motion, voter=person, choice=Choice.AGAINST)
    result = assembly_services.close_vote(motion, by=coop.chair)
    assert motion.status is MotionStatus.CLOSED
    return motion, result
