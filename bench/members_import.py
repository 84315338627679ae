"""Member import figure.

- ``import_10k_s``: seconds to import a CSV file of 10,000 members with
  ``coop.members.importer`` — read and check the file, check it against the database, bulk
  insert, commit — into a new cooperative on the shared installation (100,000 generated
  members). The file is what a Dutch spreadsheet saves: UTF-8 with a BOM, semicolons, Dutch
  headings, dates as 1-3-2024. One row in ten is the e-mail address of an existing account
  (matched, not duplicated); one in three has an IBAN; a quarter give their own member
  number. Median of ``RUNS`` imports, each into a cooperative of its own. Aim: under 15 s.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import time

from bench.common import installation, note, report

ROWS = 10_000
RUNS = 3
BANKS = ("ABNA", "RABO", "INGB", "SNSB", "TRIO", "ASNB")
HEADER = [
    "lidnummer",
    "naam",
    "soort",
    "e-mail",
    "straat",
    "huisnummer",
    "postcode",
    "plaats",
    "telefoon",
    "iban",
    "kvk",
    "contactpersoon",
    "datum toelating",
    "in ledenlijst",
]


def make_csv(run: int, existing: list[str], seed: int = 1) -> bytes:
    from schwifty import IBAN

    from coop.core.generate import FIRST, LAST, LETTERS, STREETS

    rng = random.Random(seed * 1000 + run)
    ibans = [
        IBAN.generate(
            "NL", bank_code=rng.choice(BANKS), account_code=f"{rng.randrange(10**10):010d}"
        ).formatted
        for _ in range(200)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in range(ROWS):
        kind = rng.choices(("bewoner", "ondernemer", "organisatie"), weights=(85, 10, 5))[0]
        email = existing[i // 10] if i % 10 == 0 else f"import{run}-{i}@bench.test"
        writer.writerow(
            [
                str(100_000 + i) if i % 4 == 0 else "",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                kind,
                email,
                rng.choice(STREETS),
                str(rng.randrange(1, 250)),
                f"{rng.randint(3561, 3564)} {rng.choice(LETTERS)}{rng.choice(LETTERS)}",
                "Utrecht",
                f"06 {rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
                rng.choice(ibans) if i % 3 == 0 else "",
                f"{rng.randrange(10**7, 10**8)}" if kind == "ondernemer" else "",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}" if kind == "organisatie" else "",
                f"{rng.randint(1, 28)}-{rng.randint(1, 12)}-{rng.randint(2010, 2024)}",
                "ja" if rng.random() < 0.15 else "nee",
            ]
        )
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def import_10k() -> None:
    from sqlalchemy import select

    from coop.accounts.models import User
    from coop.core.models import Cooperative
    from coop.db import today
    from coop.extensions import db
    from coop.members import importer

    app = installation().app
    seconds = []
    with app.app_context():
        for run in range(1, RUNS + 1):
            existing = db.session.scalars(
                select(User.email).order_by(User.id).offset(run * ROWS).limit(ROWS // 10)
            ).all()
            content = make_csv(run, existing)
            cooperative = Cooperative(
                slug=f"bench-import-{run}",
                name=f"Bench import {run}",
                postcode_ranges=[[3561, 3564]],
            )
            db.session.add(cooperative)
            db.session.commit()
            start = time.perf_counter()
            parsed = importer.parse(
                content,
                today=today(),
                allow_test_domains=app.config["EMAIL_ALLOW_TEST_DOMAINS"],
            )
            if parsed.problems:
                raise RuntimeError(f"the generated file has problems: {parsed.problems[:3]}")
            result = importer.import_members(cooperative, parsed, by=None, today=today())
            db.session.commit()
            seconds.append(time.perf_counter() - start)
            note(f"import run {run}: {result.count} members in {seconds[-1]:.2f} s")
        db.session.remove()
    report("import_10k_s", statistics.median(seconds), "s")
