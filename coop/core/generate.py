"""Bulk generation of realistic data for benchmarks and load tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from coop.accounts.models import User
from coop.accounts.passwords import hash_password
from coop.core.models import Cooperative, LegalForm
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import (
    EndReason,
    MemberKind,
    Membership,
    MembershipStatus,
    MembershipStatusChange,
)

FIRST = [
    "Anna",
    "Bram",
    "Daan",
    "Emma",
    "Fatima",
    "Hamza",
    "Ilse",
    "Jan",
    "Julia",
    "Karim",
    "Lotte",
    "Lucas",
    "Mila",
    "Noah",
    "Nora",
    "Omar",
    "Priya",
    "Rik",
    "Sanne",
    "Sem",
    "Tess",
    "Thijs",
    "Yara",
    "Youssef",
    "Zoë",
    "Mehmet",
    "Ayşe",
    "Kees",
    "Ria",
    "Henk",
    "Els",
    "Wim",
]
LAST = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "El Amrani",
    "Yilmaz",
    "Bouzid",
    "Ramdin",
    "Haddou",
    "Kaya",
    "Öztürk",
    "Hoekstra",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
]
WIJKEN = [
    "Overvecht",
    "West",
    "Zuid",
    "Noordoost",
    "Oost",
    "Binnenstad",
    "Zuidwest",
    "Noordwest",
    "Leidsche Rijn",
    "Vleuten-De Meern",
]
STREETS = [
    "Zamenhofdreef",
    "Bisschopsmolen",
    "Kanaalstraat",
    "Damstraat",
    "Vleutenseweg",
    "Hoograven",
    "Verlengde Hoogravenseweg",
    "Biltstraat",
    "Amsterdamsestraatweg",
    "Oudegracht",
    "Croeselaan",
    "Balijelaan",
]
LETTERS = "ABCDEGHJKLMNPRTVWXZ"
# Membership histories end on fixed dates, so the generated data does not depend on today.
LAST_END = date(2025, 12, 31)
CHUNK = 5000
MEMBERSHIPS = Membership.__table__


@dataclass
class Generated:
    cooperatives: list[Cooperative] = field(default_factory=list)
    members: int = 0


def generate(k: int, n: int, *, seed: int = 1, progress: Callable[[int], None] | None = None):
    rng = random.Random(seed)
    run = (db.session.scalar(select(func.count(Cooperative.id))) or 0) + 1
    password_hash = hash_password(f"generated-{seed}-password")
    result = Generated()
    for index in range(k):
        wijk = WIJKEN[index % len(WIJKEN)]
        cooperative = Cooperative(
            slug=f"gen-{run}-{index + 1}",
            name=f"Wijkcoöperatie {wijk} {run}-{index + 1}",
            legal_form=LegalForm.UA,
            seat="Utrecht",
            wijk=wijk,
            kvk_number=f"{rng.randrange(10**7, 10**8)}",
            postcode_ranges=[[3500 + index % 80, 3500 + index % 80 + 3]],
            purpose="Samen zorgen we voor de wijk.",
            joining_info="Meld je aan als bewoner, ondernemer of organisatie.",
        )
        db.session.add(cooperative)
        result.cooperatives.append(cooperative)
    db.session.flush()

    kinds = list(MemberKind)
    now = utcnow()
    start = date(2015, 1, 1)
    # Contact details and histories come from their own generator, so that names and kinds
    # stay what they were for a given seed.
    details = random.Random(seed * 7919 + 1)
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        users = [
            {
                "email": f"lid{done + i}.r{run}s{seed}@generated.test",
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "password_hash": password_hash,
                "email_verified_at": now,
                "locale": "nl",
                "is_platform_admin": False,
                "session_version": 1,
                "created_at": now,
            }
            for i in range(size)
        ]
        # See below: no RETURNING (one statement per row on SQLite); ids by e-mail address.
        db.session.execute(insert(User.__table__), users)
        by_email = dict(
            db.session.execute(
                select(User.email, User.id).where(User.email.in_([u["email"] for u in users]))
            ).all()
        )
        ids = [by_email[user["email"]] for user in users]
        members = []
        for i, (user_id, user) in enumerate(zip(ids, users, strict=True)):
            cooperative = result.cooperatives[(done + i) % k]
            cooperative.last_member_number += 1
            kind = rng.choices(kinds, weights=(85, 10, 5))[0]
            admitted_on = start + timedelta(days=rng.randrange(3650))
            members.append(
                {
                    "cooperative_id": cooperative.id,
                    "user_id": user_id,
                    "number": cooperative.last_member_number,
                    "kind": kind,
                    "name": user["name"],
                    "admitted_on": admitted_on,
                    "created_at": now,
                    **_details(details, cooperative, kind),
                    **_fate(details, admitted_on),
                }
            )
        # Core inserts without RETURNING: the ORM's bulk insert splits rows into batches by
        # which columns are None (these rows differ at random), and RETURNING in parameter
        # order makes SQLite insert one row per statement. Each user has one membership here,
        # so the new ids are found by user id.
        db.session.execute(
            insert(MEMBERSHIPS), [{k: v for k, v in m.items() if k != "history"} for m in members]
        )
        by_user = dict(
            db.session.execute(
                select(Membership.user_id, Membership.id).where(
                    Membership.user_id.between(min(ids), max(ids))
                )
            ).all()
        )
        member_ids = [by_user[member["user_id"]] for member in members]
        db.session.execute(
            insert(MembershipStatusChange.__table__),
            [
                {
                    "membership_id": member_id,
                    "status": status,
                    "effective_on": effective_on,
                    "recorded_at": now,
                }
                for member_id, member in zip(member_ids, members, strict=True)
                for status, effective_on in member["history"]
            ],
        )
        done += size
        result.members = done
        if progress:
            progress(size)
    db.session.flush()
    return result


def _details(rng: random.Random, cooperative: Cooperative, kind: MemberKind) -> dict:
    """Contact details: an address in the cooperative's postcode area, sometimes a phone."""
    low, high = cooperative.postcode_ranges[0]
    return {
        "street": rng.choice(STREETS),
        "house_number": str(rng.randrange(1, 250)),
        "postcode": f"{rng.randint(low, high)} {rng.choice(LETTERS)}{rng.choice(LETTERS)}",
        "city": "Utrecht",
        "phone": f"06{rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
        "kvk_number": f"{rng.randrange(10**7, 10**8)}" if kind is MemberKind.ONDERNEMER else None,
        "contact_person": (
            f"{rng.choice(FIRST)} {rng.choice(LAST)}" if kind is MemberKind.ORGANISATIE else ""
        ),
        "in_directory": rng.random() < 0.15,
    }


def _fate(rng: random.Random, admitted_on: date) -> dict:
    """Most members are active; some left (ENDED the day after their last day), a few are
    suspended. ``history`` holds the status changes (status, effective_on)."""
    history = [(MembershipStatus.ACTIVE, admitted_on)]
    roll = rng.random()
    if roll < 0.06:
        ended_on = min(admitted_on + timedelta(days=rng.randrange(30, 3000)), LAST_END)
        history.append((MembershipStatus.ENDED, ended_on + timedelta(days=1)))
        return {
            "status": MembershipStatus.ENDED,
            "ended_on": ended_on,
            "end_reason": EndReason.RESIGNED,
            "history": history,
        }
    if roll < 0.08:
        suspended_on = min(admitted_on + timedelta(days=rng.randrange(30, 3000)), LAST_END)
        history.append((MembershipStatus.SUSPENDED, suspended_on))
        return {
            "status": MembershipStatus.SUSPENDED,
            "ended_on": None,
            "end_reason": None,
            "history": history,
        }
    return {
        "status": MembershipStatus.ACTIVE,
        "ended_on": None,
        "end_reason": None,
        "history": history,
    }
