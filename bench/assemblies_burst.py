"""The vote burst: 5,000 members each cast one vote against gunicorn on 127.0.0.1, from a
separate load process (``python -m bench.assemblies_burst load …``).

- ``vote_burst_votes_per_s``: accepted votes per second over the whole burst.
- ``vote_burst_p95_ms``: 95th percentile latency of a vote (client side, keep-alive).
- ``vote_burst_lost``: votes acknowledged (the receipt page came back) whose member has
  no vote row in the database afterwards; ``vote_burst_duplicated``: vote rows or ballots
  beyond one per member. Both must be 0.
- ``vote_vs_bare_insert_ratio``: vote throughput divided by the throughput of
  ``POST /bench/insert`` (one INSERT and a commit, same app, same gunicorn, same load
  process, same run).

The burst runs on its own database (``<db>_burst`` on PostgreSQL, ``bench/.data/burst.sqlite``
otherwise), so it leaves the shared installation alone. Members are logged in by session
cookies signed with the app's key (5,000 argon2 log-ins would take minutes and measure
something else); CSRF is off on the bench app, as for every benchmark.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from bench.common import DATA, note, report

MEMBERS = int(os.environ.get("BENCH_BURST_MEMBERS", "5000"))
CONCURRENCY = int(os.environ.get("BENCH_BURST_CONCURRENCY", "32"))
WORKERS = int(os.environ.get("BENCH_BURST_WORKERS", "4"))
THREADS = 4
PORT = 8731
ROOT = Path(__file__).resolve().parents[1]


def _burst_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / "burst.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    target = f"{url.database}_burst"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        connection.execute(text(f'CREATE DATABASE "{target}"'))
    admin.dispose()
    return url.set(database=target).render_as_string(hide_password=False)


def _seed(app) -> dict:
    """Members, an assembly in session with an open motion, everyone checked in; the
    bare-insert table; a signed session cookie per member."""
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select

    from coop.accounts.models import User
    from coop.assemblies.models import (
        AgendaItem,
        Assembly,
        AssemblyStatus,
        Attendance,
        ItemKind,
        Motion,
        MotionStatus,
    )
    from coop.core.models import Cooperative
    from coop.db import today, utcnow
    from coop.extensions import db
    from coop.members.models import MemberKind, Membership

    with app.app_context():
        bare = MetaData()
        Table("bench_inserts", bare, Column("id", Integer, primary_key=True), Column("n", Integer))
        bare.create_all(db.engine)
        cooperative = Cooperative(slug="burst", name="Burst", seat="Utrecht")
        db.session.add(cooperative)
        db.session.flush()
        now = utcnow()
        user_ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {
                    "email": f"burst{i}@bench.test",
                    "name": f"Lid {i}",
                    "password_hash": "x",
                    "locale": "nl",
                    "is_platform_admin": False,
                    "session_version": 1,
                    "created_at": now,
                    "email_verified_at": now,
                }
                for i in range(MEMBERS)
            ],
        ).all()
        db.session.execute(
            insert(Membership),
            [
                {
                    "cooperative_id": cooperative.id,
                    "user_id": user_id,
                    "number": i + 1,
                    "kind": MemberKind.BEWONER,
                    "name": f"Lid {i}",
                    "admitted_on": today(),
                    "created_at": now,
                }
                for i, user_id in enumerate(user_ids)
            ],
        )
        assembly = Assembly(
            cooperative_id=cooperative.id,
            title="Burst",
            starts_at=now,
            status=AssemblyStatus.IN_SESSION,
        )
        db.session.add(assembly)
        db.session.flush()
        item = AgendaItem(assembly_id=assembly.id, position=1, title="B", kind=ItemKind.DECISION)
        db.session.add(item)
        db.session.flush()
        motion = Motion(
            assembly_id=assembly.id, agenda_item_id=item.id, title="B", status=MotionStatus.OPEN
        )
        db.session.add(motion)
        db.session.flush()
        members = db.session.execute(
            select(Membership.id, Membership.user_id).where(
                Membership.cooperative_id == cooperative.id
            )
        ).all()
        db.session.execute(
            insert(Attendance),
            [
                {
                    "assembly_id": assembly.id,
                    "membership_id": m,
                    "online": True,
                    "checked_in_at": now,
                }
                for m, _ in members
            ],
        )
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = {
            str(m): serializer.dumps({"_user_id": f"{u}:1", "_fresh": True}) for m, u in members
        }
        path = f"/c/burst/assemblies/{assembly.id}/motions/{motion.id}/vote"
        seeded = {"motion_id": motion.id, "path": path, "cookies": cookies}
        db.session.remove()
        return seeded


def _gunicorn(url: str) -> subprocess.Popen:
    env = {**os.environ, "BENCH_BURST_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, loopback only
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "bench.assemblies_burst:wsgi_app()",
        ],
        env=env,
        cwd=str(ROOT),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/bench/hello")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wsgi_app():
    """The app gunicorn serves: the bench app plus the bare insert route."""
    from sqlalchemy import text

    from bench.common import make_app
    from coop.access import public
    from coop.extensions import db

    app = make_app(os.environ["BENCH_BURST_DATABASE_URL"], migrate=False)
    app.logger.disabled = True

    @app.post("/bench/insert")
    @public
    def bench_insert():
        db.session.execute(text("INSERT INTO bench_inserts (n) VALUES (1)"))
        db.session.commit()
        return "ok"

    return app


# The load process -------------------------------------------------------------------------


def _load(spec_file: str, mode: str) -> None:
    """Send the requests (threads, one keep-alive connection each); print JSON results."""
    spec = json.loads(Path(spec_file).read_text())
    if mode == "votes":
        jobs = [(spec["path"], member, cookie) for member, cookie in spec["cookies"].items()]
    else:
        jobs = [("/bench/insert", None, None)] * len(spec["cookies"])
    lock = threading.Lock()
    position = [0]
    acked, latencies, failures = [], [], [0]

    def worker():
        connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
        body = urlencode({"choice": "for"})
        while True:
            with lock:
                if position[0] >= len(jobs):
                    return
                path, member, cookie = jobs[position[0]]
                position[0] += 1
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if cookie:
                headers["Cookie"] = f"session={cookie}"
            start = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
            except OSError:
                connection.close()
                connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
                with lock:
                    failures[0] += 1
                continue
            elapsed = time.perf_counter() - start
            ok = response.status == 200 and (member is None or b"<code>" in content)
            with lock:
                latencies.append(elapsed)
                if ok:
                    acked.append(member)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    latencies.sort()
    print(
        json.dumps(
            {
                "acked": acked,
                "failures": failures[0],
                "seconds": seconds,
                "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0,
                "median_ms": statistics.median(latencies) * 1000 if latencies else 0,
            }
        )
    )


def _run_load(spec_file: Path, mode: str) -> dict:
    output = subprocess.run(  # noqa: S603 - the load process is this module
        [sys.executable, "-m", "bench.assemblies_burst", "load", str(spec_file), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(output.stdout)


def vote_burst() -> None:
    from sqlalchemy import create_engine, func, select, text

    from bench.common import make_app
    from coop.assemblies.models import Ballot, Vote

    url = _burst_url()
    note(f"vote burst: {MEMBERS} members into {url}")
    app = make_app(url)
    seeded = _seed(app)
    spec_file = DATA / "burst.json"
    spec_file.write_text(json.dumps(seeded))
    server = _gunicorn(url)
    try:
        bare = _run_load(spec_file, "bare")
        votes = _run_load(spec_file, "votes")
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = create_engine(url)
    with engine.connect() as connection:
        motion_id = seeded["motion_id"]
        voted = set(
            connection.scalars(select(Vote.membership_id).where(Vote.motion_id == motion_id)).all()
        )
        vote_rows = connection.scalar(
            select(func.count(Vote.id)).where(Vote.motion_id == motion_id)
        )
        ballots = connection.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.motion_id == motion_id)
        )
        inserted = connection.scalar(text("SELECT count(*) FROM bench_inserts"))
    engine.dispose()
    acked = [int(m) for m in votes["acked"]]
    lost = sum(1 for m in acked if m not in voted)
    duplicated = (vote_rows - len(voted)) + max(ballots - vote_rows, 0)
    note(
        f"votes: {len(acked)} acknowledged, {votes['failures']} refused or failed, "
        f"{vote_rows} vote rows, {ballots} ballots; bare: {inserted} rows, "
        f"{bare['failures']} failed"
    )
    votes_per_s = len(acked) / votes["seconds"]
    bare_per_s = len(bare["acked"]) / bare["seconds"]
    report("vote_burst_votes_per_s", votes_per_s, "votes/s")
    report("vote_burst_p95_ms", votes["p95_ms"], "ms")
    report("vote_burst_lost", lost, "votes", digits=0)
    report("vote_burst_duplicated", duplicated, "votes", digits=0)
    report("vote_vs_bare_insert_ratio", votes_per_s / bare_per_s, "x")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "load":
        _load(sys.argv[2], sys.argv[3])
    else:
        vote_burst()
