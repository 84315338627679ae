import pytest
from flask_babel import force_locale

from coop.members.models import Function
from tests.factories import CooperativeFactory, board_member


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English, the source language (pages run in the
    language of their request)."""
    with force_locale("en"):
        yield


@pytest.fixture
def coop():
    return CooperativeFactory()


@pytest.fixture
def treasurer(coop):
    return board_member(coop, Function.TREASURER)
