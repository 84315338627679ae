"""Foundation figures: bulk generation, public pages, log-in, and the bare-route floor.

- ``generate_100k_s``: seconds to generate 100,000 members in 3 cooperatives
  (``coop.core.generate.generate(k=3, n=100_000)``) into a fresh, migrated database,
  commit included.
- ``hello_ms``: median server time of ``GET /bench/hello`` (a route returning "ok" that
  only the bench's app has): the floor of the stack (Flask, extensions, request hooks).
- ``home_page_ms``: median server time of ``GET /c/<slug>/``, a cooperative's public page,
  anonymous, with 100,000 members on the installation.
- ``home_index_ms``: median server time of ``GET /`` (the list of cooperatives).
- ``home_vs_hello_ratio``: ``home_page_ms / hello_ms``; steadier than absolute times on a
  shared machine.
- ``login_ms``: median of a successful log-in ``POST /account/login`` (302), argon2
  verification included, each run with a fresh test client (no session yet).

Times are measured in-process with Flask's test client and ``time.perf_counter()``.
"""

from __future__ import annotations

from bench.common import GENERATED_MEMBERS, installation, median_ms, report

PAGE_RUNS = 50
PAGE_WARMUP = 5
LOGIN_RUNS = 15
LOGIN_WARMUP = 2
LOGIN_EMAIL = "bench-login@bench.test"
LOGIN_PASSWORD = "bench-Wijkfiets-7391"  # noqa: S105 - a throwaway account in bench data


def generate() -> None:
    inst = installation()
    name = f"generate_{GENERATED_MEMBERS // 1000}k_s"
    report(name, inst.generate_seconds, "s")


def _get(client, path: str, status: int = 200):
    def fetch():
        response = client.get(path)
        if response.status_code != status:
            raise RuntimeError(f"GET {path} answered {response.status_code}, not {status}")
        return response

    return fetch


def pages() -> None:
    inst = installation()
    client = inst.app.test_client()
    hello = median_ms(_get(client, "/bench/hello"), PAGE_RUNS, PAGE_WARMUP)
    home_page = median_ms(_get(client, f"/c/{inst.slugs[0]}/"), PAGE_RUNS, PAGE_WARMUP)
    home_index = median_ms(_get(client, "/"), PAGE_RUNS, PAGE_WARMUP)
    report("hello_ms", hello, "ms", 3)
    report("home_page_ms", home_page, "ms")
    report("home_index_ms", home_index, "ms")
    report("home_vs_hello_ratio", home_page / hello, "x", 1)


def _create_login_user(app) -> None:
    from coop.accounts.models import User
    from coop.accounts.passwords import hash_password
    from coop.db import utcnow
    from coop.extensions import db

    with app.app_context():
        db.session.add(
            User(
                email=LOGIN_EMAIL,
                name="Bench Inlog",
                password_hash=hash_password(LOGIN_PASSWORD),
                email_verified_at=utcnow(),
            )
        )
        db.session.commit()
        db.session.remove()


def login() -> None:
    app = installation().app
    _create_login_user(app)

    def log_in(client):
        response = client.post(
            "/account/login", data={"email": LOGIN_EMAIL, "password": LOGIN_PASSWORD}
        )
        if response.status_code != 302:
            raise RuntimeError(f"log-in answered {response.status_code}, not 302")

    report("login_ms", median_ms(log_in, LOGIN_RUNS, LOGIN_WARMUP, setup=app.test_client), "ms")
