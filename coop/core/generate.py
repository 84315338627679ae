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
from coop.members.models import MemberKind, Membership, MembershipStatus

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
CHUNK = 5000


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
        ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), users
        ).all()
        members = []
        for i, (user_id, user) in enumerate(zip(ids, users, strict=True)):
            cooperative = result.cooperatives[(done + i) % k]
            cooperative.last_member_number += 1
            members.append(
                {
                    "cooperative_id": cooperative.id,
                    "user_id": user_id,
                    "number": cooperative.last_member_number,
                    "kind": rng.choices(kinds, weights=(85, 10, 5))[0],
                    "status": MembershipStatus.ACTIVE,
                    "name": user["name"],
                    "admitted_on": start + timedelta(days=rng.randrange(3650)),
                    "created_at": now,
                }
            )
        db.session.execute(insert(Membership), members)
        done += size
        result.members = done
        if progress:
            progress(size)
    db.session.flush()
    return result
