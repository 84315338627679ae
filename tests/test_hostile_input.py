"""Hostile input never crashes a form and is never echoed as markup."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.members.models import Function
from tests.factories import CooperativeFactory, UserFactory, board_member

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ATTRIBUTE = '" autofocus onfocus="alert(1)'
# If any of these shows up in a page, input went out as markup instead of text.
NEVER_IN_PAGE = (SCRIPT, IMG, 'onfocus="alert(1)"')

PAYLOADS = [
    SCRIPT,
    f"Buurt {SCRIPT} Noord",
    IMG,
    ATTRIBUTE,
    "' OR 1=1 --",
    "'; DROP TABLE cooperatives; --",
    '" OR ""="',
    "1; SELECT pg_sleep(10)",
    "%s %(name)s {0} {{ 7*7 }} ${7*7}",
    "\x00",
    "a\x00b",
    "\x1b[31mrood\x1b[0m",
    "\r\n\t\x0b\x0c\x7f",
    "\u202egnp.exe",
    "\ufeffzero\u200bwidth",
    "Zoë Ünal, Ἀθῆναι, Москва, 東京, القاهرة, עברית",
    "🏳️‍🌈👩🏽‍🔧🧑‍🤝‍🧑",
    "3561-3564, 3581",
    "12345678",
    "bestuur@buurt.example.org",
    "a@b",
    "",
    " ",
    "../../etc/passwd",
    "javascript:alert(1)",
    "0",
    "-1",
    "99999999999999999999999999",
    "UA",
    "2024-02-30",
]

# Text from every script, minus lone surrogates (they cannot be sent as UTF-8 at all).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
very_long = st.builds(
    lambda piece, n: (piece * n)[:20_000],
    st.sampled_from([*PAYLOADS[:3], "x", "é", "😀", "\x00", "' OR 1=1 --"]).filter(bool),
    st.integers(min_value=1, max_value=20_000),
)
# Ordinary letters, marks, digits, punctuation and symbols: gets past the validators more often.
printable_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=60)
hostile = st.one_of(st.sampled_from(PAYLOADS), any_text, printable_text, very_long)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SLOW_SETTINGS = settings(SETTINGS, max_examples=20)

# A different address for every example, so the log-in limiter does not decide the outcome.
_addresses = (f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in itertools.count(1))
_serial = itertools.count(1)


def check(response) -> None:
    assert response.status_code < 500
    body = response.get_data(as_text=True)
    for marker in NEVER_IN_PAGE:
        assert marker not in body


def post(client, path, data):
    return client.post(
        path,
        data=data,
        follow_redirects=True,
        environ_base={"REMOTE_ADDR": next(_addresses)},
    )


def some_hostile(valid: dict) -> st.SearchStrategy[dict]:
    """A valid form with one to three fields made hostile, so that both the error path and
    the save path run (emoji, SQL fragments or markup are fine in a name, for example)."""
    return st.dictionaries(st.sampled_from(sorted(valid)), hostile, min_size=1, max_size=3).map(
        lambda bad: valid | bad
    )


VALID_COOPERATIVE = {
    "slug": "lombok",
    "name": "Buurtcoöperatie Lombok",
    "legal_form": "UA",
    "kvk_number": "12345678",
    "seat": "Utrecht",
    "wijk": "Lombok",
    "parent_id": "0",
    "founded_on": "2022-09-01",
    "fy_start_month": "1",
    "postcode_ranges": "3531-3532",
    "purpose": "Samen doen.",
    "joining_info": "Meld je aan.",
    "contact_email": "info@lombok.example.org",
}

VALID_SIGNUP = {
    "name": "Anna de Vries",
    "email": "anna@example.test",
    "password": "tulpen in de vensterbank",
}

VALID_DETAILS = {
    key: VALID_COOPERATIVE[key] for key in ("name", "wijk", "purpose", "joining_info")
} | {"contact_email": "info@lombok.example.org"}


@pytest.fixture
def anna():
    """Made once per test; every example of the test shares it."""
    return UserFactory(email="anna@example.test")


# Hashing and checking a password takes a quarter of a second: fewer examples there.
@SLOW_SETTINGS
@given(data=some_hostile(VALID_SIGNUP))
def test_signup_survives_hostile_input(client, data):
    check(post(client, "/account/signup", data))


@SLOW_SETTINGS
@given(data=some_hostile({"email": "anna@example.test", "password": "tulpen"}))
def test_login_survives_hostile_input(client, anna, data):
    response = post(client, "/account/login", data)

    check(response)
    assert response.status_code in (200, 429)


@SETTINGS
@given(data=some_hostile(VALID_COOPERATIVE))
def test_cooperative_form_survives_hostile_input(client, login, data):
    login(UserFactory(is_platform_admin=True))
    if data["slug"] == VALID_COOPERATIVE["slug"]:
        data["slug"] = f"lombok-{next(_serial)}"  # so that a valid form can be saved each time

    check(post(client, "/admin/cooperatives/new", data))


@SETTINGS
@given(data=some_hostile(VALID_COOPERATIVE))
def test_cooperative_edit_survives_hostile_input(client, login, data):
    coop = CooperativeFactory()
    login(UserFactory(is_platform_admin=True))
    if data["slug"] == VALID_COOPERATIVE["slug"]:
        data["slug"] = coop.slug

    check(post(client, f"/admin/cooperatives/{coop.slug}/edit", data))


@SETTINGS
@given(data=some_hostile(VALID_DETAILS))
def test_details_form_survives_hostile_input(client, login, data):
    coop = CooperativeFactory()
    login(board_member(coop, Function.SECRETARY).user)

    check(post(client, f"/c/{coop.slug}/details", data))


@pytest.mark.parametrize(
    ("path", "valid"),
    [
        ("/account/signup", VALID_SIGNUP),
        ("/account/login", {"email": "anna@example.test", "password": "tulpen"}),
        ("/admin/cooperatives/new", VALID_COOPERATIVE),
        ("/c/lombok/details", VALID_DETAILS),
    ],
)
def test_a_nul_byte_in_any_field(client, login, anna, path, valid):
    """PostgreSQL refuses NUL in text, so one that reaches a query is a 500 there."""
    coop = CooperativeFactory(slug="lombok")
    if path.startswith("/admin/"):
        login(UserFactory(is_platform_admin=True))
    elif path.startswith("/c/"):
        login(board_member(coop).user)
    for name in valid:
        response = post(client, path, valid | {name: "lombok\x00@example.test"})

        check(response)
        assert response.status_code == 200, name


def test_saved_markup_is_shown_as_text(client, login):
    coop = CooperativeFactory(slug="lombok")
    login(board_member(coop).user)

    response = post(
        client,
        "/c/lombok/details",
        {"name": f"Lombok {SCRIPT}", "purpose": f"{IMG}\n{ATTRIBUTE}", "joining_info": SCRIPT},
    )

    assert response.status_code == 200
    assert "Lombok &lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text
    check(response)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/account/signup", {"name": "Anna", "email": "anna@example.test"}),
        ("/account/login", {"email": "anna@example.test"}),
        ("/admin/cooperatives/new", {"slug": "groot", "name": "Groot"}),
    ],
)
def test_a_body_over_the_limit_gets_the_413_page(app, client, login, monkeypatch, path, fields):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    if path.startswith("/admin/"):
        login(UserFactory(is_platform_admin=True))

    response = client.post(path, data={**fields, "password": "x" * 5000})

    assert response.status_code == 413
    assert "Te groot" in response.text
    assert "Foutcode 413" in response.text


# Membership: the register's query, the directory, own details and applications. ------------

REGISTER_ARGS = {
    "q": "jansen",
    "kind": "bewoner",
    "status": "all",
    "wijk": "lombok",
    "area": "3531",
    "admitted_from": "1-1-2020",
    "admitted_to": "2024-12-31",
    "as_of": "2024-06-01",
    "sort": "name",
    "order": "desc",
    "page": "2",
}

VALID_MY_DETAILS = {
    "name": "Anna de Vries",
    "street": "Kanaalstraat",
    "house_number": "12a",
    "postcode": "3531 CJ",
    "city": "Utrecht",
    "phone": "06 12345678",
    "iban": "NL91 ABNA 0417 1643 00",
    "in_directory": "y",
    "directory_phone": "y",
}


@pytest.fixture
def register_board(client, login):
    coop = CooperativeFactory(slug="lombok", wijk="Lombok", postcode_ranges=[[3531, 3533]])
    board = board_member(coop, Function.SECRETARY)
    login(board.user)
    return coop


@SETTINGS
@given(args=some_hostile(REGISTER_ARGS))
def test_register_query_survives_hostile_input(client, register_board, args):
    for path in ("/c/lombok/members/", "/c/lombok/members/export.csv"):
        response = client.get(path, query_string=args)
        assert response.status_code in (200, 422), path
        check(response)


@SETTINGS
@given(q=hostile, page=hostile)
def test_directory_survives_hostile_input(client, register_board, q, page):
    response = client.get("/c/lombok/members/directory", query_string={"q": q, "page": page})
    assert response.status_code == 200
    check(response)


@SETTINGS
@given(data=some_hostile(VALID_MY_DETAILS))
def test_my_details_survive_hostile_input(client, register_board, data):
    check(post(client, "/c/lombok/members/me", data))


@SETTINGS
@given(data=some_hostile(VALID_MY_DETAILS | {"accept_terms": "y"}))
def test_application_survives_hostile_input(client, login, data):
    coop = CooperativeFactory(postcode_ranges=[[3531, 3533]])
    login(UserFactory())
    check(post(client, f"/c/{coop.slug}/members/apply/bewoner", data))
