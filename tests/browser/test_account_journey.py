"""A person signs up, confirms the address, logs in, switches language and logs out."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from coop.accounts import services as accounts
from coop.core.models import Cooperative
from coop.extensions import db
from tests.browser.helpers import page_width
from tests.mailcapture import links_in

PASSWORD = "fietsen langs de singel"
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def cooperative(app):
    """A cooperative with a neighbourhood cooperative, so the home page has content."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        city = Cooperative(
            slug=f"stad-{tag}",
            name="Stadscoöperatie Utrecht",
            seat="Utrecht",
            purpose="Samen sterke buurten in de hele stad.",
        )
        db.session.add(city)
        db.session.flush()
        db.session.add(
            Cooperative(
                slug=f"buurt-{tag}",
                name="Buurtcoöperatie Overvecht-Noord en Zuilen-Oost",
                seat="Utrecht",
                wijk="Overvecht",
                parent_id=city.id,
            )
        )
        db.session.commit()
        return city.name


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.test"


def verified_user(app, email: str, name: str) -> None:
    """An account whose address is confirmed, committed through the app's own services."""
    with app.app_context():
        user = accounts.sign_up(email=email, password=PASSWORD, name=name, locale="nl")
        accounts.verify_email(accounts.verification_token(user))
        db.session.commit()


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def test_sign_up_confirm_log_in_switch_language_log_out(
    page: Page, live_url, mailbox, check_page, cooperative
):
    email = unique_email("anna")

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(h1(page)).to_have_text("Coöperaties in jouw buurt")
    check_page("home")

    page.get_by_role("link", name="Account maken").click()
    expect(page).to_have_url(f"{live_url}/account/signup")
    check_page("signup")
    page.get_by_label("Je naam").fill("Anna de Vries")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Account maken").click()

    expect(page).to_have_url(f"{live_url}/account/check-mail")
    check_page("check-mail")

    links = links_in(mailbox.last_to(email))
    verify = [link for link in links if link.startswith(f"{live_url}/account/verify/")]
    assert len(verify) == 1, f"expected one confirmation link to this server in {links}"
    page.goto(verify[0])
    expect(page).to_have_url(f"{live_url}/account/login")
    expect(page.get_by_role("status")).to_be_visible()
    check_page("verified")

    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{live_url}/")
    expect(page.get_by_role("status")).to_contain_text("Anna de Vries")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    check_page("home-logged-in")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(h1(page)).to_have_text("Cooperatives in your neighbourhood")
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    check_page("home-english")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_page("logged-out-english")

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("link", name="Inloggen")).to_be_visible()
    expect(h1(page)).to_have_text("Coöperaties in jouw buurt")
    check_page("logged-out-dutch")


@pytest.mark.parametrize("path", ["/", "/account/login", "/account/signup"])
def test_no_sideways_scrolling_on_a_phone(page: Page, path, cooperative):
    page.set_viewport_size(PHONE)
    page.goto(path)
    expect(h1(page)).to_be_visible()
    assert page_width(page) <= PHONE["width"], f"{path} scrolls sideways on a 375 px screen"


def test_no_sideways_scrolling_on_a_phone_when_logged_in(page: Page, app, cooperative):
    email = unique_email("bram")
    verified_user(app, email, "Bram")
    page.set_viewport_size(PHONE)
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    for path in ("/", "/account/"):
        page.goto(path)
        assert page_width(page) <= PHONE["width"], f"{path} scrolls sideways on a 375 px screen"


def test_keyboard_user_skips_to_the_content_and_logs_in(page: Page, app, cooperative):
    email = unique_email("chris")
    verified_user(app, email, "Chris")
    page.goto("/account/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadres")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    expect(h1(page)).to_have_text("Coöperaties in jouw buurt")


def test_on_a_phone_the_cooperative_menu_is_folded_and_the_page_begins_at_the_top(page: Page, app):
    """A board member's cooperative menu has sixteen links: on a phone they took the first
    470 px of every page. There they are folded behind one line; on a laptop they show."""
    from coop.members.models import Function
    from tests.browser.test_assembly_journey import _person
    from tests.browser.test_assembly_journey import log_in as log_in_english

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        coop = Cooperative(slug=f"menu-{tag}", name=f"Buurtcoöperatie Menu {tag}", seat="Utrecht")
        db.session.add(coop)
        db.session.flush()
        chair = _person(coop, 1, "Carla Voorzitter", Function.CHAIR)
        db.session.commit()
    log_in_english(page, chair.email)
    menu = page.get_by_role("navigation", name="Cooperative menu")
    register = menu.get_by_role("link", name="Member register")
    page.set_viewport_size(PHONE)
    page.goto(f"/c/menu-{tag}/assemblies/")
    expect(register).to_be_hidden()
    assert h1(page).bounding_box()["y"] < 250  # 490 px before the menu was folded
    assert page_width(page) <= PHONE["width"]
    menu.get_by_text(f"Menu of Buurtcoöperatie Menu {tag}").click()
    register.click()
    expect(h1(page)).to_contain_text("Member register")
    page.set_viewport_size({"width": 1280, "height": 900})  # a tablet turned, or a laptop
    expect(register).to_be_visible()
    expect(menu.get_by_text(f"Menu of Buurtcoöperatie Menu {tag}")).to_be_hidden()
