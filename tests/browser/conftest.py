"""Browser tests: Chromium, driven by Playwright, against the app on a live server.

The app here has its own database (``<db>_browser`` on PostgreSQL, a separate SQLite file
otherwise) and CSRF protection switched on. Nothing is rolled back: tests create what they
need through the pages or commit it with the app's own context, under unique names.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from coop.extensions import db
from tests.browser.helpers import check_page as check
from tests.conftest import database_url, make_test_app

HERE = Path(__file__).resolve().parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    """Every test in tests/browser is a browser test (no rollback, needs Chromium)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app(mailbox, tmp_path_factory):
    """The app the browser talks to (overrides the unit tests' `app` in this folder)."""
    app = make_test_app(database_url(tmp_path_factory, "browser"), mailbox, WTF_CSRF_ENABLED=True)
    yield app
    with app.app_context():  # close pooled connections before the interpreter collects them
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def base_url(live_url):
    """pytest-playwright passes this to every context: `page.goto("/")` opens the app."""
    return live_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def check_page(page, request):
    """`check_page("login")`: screenshots and axe at 375 and 1280 px (see helpers.check_page).

    Screenshots go to test-artifacts/screenshots/<test>-<page>-<width>.png.
    """

    params = getattr(request.node, "callspec", None)
    params = {k: v for k, v in (params.params if params else {}).items() if k != "browser_name"}
    test = "-".join([request.node.originalname, *map(str, params.values())])

    def _check(name: str) -> None:
        check(page, test, name)

    return _check


@pytest.fixture
def new_page(browser, base_url):
    """`new_page()`: a page in a browser context of its own (another person, another
    browser); all are closed after the test."""
    contexts = []

    def _open():
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()
