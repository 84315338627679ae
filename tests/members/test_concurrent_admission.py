"""Two secretaries admitting at the same moment never get the same member number."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.core.models import Cooperative
from coop.db import today, utcnow
from coop.extensions import db
from coop.members import services
from coop.members.models import Application, MemberKind, Membership
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES,
    reason="needs concurrent writers; SQLite serialises every write, so there is no race to test",
)

PARALLEL = 8


def test_simultaneous_admissions_get_distinct_sequential_numbers(app, committed):
    from coop.accounts.models import User

    with Session(committed) as session:
        coop = Cooperative(slug="race", name="Race", seat="Utrecht")
        session.add(coop)
        session.flush()
        ids = []
        for i in range(PARALLEL):
            user = User(email=f"race{i}@example.test", name=f"Lid {i}", password_hash="x")
            session.add(user)
            session.flush()
            application = Application(
                cooperative_id=coop.id,
                user_id=user.id,
                kind=MemberKind.BEWONER,
                name=f"Lid {i}",
                postcode="3562 AB",
                accepted_terms_at=utcnow(),
            )
            session.add(application)
            session.flush()
            ids.append(application.id)
        session.commit()

    engines = db._app_engines[app]
    test_connection = engines[None]
    engines[None] = committed  # threads get their own connections
    barrier = threading.Barrier(PARALLEL)
    errors = []

    def admit(application_id):
        try:
            with app.app_context():
                application = db.session.get(Application, application_id)
                barrier.wait(timeout=10)
                services.admit(application, by=None, on=today())
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=admit, args=(i,)) for i in ids]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        engines[None] = test_connection

    assert errors == []
    with Session(committed) as session:
        numbers = sorted(session.scalars(select(Membership.number)).all())
        counter = session.scalar(select(Cooperative.last_member_number))
    assert numbers == list(range(1, PARALLEL + 1))
    assert counter == PARALLEL
