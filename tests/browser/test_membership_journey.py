"""A resident applies on a phone, the secretary admits them, the member resigns.

The applicant and the secretary switch to English first (the language switch is part of
the journey); the register at the end is used in Dutch.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect

from coop.accounts import services as accounts
from coop.core.models import Cooperative
from coop.db import today
from coop.extensions import db
from coop.members.models import Function, MemberKind, Membership, MembershipFunction
from coop.members.rules import resignation_end_date
from tests.browser.helpers import check_page as check
from tests.mailcapture import links_in, text_of

PASSWORD = "fietsen langs de singel"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Deliberately not the defaults (4 weeks, financial year from January), so the expected
# end date shows that the cooperative's own settings are used.
NOTICE_WEEKS = 6
FY_START_MONTH = 7


@dataclass
class Board:
    slug: str
    name: str
    secretary_email: str


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.test"


def new_cooperative(app) -> Board:
    """A cooperative for postcodes 3561-3564 whose secretary (member 1) has an account."""
    tag = uuid.uuid4().hex[:8]
    email = unique_email("secretaris")
    with app.app_context():
        cooperative = Cooperative(
            slug=f"zuilen-{tag}",
            name=f"Buurtcoöperatie Zuilen {tag}",
            seat="Utrecht",
            wijk="Zuilen",
            purpose="Samen zorgen voor de buurt.",
            joining_info="Iedereen die in Zuilen woont kan lid worden.",
            postcode_ranges=[[3561, 3564]],
            resignation_notice_weeks=NOTICE_WEEKS,
            resign_at_year_end=True,
            fy_start_month=FY_START_MONTH,
            last_member_number=1,
        )
        db.session.add(cooperative)
        user = accounts.sign_up(
            email=email, password=PASSWORD, name="Sophie Secretaris", locale="en"
        )
        accounts.verify_email(accounts.verification_token(user))
        db.session.flush()
        secretary = Membership(
            cooperative_id=cooperative.id,
            user_id=user.id,
            kind=MemberKind.BEWONER,
            number=1,
            name="Sophie Secretaris",
            admitted_on=today(),
            postcode="3562 AB",
        )
        secretary.functions.append(MembershipFunction(function=Function.SECRETARY))
        db.session.add(secretary)
        db.session.commit()
        return Board(slug=cooperative.slug, name=cooperative.name, secretary_email=email)


@pytest.fixture
def board(app) -> Board:
    return new_cooperative(app)


@pytest.fixture
def desktop_page(browser: Browser, base_url):
    """A second person at a desktop computer: own cookies, own session."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


# Helpers ------------------------------------------------------------------------------------


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def flash(page: Page):
    return page.get_by_role("status")


