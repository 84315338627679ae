"""Simultaneous writers: certificate numbers stay gapless and unique; one form, one charge."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.capital import services as capital
from coop.capital.models import Certificate, ShareClass
from coop.contributions.models import Charge
from coop.core.models import Cooperative
from coop.extensions import db
from coop.members.models import MemberKind, Membership
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES,
    reason="needs concurrent writers; SQLite serialises every write, so there is no race to test",
)

PARALLEL = 8


def _world(engine):
    from coop.accounts.models import User

    with Session(engine) as session:
        coop = Cooperative(slug="race", name="Race", seat="Utrecht")
        session.add(coop)
        session.flush()
        share_class = ShareClass(
            cooperative_id=coop.id, name="A", nominal_value_cents=2500, maximum_per_member=100
        )
        session.add(share_class)
        members = []
        for i in range(PARALLEL):
            user = User(email=f"race{i}@example.test", name=f"Lid {i}", password_hash="x")
            session.add(user)
            session.flush()
            member = Membership(
                cooperative_id=coop.id, user_id=user.id, kind=MemberKind.BEWONER,
                number=i + 1, name=f"Lid {i}", admitted_on=date(2026, 1, 1),
            )  # fmt: skip
            session.add(member)
            session.flush()
            members.append(member.id)
        session.commit()
        return share_class.id, members


def _race(app, committed, work, args):
    engines = db._app_engines[app]
    test_connection = engines[None]
    engines[None] = committed
    barrier = threading.Barrier(len(args))
    errors = []

    def run(arg):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                work(arg)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        engines[None] = test_connection
    return errors


def test_simultaneous_issues_get_distinct_gapless_certificates(app, committed):
    class_id, members = _world(committed)

    def issue(member_id):
        share_class = db.session.get(ShareClass, class_id)
        member = db.session.get(Membership, member_id)
        capital.issue(share_class, member, 1, on=date(2026, 2, 1), by=None)

    assert _race(app, committed, issue, members) == []
    with Session(committed) as session:
        numbers = sorted(session.scalars(select(Certificate.number)).all())
    assert numbers == list(range(1, PARALLEL + 1))


def test_simultaneous_double_submit_makes_one_charge(app, committed):
    class_id, members = _world(committed)

    def buy(_):
        share_class = db.session.get(ShareClass, class_id)
        member = db.session.get(Membership, members[0])
        capital.request_purchase(member, share_class, 1, token="same", today=date(2026, 2, 1))

    errors = _race(app, committed, buy, range(4))
    assert errors == []
    with Session(committed) as session:
        assert session.scalar(select(func.count()).select_from(Charge)) == 1
