"""The vote burst: 5,000 members each cast one vote against gunicorn on 127.0.0.1, from a
separate load process (``python -m bench.assemblies_burst load …``), on PostgreSQL and, for
comparison, on SQLite.

Names: a figure without a database in its name is PostgreSQL's; the SQLite figure of the
same measurement has ``_sqlite`` after the family prefix (``vote_burst_`` → ``vote_burst_sqlite_``,
``vote_vs_bare_insert_ratio`` → ``vote_vs_bare_insert_sqlite_ratio``).

The burst runs ``BENCH_BURST_ROUNDS`` times (default 3), one after the other on the same
server: each round, the 5,000 members each cast one vote on a motion of its own (all open
at once). A figure is the median over the rounds, as the other benchmarks report medians;
every round's figures are printed on stderr. One round alone moves with the machine: its
two virtual CPUs share their host, and the same code measured 2.2 and 2.9 ms of gunicorn
CPU per vote a few minutes apart (2026-12-07).

- ``vote_burst_votes_per_s``: acknowledged votes per second over a whole round.
- ``vote_burst_p95_ms``: 95th percentile latency of a vote in a round (client side,
  keep-alive).
- ``vote_burst_lost``: votes acknowledged (the answer carried a receipt code) whose member
  has no vote row, or whose receipt is not on a ballot, in the database afterwards;
  ``vote_burst_duplicated``: vote rows or ballots beyond one per member and motion. Both
  are summed over the rounds, and must be 0.
- ``vote_vs_bare_insert_ratio``: vote throughput divided by the throughput of
  ``POST /bench/insert`` (one INSERT and a commit, same app, same gunicorn, same load
  process), each round's bare inserts just before its votes.

PostgreSQL: the server of ``DATABASE_URL`` when set, otherwise a throwaway server started
for the run (bench/postgres.py); the burst has its own database there (``coop_vote_burst``).
SQLite: ``bench/.data/burst.sqlite``. The shared installation is left alone.

Members are logged in by session cookies signed with the app's key (5,000 argon2 log-ins
would take minutes and measure something else). CSRF protection is on, as in production:
each member's session holds a CSRF token and the form sends it, and the session is what
a log-in leaves (Flask-Login's identifier of address and browser in it). gunicorn runs
``BENCH_BURST_WORKERS`` workers (default 2, one per core) of class gthread with
``BENCH_BURST_THREADS`` threads each (default 1: a second thread per worker overlaps the
vote's short waits on the database, but handing the interpreter lock back and forth costs
more CPU than that saves, 4.2-5.0 ms of gunicorn CPU per vote with 2 threads against
3.3-4.4 ms with 1), with keep-alive, the load's connections spread evenly over the
workers; ``BENCH_BURST_MEMBERS`` (default 5000) and ``BENCH_BURST_CONCURRENCY`` (default
32 keep-alive connections) shape the load. The load process is one thread with
non-blocking sockets and requests encoded beforehand (about 0.1 ms of CPU per request), so
it takes little of the two cores the server needs.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from itsdangerous import URLSafeTimedSerializer

from bench.common import DATA, note, report

MEMBERS = int(os.environ.get("BENCH_BURST_MEMBERS", "5000"))
CONCURRENCY = int(os.environ.get("BENCH_BURST_CONCURRENCY", "32"))
ROUNDS = int(os.environ.get("BENCH_BURST_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_BURST_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_BURST_THREADS", "1"))
PORT = 8731
RECEIPT = re.compile(rb"<code>([A-Z0-9-]{14})</code>")
USER_AGENT = "buurtcoop-bench/1"
ROOT = Path(__file__).resolve().parents[1]


def _sqlite_url() -> str:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "burst.sqlite"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _seed(app) -> dict:
    """Members, an assembly in session with an open motion per round, everyone checked
    in; the bare-insert table; a signed session cookie per member."""
    from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

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
        motions = [
            Motion(
                assembly_id=assembly.id,
                agenda_item_id=item.id,
                title=f"B{round_ + 1}",
                status=MotionStatus.OPEN,
            )
            for round_ in range(ROUNDS)
        ]
        db.session.add_all(motions)
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
        # Statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) keep them on a
        # server in use: without them the planner guesses at the tables just filled.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as c:
                c.execute(text("ANALYZE"))
        # A session per member as a log-in leaves it, with the CSRF token the vote form
        # carries (Flask-WTF: the raw token in the session, a signed one in the form).
        # ``_id`` is Flask-Login's session identifier (address and browser) that
        # login_user() stores: without it every vote would rewrite the session cookie.
        serializer = app.session_interface.get_signing_serializer(app)
        csrf_signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        with app.test_request_context(
            headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ):
            from flask_login.utils import _create_identifier

            identifier = _create_identifier()
        cookies, tokens = {}, {}
        for m, u in members:
            raw = secrets.token_hex(20)
            cookies[str(m)] = serializer.dumps(
                {"_user_id": f"{u}:1", "_fresh": True, "_id": identifier, "csrf_token": raw}
            )
            tokens[str(m)] = csrf_signer.dumps(raw)
        seeded = {
            "motion_ids": [motion.id for motion in motions],
            "paths": [
                f"/c/burst/assemblies/{assembly.id}/motions/{motion.id}/vote" for motion in motions
            ],
            "cookies": cookies,
            "tokens": tokens,
        }
        db.session.remove()
        return seeded


def _gunicorn(url: str) -> subprocess.Popen:
    """gunicorn on 127.0.0.1: gthread workers (one process per core), keep-alive
    connections as the load process holds them."""
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
            # The load's connections spread evenly over the workers: without a limit the
            # first worker to wake takes nearly all of them (its members wait, the other
            # worker's few are served at once).
            "--worker-connections",
            str(-(-CONCURRENCY // WORKERS)),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "bench.assemblies_burst:wsgi_app()",
        ],
        env=env,
        cwd=str(ROOT),
    )
    deadline = time.monotonic() + 120  # a busy machine imports slowly
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
    from coop.extensions import csrf, db

    app = make_app(os.environ["BENCH_BURST_DATABASE_URL"], migrate=False)
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the vote form is checked
    app.logger.disabled = True

    @app.post("/bench/insert")
    @public
    @csrf.exempt  # the floor: one INSERT and a commit, nothing else
    def bench_insert():
        db.session.execute(text("INSERT INTO bench_inserts (n) VALUES (1)"))
        db.session.commit()
        return "ok"

    return app


# The load process -------------------------------------------------------------------------


def _load(spec_file: str, mode: str, round_: int) -> None:
    """Send the requests over ``CONCURRENCY`` keep-alive connections, each sending its next
    request when the answer to the last one is in; print JSON results. One thread with
    non-blocking sockets and requests encoded beforehand, so that the load process takes
    as little of the machine's CPU from the server as it can."""
    spec = json.loads(Path(spec_file).read_text())
    requests = []
    for member, cookie in spec["cookies"].items():
        if mode == "votes":
            path = spec["paths"][round_]
            body = urlencode({"choice": "for", "csrf_token": spec["tokens"][member]})
            cookie_line = f"Cookie: session={cookie}\r\n"
        else:
            member, path, body, cookie_line = None, "/bench/insert", "n=1", ""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nUser-Agent: {USER_AGENT}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n{cookie_line}\r\n"
        )
        requests.append((member, (head + body).encode()))
    acked, receipts, latencies, failures = [], [], [], 0
    pending = iter(requests)
    selector = selectors.DefaultSelector()

    def start(connection=None):
        """Send the next request on ``connection`` (a new one when None); False when
        there are none left."""
        job = next(pending, None)
        if job is None:
            if connection is not None:
                connection.close()
            return False
        if connection is None:
            connection = socket.create_connection(("127.0.0.1", PORT))
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection.setblocking(True)
        connection.sendall(job[1])  # small: goes out at once
        connection.setblocking(False)
        selector.register(connection, selectors.EVENT_READ, [job[0], time.perf_counter(), b""])
        return True

    began = time.perf_counter()
    for _ in range(CONCURRENCY):
        if not start():
            break
    while selector.get_map():
        for key, _ in selector.select():
            connection, state = key.fileobj, key.data
            chunk = connection.recv(65536)
            if chunk:
                state[2] += chunk
                head, separator, body = state[2].partition(b"\r\n\r\n")
                if not separator:
                    continue
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                if length is None or len(body) < int(length.group(1)):
                    continue
            selector.unregister(connection)
            member, sent, data = state
            if not chunk:  # the server closed the connection before answering
                connection.close()
                failures += 1
                start()
                continue
            latencies.append(time.perf_counter() - sent)
            receipt = RECEIPT.search(body) if member is not None else None
            if data.startswith(b"HTTP/1.1 200") and (member is None or receipt is not None):
                acked.append(member)
                if receipt is not None:
                    receipts.append(receipt.group(1).decode())
            else:
                failures += 1
            if b"\r\nconnection: close" in head.lower():
                connection.close()
                connection = None
            start(connection)
    seconds = time.perf_counter() - began
    latencies.sort()
    print(
        json.dumps(
            {
                "acked": acked,
                "receipts": receipts,
                "failures": failures,
                "seconds": seconds,
                "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0,
                "median_ms": statistics.median(latencies) * 1000 if latencies else 0,
            }
        )
    )