def to_english(page: Page) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def log_in(page: Page, email: str) -> None:
    """Log in with the English labels (the browser has switched to English)."""
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def mail(mailbox, address: str, subject: str, timeout: float = 5.0) -> EmailMessage:
    """The mail to ``address`` whose subject contains ``subject`` (waits a moment for it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in mailbox.to(address) if subject in str(m["Subject"])]
        if found:
            assert len(found) == 1, f"expected one mail {subject!r} to {address}, got {len(found)}"
            return found[0]
        if time.monotonic() > deadline:
            subjects = [str(m["Subject"]) for m in mailbox.to(address)]
            raise AssertionError(f"no mail {subject!r} to {address}; it received {subjects}")
        time.sleep(0.05)


def one_link(message: EmailMessage, prefix: str) -> str:
    links = [link for link in links_in(message) if link.startswith(prefix)]
    assert len(links) == 1, f"expected one link starting with {prefix} in {links_in(message)}"
    return links[0]


def apply_as_resident(
    page: Page, board: Board, *, name: str, email: str, postcode: str, check_page=None
):
    """From the public page of the cooperative to 'Thank you', as a visitor (in English)."""
    page.goto(f"/c/{board.slug}/")
    to_english(page)
    expect(h1(page)).to_contain_text(board.name)
    if check_page:
        check_page("cooperative")

    page.get_by_role("link", name="Apply for membership").click()
    expect(h1(page)).to_have_text(f"Become a member of {board.name}")
    if check_page:
        check_page("apply-start")

    page.get_by_role("link", name="Resident").click()
    expect(page).to_have_url(re.compile(rf"/c/{board.slug}/members/apply/bewoner$"))
    expect(page.get_by_text("This cooperative is for the postcodes 3561-3564.")).to_be_visible()
    if check_page:
        check_page("apply-form")
        # Sending the empty form: every missing field says so.
        page.get_by_role("button", name="Send application").click()
        expect(page.get_by_label("Street")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_text("You can only become a member if you agree.")).to_be_visible()
        check_page("apply-form-errors")

    page.get_by_label("Name").fill(name)
    page.get_by_label("Street").fill("Amsterdamsestraatweg")
    page.get_by_label("House number").fill("301")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("Town or city").fill("Utrecht")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label(
        "I have read the statutes and the privacy statement and I agree to them"
    ).check()
    page.get_by_role("button", name="Send application").click()

    expect(page).to_have_url(re.compile(rf"/c/{board.slug}/members/apply/done$"))
    expect(h1(page)).to_have_text("Thank you for your application")
    expect(
        page.get_by_text("We also sent you an e-mail to confirm your e-mail address.")
    ).to_be_visible()
    if check_page:
        check_page("applied")


def open_applications(page: Page, board: Board) -> None:
    """The secretary goes from any page, through the menus, to the applications."""
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_text("My cooperatives").click()
    menu.get_by_role("link", name=board.name).click()
    page.get_by_role("navigation", name="Cooperative menu").get_by_role(
        "link", name="Applications"
    ).click()
    expect(h1(page)).to_have_text("Applications")


def open_application(page: Page, board: Board, name: str) -> None:
    """The secretary goes from the home page to the application of ``name``."""
    open_applications(page, board)
    page.get_by_role("link", name=name).click()
    expect(h1(page)).to_have_text(f"Application of {name}")


def facts(page: Page, term: str):
    """The <dd> that belongs to the <dt> ``term`` on the page."""
    return page.locator(f"dl.facts dt:text-is('{term}') + dd")


# Tests --------------------------------------------------------------------------------------


def test_resident_applies_on_a_phone_is_admitted_and_resigns(
    page: Page, desktop_page: Page, live_url, mailbox, check_page, board, request
):
    name = "Fatima el Amrani"
    email = unique_email("fatima")
    page.set_viewport_size(PHONE)

    # A visitor on a phone applies as resident and makes an account in the same form.
    apply_as_resident(page, board, name=name, email=email, postcode="3563ab", check_page=check_page)

    received = mail(mailbox, email, f"We received your application for {board.name}")
    assert "Thank you for applying for membership" in text_of(received)
    assert "outside the area" not in text_of(received)
    verify = mail(mailbox, email, "Confirm your e-mail address")
    verify_link = one_link(verify, f"{live_url}/account/verify/")

    # The secretary is told, and decides at a desktop computer.
    board_mail = mail(mailbox, board.secretary_email, f"New application: {name}")
    assert "outside the area" not in text_of(board_mail)
    application_link = one_link(board_mail, f"{live_url}/c/{board.slug}/members/applications/")

    secretary = desktop_page
    secretary.goto("/")
    to_english(secretary)
    log_in(secretary, board.secretary_email)
    open_application(secretary, board, name)
    assert secretary.url == application_link
    expect(facts(secretary, "Address")).to_contain_text("3563 AB")
    expect(facts(secretary, "E-mail address")).to_have_text(email)
    expect(secretary.get_by_text("outside the area", exact=False)).to_have_count(0)
    board_test = f"{request.node.originalname}-board"
    check(secretary, board_test, "application")
    secretary.get_by_role("button", name="Admit as member").click()
    expect(flash(secretary)).to_have_text(f"{name} is now member 2.")
    expect(secretary.get_by_text("There are no open applications.")).to_be_visible()
    check(secretary, board_test, "applications-empty")

    # The new member confirms the address, logs in and reads the welcome mail.
    page.goto(verify_link)
    expect(page).to_have_url(f"{live_url}/account/login")
    expect(flash(page)).to_be_visible()
    log_in(page, email)
    welcome = mail(mailbox, email, f"Welcome to {board.name}")
    me_link = one_link(welcome, f"{live_url}/c/{board.slug}/members/me")

    page.get_by_role("link", name="My memberships").click()
    expect(h1(page)).to_have_text("My memberships")
    card = page.get_by_role("region", name=board.name)
    expect(facts(card, "Status")).to_have_text("member")
    expect(facts(card, "Member number")).to_have_text("2")
    check_page("memberships")

    card.get_by_role("link", name="My details and resignation").click()
    assert page.url == me_link
    expect(h1(page)).to_have_text(f"My membership of {board.name}")
    expect(facts(page, "Member number")).to_have_text("2")  # the secretary is member 1
    number = facts(page, "Member number").inner_text().strip()
    assert f"Your member number is {number}." in text_of(welcome)
    expect(page.get_by_label("Postcode")).to_have_value("3563 AB")
    check_page("me")

    # Resigning: the date is shown before confirming, and stays the same afterwards.
    ends_on = resignation_end_date(
        today(), notice_weeks=NOTICE_WEEKS, at_year_end=True, fy_start_month=FY_START_MONTH
    )
    end_date = format_date(ends_on, "long", locale="en")
    page.get_by_role("link", name="Resign my membership").click()
    expect(h1(page)).to_have_text(f"Resign from {board.name}")
    expect(
        page.get_by_text(f"If you resign today, your membership ends on {end_date}.")
    ).to_be_visible()
    expect(page.get_by_text(f"at least {NOTICE_WEEKS} weeks' notice")).to_be_visible()
    check_page("resign")

    page.get_by_role("button", name="Yes, I resign").click()
    expect(page).to_have_url(me_link)
    expect(flash(page)).to_have_text(
        f"Your resignation is received. Your membership ends on {end_date}."
    )
    expect(facts(page, "Membership ends on")).to_have_text(end_date)
    expect(page.get_by_role("link", name="Resign my membership")).to_have_count(0)
    check_page("me-resigned")

    confirmed = mail(mailbox, email, f"Your resignation from {board.name}")
    assert f"Your membership ends on {end_date}." in text_of(confirmed)

    page.get_by_role("link", name="My memberships").click()
    expect(facts(page.get_by_role("region", name=board.name), "Status")).to_have_text(
        f"member until {end_date}"
    )
    check_page("memberships-resigned")


def test_application_from_outside_the_area_is_flagged_to_the_board(
    page: Page, desktop_page: Page, live_url, mailbox, board, request
):
    name = "Bram van Dijk"
    email = unique_email("bram")

    apply_as_resident(page, board, name=name, email=email, postcode="1012 AB")

    received = mail(mailbox, email, f"We received your application for {board.name}")
    assert "Your address is outside the area the cooperative serves." in text_of(received)
    board_mail = mail(mailbox, board.secretary_email, f"New application: {name}")
    assert "Note: the address is outside the area the cooperative serves." in text_of(board_mail)

    secretary = desktop_page
    secretary.goto("/")
    to_english(secretary)
    log_in(secretary, board.secretary_email)
    open_applications(secretary, board)
    row = secretary.get_by_role("row").filter(has=secretary.get_by_role("link", name=name))
    expect(row.get_by_role("cell").nth(2)).to_have_text("1012 AB outside the area")
    check(secretary, f"{request.node.originalname}-board", "applications-outside")

    row.get_by_role("link", name=name).click()
    expect(
        secretary.get_by_text("The address is outside the area the cooperative serves.")
    ).to_be_visible()
    check(secretary, f"{request.node.originalname}-board", "application-outside")
    secretary.get_by_role("button", name="Admit as member").click()
    expect(flash(secretary)).to_have_text(f"{name} is now member 2.")
    welcome = mail(mailbox, email, f"Welcome to {board.name}")
    assert "Your member number is 2." in text_of(welcome)

    # The register, in Dutch: the new member is found by name, flagged, with a history.
    secretary.get_by_role("button", name="Nederlands").click()
    expect(secretary.locator("html")).to_have_attribute("lang", "nl")
    secretary.get_by_role("navigation", name="Menu van de coöperatie").get_by_role(
        "link", name="Ledenregister"
    ).click()
    expect(h1(secretary)).to_have_text("Ledenregister")
    secretary.get_by_label("Zoeken").fill("bram")
    secretary.get_by_role("button", name="Laat zien").click()
    expect(secretary.get_by_text("1 lid gevonden; je ziet 1 tot en met 1.")).to_be_visible()
    row = secretary.get_by_role("row").filter(has=secretary.get_by_role("link", name=name))
    expect(row.get_by_role("cell").first).to_have_text("2")
    expect(row).to_contain_text("buiten het gebied")
    check(secretary, f"{request.node.originalname}-board", "register-search")
    row.get_by_role("link", name=name).click()
    expect(h1(secretary)).to_contain_text(name)
    expect(secretary.get_by_text("Toegelaten als lid")).to_be_visible()
    expect(secretary.get_by_text("Aanmelding ontvangen")).to_be_visible()
    check(secretary, f"{request.node.originalname}-board", "register-member")
