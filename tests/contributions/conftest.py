import pytest
from flask_babel import force_locale

from tests.factories import CooperativeFactory


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English, the source language (pages run in the
    language of their request)."""
    with force_locale("en"):
        yield


@pytest.fixture
def coop():
    return CooperativeFactory()
