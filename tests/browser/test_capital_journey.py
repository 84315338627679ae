"""A member buys two shares by bank transfer, the treasurer records the payment, the member
downloads the certificate and the share register shows the shares (in English: the Dutch
catalogue gets these strings when the translations are merged)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from coop.accounts import services as accounts
from coop.capital.models import CapitalSettings, ShareClass
from coop.core.models import Cooperative
from coop.db import today
from coop.extensions import db
from coop.members.models import Function, MemberKind, Membership, MembershipFunction
from tests.browser.helpers import check_page as check

PASSWORD = "fietsen langs de singel"
BOARD_TEST = "test_member_buys_two_shares_by_bank_transfer-board"
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


@dataclass
class World:
    slug: str
    name: str
    member_email: str
    member_name: str
    treasurer_email: str
    share_class: str


def _person(cooperative, number, name, function=None):
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.test"
    user = accounts.sign_up(email=email, password=PASSWORD, name=name, locale="en")
    accounts.verify_email(accounts.verification_token(user))
    db.session.flush()
    membership = Membership(
        cooperative_id=cooperative.id, user_id=user.id, kind=MemberKind.BEWONER, number=number,
        name=name, admitted_on=today(), postcode="3562 AB",
    )  # fmt: skip
    if function:
        membership.functions.append(MembershipFunction(function=function))
    db.session.add(membership)
    return email


@pytest.fixture
def world(app) -> World:
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        cooperative = Cooperative(
            slug=f"lombok-{tag}", name=f"Buurtcoöperatie Lombok {tag}", seat="Utrecht",
            wijk="Lombok", postcode_ranges=[[3531, 3531]], last_member_number=2,
        )  # fmt: skip
        db.session.add(cooperative)
        db.session.flush()
        treasurer = _person(cooperative, 1, "Tom Penning", Function.TREASURER)
        member = _person(cooperative, 2, "Noor Bakker")
        db.session.add(
            CapitalSettings(
                cooperative_id=cooperative.id,
                share_word="aandelen",
                payee_name="Buurtcoöperatie Lombok",
                payee_iban="NL91ABNA0417164300",
            )  # fmt: skip
        )
        db.session.add(
            ShareClass(
                cooperative_id=cooperative.id,
                name="Buurtaandeel",
                nominal_value_cents=2500,
                minimum_holding=1,
                maximum_per_member=10,
            )  # fmt: skip
        )
        db.session.commit()
        return World(
            cooperative.slug, cooperative.name, member, "Noor Bakker", treasurer, "Buurtaandeel"
        )


@pytest.fixture
def desktop_page(browser: Browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page: Page, email: str) -> None:
    page.goto("/")
    if page.get_by_role("button", name="English").count():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def open_cooperative(page: Page, world: World) -> None:
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_text("My cooperatives").click()
    menu.get_by_role("link", name=world.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(world.name)


def test_member_buys_two_shares_by_bank_transfer(
    page: Page, desktop_page: Page, world: World, check_page
):
    # The member orders two shares.
    log_in(page, world.member_email)
    open_cooperative(page, world)
    page.get_by_role("link", name="My shares and certificates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My aandelen")
    check_page("my-shares-empty")
    page.get_by_label("How many do you want to buy?").fill("0")
    page.get_by_role("button", name="Order and pay").click()
    expect(page.get_by_label("How many do you want to buy?")).to_have_attribute(
        "aria-invalid", "true"
    )
    page.get_by_label("How many do you want to buy?").fill("2")
    page.get_by_role("button", name="Order and pay").click()
    expect(page.get_by_role("status")).to_contain_text("Your order is ready.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pay: 2 aandelen")
    reference = page.locator("dl.facts dt:text-is('Payment reference') + dd").inner_text()
    assert reference.startswith("RF")
    expect(page.get_by_text("NL91ABNA0417164300")).to_be_visible()
    expect(page.get_by_role("button", name="Pay online")).to_have_count(0)  # no Stripe keys
    check_page("pay")

    # The treasurer sees the money arrive and records it.
    treasurer = desktop_page
    log_in(treasurer, world.treasurer_email)
    open_cooperative(treasurer, world)
    treasurer.get_by_role("link", name="Open charges").click()
    treasurer.get_by_label("Find by payment reference").fill(reference)
    treasurer.get_by_role("button", name="Find").click()
    expect(treasurer.get_by_role("heading", level=1)).to_have_text("Record a payment")
    check(treasurer, BOARD_TEST, "receive")
    treasurer.get_by_label("Amount received (€)").fill("25,00")
    treasurer.get_by_role("button", name="Record payment").click()
    expect(treasurer.get_by_label("Amount received (€)")).to_have_attribute("aria-invalid", "true")
    treasurer.get_by_label("Amount received (€)").fill("50,00")
    treasurer.get_by_role("button", name="Record payment").click()
    expect(treasurer.get_by_role("status")).to_have_text("The payment is recorded.")
    expect(treasurer.get_by_text("Everything is paid.")).to_be_visible()
    check(treasurer, BOARD_TEST, "open-charges")

    # The member now holds two shares and downloads the certificate.
    page.goto(f"/c/{world.slug}/capital/me")
    row = page.get_by_role("row", name=world.share_class)
    expect(row).to_contain_text("2")
    link = page.get_by_role("link", name=f"Certificate {world.share_class} number 1")
    check_page("my-shares")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = subprocess.run(  # noqa: S603
        [PDFTOTEXT, "-", "-"], input=response.body(), capture_output=True, check=True
    ).stdout.decode()
    assert world.member_name in text
    assert f"{world.share_class}-1" in text

    # The register shows the shares.
    treasurer.get_by_role("navigation", name="Cooperative menu").get_by_role(
        "link", name="Share register"
    ).click()
    register_row = treasurer.get_by_role("row", name=world.member_name)
    expect(register_row).to_contain_text(world.share_class)
    expect(register_row.get_by_role("cell").nth(3)).to_have_text("2")
    check(treasurer, BOARD_TEST, "register")


def test_treasurer_sets_a_contribution_bills_and_reads_the_overview(
    page: Page, world: World, check_page
):
    log_in(page, world.treasurer_email)
    open_cooperative(page, world)
    page.get_by_role("link", name="Kinds of shares and settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kinds of aandelen")
    check_page("classes")

    page.goto(f"/c/{world.slug}/contributions/plans?year={today().year}")
    page.get_by_label("Kind of member").select_option(label="Resident")
    page.get_by_label("Full contribution (€)").fill("24,00")
    page.get_by_label("Reduced contribution (€)").fill("zes")
    page.get_by_role("button", name="Save contribution").click()
    expect(page.get_by_label("Reduced contribution (€)")).to_have_attribute("aria-invalid", "true")
    check_page("plans-error")
    page.get_by_label("Reduced contribution (€)").fill("12")
    page.get_by_role("button", name="Save contribution").click()
    expect(page.get_by_role("status")).to_have_text("The contribution is saved.")

    page.get_by_role("navigation", name="Cooperative menu").get_by_role(
        "link", name="Treasurer"
    ).click()
    year = today().year
    page.get_by_role("button", name=f"Bill contributions for {year}").click()
    expect(page.get_by_role("status")).to_have_text(f"2 charges made for {year}.")
    page.get_by_role("button", name=f"Bill contributions for {year}").click()
    expect(page.get_by_role("status")).to_have_text(f"0 charges made for {year}.")
    expect(page.get_by_role("img")).to_be_visible()
    check_page("overview")

    # The member chooses the reduced amount on the own page.
    page.get_by_role("button", name="Log out").click()
    log_in(page, world.member_email)
    page.goto(f"/c/{world.slug}/payments/me")
    page.get_by_role("button", name="Pay the reduced amount").click()
    expect(page.get_by_role("status")).to_have_text("Your contribution is changed.")
    expect(page.get_by_role("row", name=f"Contribution {year}")).to_contain_text("(reduced)")
    check_page("my-payments")
    page.get_by_role("link", name="Pay by direct debit").click()
    page.get_by_label("IBAN").fill("NL00 FOUT")
    page.get_by_label("I agree to the text above").check()
    page.get_by_role("button", name="Sign mandate").click()
    expect(page.get_by_label("IBAN")).to_have_attribute("aria-invalid", "true")
    check_page("mandate-error")
    page.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    page.get_by_label("I agree to the text above").check()
    page.get_by_role("button", name="Sign mandate").click()
    expect(page.get_by_role("status")).to_contain_text("Your contribution will be collected")
