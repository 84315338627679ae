"""The member register with 100,000 members in one cooperative.

- ``register_page_ms``: median server time of ``GET /c/<slug>/members/`` (first page).
- ``register_search_ms``: median of a name search (``?q=visser``, about 2,500 hits).
- ``register_export_s`` and ``register_export_peak_mb``: the CSV export of the whole
  register, streamed to nowhere, in a fresh Python process (``python -m
  bench.members_register export <url> <slug>``). The figure is the process's peak resident
  memory (VmHWM) during the export, counted from after the log-in (whose argon2 hash
  takes 64 MB for a moment): the app and its libraries plus what the export holds.

The cooperative is generated beside the shared installation (``generate(1, 100_000)``).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from bench.common import installation, median_ms, note, report

MEMBERS = 100_000
PAGE_RUNS, PAGE_WARMUP = 20, 3
EMAIL = "bench-secretaris@bench.test"
PASSWORD = "bench-register-wachtwoord-2026"  # noqa: S105 (a bench account)


def _cooperative_with_secretary(app) -> str:
    from coop.accounts.models import User
    from coop.accounts.passwords import hash_password
    from coop.core.generate import generate
    from coop.db import utcnow
    from coop.extensions import db
    from coop.members.models import Function, MemberKind, Membership, MembershipFunction

    with app.app_context():
        start = time.perf_counter()
        cooperative = generate(1, MEMBERS, seed=2).cooperatives[0]
        note(f"generated {MEMBERS} members in {time.perf_counter() - start:.1f} s")
        user = User(
            email=EMAIL,
            name="Bench Secretaris",
            password_hash=hash_password(PASSWORD),
            email_verified_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        cooperative.last_member_number += 1
        db.session.add(
            Membership(
                cooperative_id=cooperative.id,
                user_id=user.id,
                kind=MemberKind.BEWONER,
                number=cooperative.last_member_number,
                name="Bench Secretaris",
                functions=[MembershipFunction(function=Function.SECRETARY)],
            )
        )
        slug = cooperative.slug
        db.session.commit()
        db.session.remove()
    return slug


def _logged_in_client(app):
    client = app.test_client()
    response = client.post("/account/login", data={"email": EMAIL, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"log-in failed: {response.status_code}")
    return client


def _get(client, path: str):
    def fetch():
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")

    return fetch


def register() -> None:
    inst = installation()
    slug = _cooperative_with_secretary(inst.app)
    client = _logged_in_client(inst.app)
    page = median_ms(_get(client, f"/c/{slug}/members/"), PAGE_RUNS, PAGE_WARMUP)
    report("register_page_ms", page, "ms")
    search = median_ms(_get(client, f"/c/{slug}/members/?q=visser"), PAGE_RUNS, PAGE_WARMUP)
    report("register_search_ms", search, "ms")
    # The export in its own process, so that its peak memory is the export's alone.
    output = subprocess.run(
        [sys.executable, "-m", "bench.members_register", "export", inst.url, slug],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    note(
        f"exported {figures['rows']} rows, {figures['bytes'] / 1e6:.1f} MB of CSV; the process "
        f"had {figures['before_mb']:.1f} MB before the export began"
    )
    report("register_export_s", figures["seconds"], "s")
    report("register_export_peak_mb", figures["peak_mb"], "MB", 1)


def _reset_peak() -> None:
    """Linux: make the peak resident size (VmHWM) start again from the current size."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _peak_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _export(url: str, slug: str) -> None:
    from bench.common import make_app

    app = make_app(url, migrate=False)
    client = _logged_in_client(app)
    client.get(f"/c/{slug}/members/?q=nobody")  # load what every page loads
    # The log-in's argon2 hash takes 64 MB for a moment; start the peak after it.
    _reset_peak()
    before_mb = _peak_mb()
    start = time.perf_counter()
    response = client.get(f"/c/{slug}/members/export.csv?status=all", buffered=False)
    size = rows = 0
    for piece in response.iter_encoded():
        size += len(piece)
        rows += piece.count(b"\r\n")
    response.close()
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"export: {response.status_code}")
    peak_mb = _peak_mb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_mb,
                "before_mb": before_mb,
                "rows": rows - 1,
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["export"]:
        _export(sys.argv[2], sys.argv[3])