def _run_load(spec_file: Path, mode: str, round_: int) -> dict:
    output = subprocess.run(  # noqa: S603 - the load process is this module
        [
            sys.executable,
            "-m",
            "bench.assemblies_burst",
            "load",
            str(spec_file),
            mode,
            str(round_),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(ROOT),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(output.stdout)


class _SpeedProbe:
    """How fast the machine is while the votes run, to read the figures by. This machine's
    two virtual CPUs share their host: on an idle machine a fixed loop of pure Python (a
    million steps) took from 42 to 79 ms of CPU time, changing from one second to the next
    (117 samples over 4 minutes, 2026-12-07). Twice a second a thread of this process
    (otherwise waiting for the load process) times a fixed loop: on its own CPU clock (how
    fast a CPU runs it) and on the wall clock (which adds the waits for a CPU, busy with
    the server), about 1% of one core. The reference is the fastest of 20 runs of the loop
    just before the votes start."""

    LOOP = 100_000  # a few milliseconds

    def __init__(self) -> None:
        self.reference = min(self._time()[0] for _ in range(20))
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _time(self) -> tuple[float, float]:
        """(CPU seconds, wall seconds) of the loop."""
        cpu, wall, total = time.thread_time(), time.perf_counter(), 0
        for i in range(self.LOOP):
            total += i * i % 7
        return time.thread_time() - cpu, time.perf_counter() - wall

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.samples.append(self._time())

    def __enter__(self) -> _SpeedProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        if not self.samples:
            return "machine speed during the votes: no sample"
        cpu = sorted(sample[0] * 1000 for sample in self.samples)
        wall = statistics.median(sample[1] * 1000 for sample in self.samples)
        slow = sum(1 for sample in cpu if sample > 1250 * self.reference) / len(cpu)
        return (
            f"machine speed during the votes: a fixed loop took {statistics.median(cpu):.1f} ms "
            f"of CPU (median of {len(cpu)}; {self.reference * 1000:.1f} ms before the votes, "
            f"{cpu[-1]:.1f} ms at the slowest; {wall:.1f} ms on the wall clock); {slow:.0%} of "
            "the samples took over 1.25 times as long as before"
        )


def _burst(url: str) -> dict:
    """Seed ``url``, serve it with gunicorn, run each round's bare inserts and votes from
    the load process, and check the database against what was acknowledged; the median
    figures of the rounds (lost and duplicated: their sums)."""
    from sqlalchemy import create_engine, func, select, text

    from bench.common import make_app
    from coop.assemblies.models import Ballot, Vote

    note(f"vote burst: {MEMBERS} members, {ROUNDS} rounds, into {url}")
    app = make_app(url)
    seeded = _seed(app)
    spec_file = DATA / "burst.json"
    spec_file.write_text(json.dumps(seeded))
    server = _gunicorn(url)
    runs = []
    try:
        for round_ in range(ROUNDS):
            bare = _run_load(spec_file, "bare", round_)
            with _SpeedProbe() as probe:
                votes = _run_load(spec_file, "votes", round_)
            runs.append((bare, votes, probe.summary()))
    finally:
        server.terminate()
        server.wait(timeout=30)
    engine = create_engine(url)
    rounds = []
    with engine.connect() as connection:
        inserted = connection.scalar(text("SELECT count(*) FROM bench_inserts"))
        for round_, (motion_id, (bare, votes, speed)) in enumerate(
            zip(seeded["motion_ids"], runs, strict=True), start=1
        ):
            voted = set(
                connection.scalars(
                    select(Vote.membership_id).where(Vote.motion_id == motion_id)
                ).all()
            )
            vote_rows = connection.scalar(
                select(func.count(Vote.id)).where(Vote.motion_id == motion_id)
            )
            ballot_receipts = set(
                connection.scalars(select(Ballot.receipt).where(Ballot.motion_id == motion_id))
            )
            ballots = connection.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.motion_id == motion_id)
            )
            acked = [int(m) for m in votes["acked"]]
            lost = sum(1 for m in acked if m not in voted)
            lost += sum(1 for r in votes["receipts"] if r not in ballot_receipts)
            figures = {
                "votes_per_s": len(acked) / votes["seconds"],
                "p95_ms": votes["p95_ms"],
                "lost": lost,
                "duplicated": (vote_rows - len(voted)) + max(ballots - vote_rows, 0),
            }
            figures["ratio"] = figures["votes_per_s"] / (len(bare["acked"]) / bare["seconds"])
            rounds.append(figures)
            note(
                f"round {round_}: {figures['votes_per_s']:.2f} votes/s, p95 "
                f"{figures['p95_ms']:.2f} ms, median {votes['median_ms']:.1f} ms; "
                f"{len(acked)} acknowledged, {votes['failures']} refused or failed, "
                f"{vote_rows} vote rows, {ballots} ballots; bare: {bare['failures']} failed, "
                f"{len(bare['acked']) / bare['seconds']:.0f}/s, ratio {figures['ratio']:.2f}"
            )
            note(f"round {round_}: {speed}")
    engine.dispose()
    note(f"bare inserts: {inserted} rows")
    return {
        "votes_per_s": statistics.median(f["votes_per_s"] for f in rounds),
        "p95_ms": statistics.median(f["p95_ms"] for f in rounds),
        "lost": sum(f["lost"] for f in rounds),
        "duplicated": sum(f["duplicated"] for f in rounds),
        "ratio": statistics.median(f["ratio"] for f in rounds),
    }


def _report(figures: dict, database: str = "") -> None:
    infix = f"{database}_" if database else ""
    report(f"vote_burst_{infix}votes_per_s", figures["votes_per_s"], "votes/s")
    report(f"vote_burst_{infix}p95_ms", figures["p95_ms"], "ms")
    report(f"vote_burst_{infix}lost", figures["lost"], "votes", digits=0)
    report(f"vote_burst_{infix}duplicated", figures["duplicated"], "votes", digits=0)
    report(f"vote_vs_bare_insert_{infix}ratio", figures["ratio"], "x")


def vote_burst() -> None:
    from bench import postgres

    with postgres.server() as server:
        if server is not None:
            _report(_burst(postgres.fresh_database(server, "coop_vote_burst")))
    _report(_burst(_sqlite_url()), "sqlite")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "load":
        _load(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        vote_burst()
