"""Every page a visitor, a member and the board reach passes axe, also with form errors."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from coop.extensions import db
from coop.members.models import Function
from tests.browser.helpers import log_in
from tests.factories import PASSWORD, CooperativeFactory, UserFactory, board_member


@pytest.fixture(scope="session")
def chair(app):
    """A platform admin who chairs a cooperative: (e-mail, cooperative name, slug)."""
    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        cooperative = CooperativeFactory(slug=f"zuilen-{tag}", name=f"Buurtcoöperatie Zuilen {tag}")
        user = UserFactory(email=f"voorzitter-{tag}@example.test", is_platform_admin=True)
        board_member(cooperative, Function.CHAIR, user=user, name="Fatima El Amrani")
        db.session.commit()
        return user.email, cooperative.name, cooperative.slug


def test_visitor_pages_and_form_errors(page: Page, check_page, chair):
    _, name, slug = chair
    page.goto(f"/c/{slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    check_page("cooperative")

    page.goto("/account/signup")
    page.get_by_role("button", name="Account maken").click()
    expect(page.get_by_text("Vul dit veld in.").first).to_be_visible()
    expect(page.get_by_label("Je naam")).to_have_attribute("aria-invalid", "true")
    check_page("signup-errors")

    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill("niemand@example.test")
    page.get_by_label("Wachtwoord").fill("dit is niet goed")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text("Het e-mailadres of wachtwoord klopt niet.")).to_be_visible()
    check_page("login-error")

    page.goto("/account/reset")
    check_page("reset-request")
    page.goto("/account/verify/resend")
    check_page("resend")

    page.goto("/this-page-does-not-exist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    check_page("not-found")


def test_member_and_board_pages(page: Page, check_page, chair):
    email, name, _ = chair
    log_in(page, email, PASSWORD)

    page.get_by_text("Mijn coöperaties").click()
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    check_page("dashboard")

    page.get_by_role("link", name="Functies in het bestuur").click()
    check_page("functions")
    page.get_by_role("button", name="Functie geven").click()
    expect(page.get_by_text("Vul dit veld in.").first).to_be_visible()
    check_page("functions-errors")
    page.get_by_label("Lidnummer").fill("1")
    page.get_by_role("combobox", name="Functie").select_option(label="Secretaris")
    page.get_by_role("button", name="Functie geven").click()
    expect(
        page.get_by_role("button", name="Secretaris weghalen bij Fatima El Amrani")
    ).to_be_visible()
    check_page("functions-granted")

    page.get_by_role("navigation", name="Menu van de coöperatie").get_by_role(
        "link", name=name
    ).click()
    page.get_by_role("link", name="Openbare gegevens wijzigen").click()
    check_page("details")
    page.go_back()
    page.get_by_role("link", name="Logboek").first.click()
    check_page("audit-log")

    page.get_by_role("link", name="Coöperaties beheren").click()
    check_page("admin-cooperatives")
    page.get_by_role("link", name="Nieuwe coöperatie").click()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Vul dit veld in.").first).to_be_visible()
    check_page("admin-new-cooperative-errors")

    page.get_by_role("link", name="Mijn account").click()
    check_page("settings")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.get_by_text("Vul dit veld in.").first).to_be_visible()
    check_page("settings-errors")
