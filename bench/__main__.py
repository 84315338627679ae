"""Run the Buurtcoop benchmarks: ``make bench`` or ``.venv/bin/python -m bench [name …]``.

Every benchmark prints one line per figure on stdout, ``BENCH <name> <value> <unit>``;
progress goes to stderr. A benchmark reports what it measured and never passes or fails.
Without arguments all benchmarks below run in order; with names, only those.

SQLite under ``bench/.data/`` (recreated every run) unless ``DATABASE_URL`` points at a
PostgreSQL database, whose ``public`` schema is then dropped and created again.

The assembly benchmarks measure both databases in every run. A figure's name without a
database is PostgreSQL's, with ``sqlite`` in it SQLite's. Their PostgreSQL is the server of
``DATABASE_URL`` when set (own databases ``coop_tally`` and ``coop_vote_burst``), otherwise
a throwaway server they start and remove (bench/postgres.py; port ``BENCH_PGPORT``, default
55499); without PostgreSQL installed they report SQLite only.

Figures (see the module of each benchmark for details):

- foundation.generate: ``generate_100k_s`` (s) — generate 100,000 members, committed.
- foundation.pages: ``hello_ms``, ``home_page_ms``, ``home_index_ms`` (ms, medians) and
  ``home_vs_hello_ratio`` (x).
- foundation.login: ``login_ms`` (ms, median of successful log-ins, argon2 included).
- members_register.register: ``register_page_ms``, ``register_search_ms`` (ms, medians,
  100,000 members in one cooperative), ``register_export_s`` (s) and
  ``register_export_peak_mb`` (MB, peak memory of the exporting process).
- assemblies.tally_100k: ``tally_100k_ms`` (ms, median) — close a motion holding 100,000
  ballots (count, result, outcome text, audit event) — and ``ballot_shuffle_100k_ms`` (ms,
  median) — the rest of the close, writing those ballots again in a random order; on
  PostgreSQL, and on SQLite as ``tally_100k_sqlite_ms`` and ``ballot_shuffle_100k_sqlite_ms``.
- assemblies.vote_burst: ``vote_burst_votes_per_s``, ``vote_burst_p95_ms``,
  ``vote_burst_lost``, ``vote_burst_duplicated``, ``vote_vs_bare_insert_ratio`` — 5,000
  members vote at once against gunicorn, load from a separate process, on PostgreSQL; the
  same on SQLite as ``vote_burst_sqlite_…`` and ``vote_vs_bare_insert_sqlite_ratio``. Three
  rounds, each on its own motion: medians (lost and duplicated: sums), each round on stderr.
- capital.capital_bench: ``contributions_bill_100k_s`` (s), ``treasurer_overview_ms`` (ms,
  median over 100,000 charges), ``certificate_pdf_ms`` (ms, median), ``sepa_export_10k_s``
  (s, a pain.008 batch of 10,000 debits).
- knowledge.knowledge: ``knowledge_search_p95_ms`` (ms, 95th percentile of search pages over
  50,000 items) and ``knowledge_list_ms`` (ms, median of a filtered listing page).
- statutes.statutes: ``statutes_html_ms`` and ``statutes_pdf_ms`` (ms, medians) — the full
  buurtcoöperatie model text with its defaults as HTML and as PDF.
- members_import.import_10k: ``import_10k_s`` (s, median) — import a CSV file of 10,000
  members into a new cooperative, committed.

To add a benchmark: write a function without arguments that prints its figures with
``bench.common.report`` (shared data: ``bench.common.installation()``; timing:
``bench.common.median_ms``) and add it to ``BENCHMARKS``.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable

from bench import (
    assemblies,
    foundation,
    knowledge,
    members_import,
    members_register,
    statutes,
)
from bench.capital import capital_bench
from bench.common import note

BENCHMARKS: dict[str, Callable[[], None]] = {
    "generate": foundation.generate,
    "pages": foundation.pages,
    "login": foundation.login,
    "register": members_register.register,
    "import": members_import.import_10k,
    "knowledge": knowledge.knowledge,
    "capital": capital_bench,
    "tally": assemblies.tally_100k,
    "vote_burst": assemblies.vote_burst,
    "statutes": statutes.statutes,
}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        print(f"Known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    # The figures depend on the interpreter's build (see README, "Running in production").
    note(f"Python {platform.python_version()} from {sys.base_prefix}, {os.cpu_count()} cores")
    for name in argv or list(BENCHMARKS):
        start = time.perf_counter()
        BENCHMARKS[name]()
        note(f"{name} took {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
