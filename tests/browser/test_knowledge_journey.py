"""The knowledge network in the browser.

1. A member of one cooperative publishes a project plan to the network; a member of
   another finds it by search, reuses it and asks a question; the author reads the
   question in the mail and answers. Both use the English pages (their account language).
2. Items whose title, text, tags, questions and file names hold classic cross-site
   scripting payloads are opened (with the Content-Security-Policy switched off in the
   browser, so that escaping alone must hold): no dialog, no script runs.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from coop.accounts import services as accounts
from coop.core.models import Cooperative
from coop.db import today
from coop.extensions import db
from coop.knowledge import services as knowledge
from coop.knowledge.models import Attachment, ItemKind, KnowledgeItem
from coop.members.models import MemberKind, Membership
from tests.browser.helpers import check_page as check
from tests.factories import PDF_BYTES
from tests.mailcapture import links_in, text_of

PASSWORD = "kennis delen in de wijk"
PDF_SHA256 = hashlib.sha256(PDF_BYTES).hexdigest()


@dataclass
class Person:
    name: str
    email: str
    user_id: int
    cooperative_id: int
    cooperative_name: str


def _member(name: str, locale: str = "en") -> Person:
    tag = uuid.uuid4().hex[:8]
    cooperative = Cooperative(
        slug=f"wijk-{tag}", name=f"Wijkcoöperatie {name.split()[0]} {tag}", seat="Utrecht"
    )
    db.session.add(cooperative)
    email = f"{name.split()[0].lower()}-{tag}@example.test"
    user = accounts.sign_up(email=email, password=PASSWORD, name=name, locale=locale)
    accounts.verify_email(accounts.verification_token(user))
    db.session.flush()
    db.session.add(
        Membership(
            cooperative_id=cooperative.id,
            user_id=user.id,
            kind=MemberKind.BEWONER,
            number=1,
            name=name,
            admitted_on=today(),
            postcode="3531 AB",
        )
    )
    cooperative.last_member_number = 1
    db.session.flush()
    return Person(name, email, user.id, cooperative.id, cooperative.name)


def log_in(page: Page, email: str) -> None:
    """Log in on the Dutch log-in page (nobody is signed in yet)."""
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"^(?!.*/account/login)"))


def wait_for_mail(mailbox, address: str, subject: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mailbox.to(address) if subject in str(m["Subject"])]
        if found:
            assert len(found) == 1, f"expected one mail {subject!r}, got {len(found)}"
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no mail {subject!r} to {address}")


@pytest.fixture
def new_page(browser: Browser, base_url):
    contexts = []

    def _open(**options) -> Page:
        context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 900}, **options
        )
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def flash(page: Page):
    return page.get_by_role("status")


# 1. Publish, find, reuse, ask, read the mail --------------------------------------------------


JOURNEY = "test_a_plan_travels_from_one_cooperative_to_another"


def test_a_plan_travels_from_one_cooperative_to_another(
    app, page: Page, new_page, live_url, mailbox
):
    with app.app_context():
        author = _member("Anna Auteur")
        reuser = _member("Bram Buur")
        db.session.commit()
    word = f"fietsbieb{uuid.uuid4().hex[:6]}"
    title = f"Buurtfietsen delen ({word})"

    # The author publishes a project plan for the whole network.
    log_in(page, author.email)
    page.goto("/knowledge/")
    page.get_by_role("link", name="Share knowledge").click()
    page.get_by_role("link", name="Project plan").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Summary").fill("Bakfietsen die buren samen gebruiken.")
    page.get_by_label("The need").fill("Veel gezinnen hebben **geen auto**.")
    page.get_by_label("Approach").fill("- drie bakfietsen\n- een app om te reserveren")
    page.get_by_label("Members of all cooperatives on Buurtcoop").check()
    page.get_by_role("button", name="Publish").click()
    expect(flash(page)).to_have_text("Your item is published.")
    expect(h1(page)).to_have_text(title)
    plan_url = page.url
    plan_id = int(plan_url.rstrip("/").rsplit("/", 1)[1])

    # A member of another cooperative finds it by search and reuses it.
    other = new_page()
    log_in(other, reuser.email)
    other.goto("/knowledge/")
    other.get_by_label("Search", exact=True).fill(word)
    other.get_by_role("button", name="Search", exact=True).click()
    expect(other.get_by_role("heading", name="1 result")).to_be_visible()
    other.get_by_role("link", name=title).click()
    expect(h1(other)).to_have_text(title)
    check(other, JOURNEY, "plan")
    other.get_by_role("link", name="Use this plan").click()
    expect(other.get_by_label("Copy into cooperative")).to_have_value(str(reuser.cooperative_id))
    other.get_by_role("button", name="Copy this plan").click()
    expect(flash(other)).to_contain_text("The plan is copied as a draft.")
    expect(other.get_by_label("Title")).to_have_value(title)
    with app.app_context():
        copy = db.session.scalar(
            db.select(KnowledgeItem).where(KnowledgeItem.reused_from_id == plan_id)
        )
        assert copy.cooperative_id == reuser.cooperative_id
        assert copy.author_id == reuser.user_id
        assert copy.is_draft
        copy_id = copy.id

    # The copy links to the original; the original counts one reuse.
    other.goto(f"/knowledge/{copy_id}")
    other.get_by_role("link", name=title).click()
    expect(other).to_have_url(plan_url)
    expect(other.get_by_text("Reused 1 time")).to_be_visible()

    # ... and asks a question under the original.
    question = f"Hoe regelen jullie de sleutels van de bakfietsen? ({word})"
    other.get_by_label("Your question").fill(question)
    other.get_by_role("button", name="Ask your question").click()
    expect(flash(other)).to_contain_text("Your question is posted.")
    expect(other.get_by_text(question)).to_be_visible()

    # The author reads the question in the mail and answers it on the page.
    message = wait_for_mail(mailbox, author.email, f"A question about {title}")
    assert question in text_of(message)
    assert "Bram Buur" in text_of(message)
    link = next(u for u in links_in(message) if u.startswith(f"{live_url}/knowledge/"))
    page.goto("/knowledge/")  # (the author's page still shows the plan; open it anew)
    page.goto(link)
    expect(page.get_by_text(question)).to_be_visible()
    page.get_by_label("Your answer").fill("Met een sleutelkastje bij de buurtkamer.")
    page.get_by_role("button", name="Post answer").click()
    expect(flash(page)).to_have_text("Your answer is posted.")
    check(page, JOURNEY, "plan-with-answer")

    other.reload()
    expect(other.get_by_text("Met een sleutelkastje bij de buurtkamer.")).to_be_visible()

    # The reader bookmarks the plan and finds it on their bookmarks page.
    other.get_by_role("button", name="Bookmark", exact=True).click()
    other.goto("/knowledge/bookmarks")
    expect(other.get_by_role("link", name=title)).to_be_visible()


# 2. Cross-site scripting payloads stay text ---------------------------------------------------

PAYLOADS = [
    "<script>window.__xss=1;alert('xss')</script>",
    '"><img src=x onerror="window.__xss=1;alert(1)">',
    "<svg/onload=alert(2)>",
    "'><script>alert(String.fromCharCode(88,83,83))</script>",
    '<iframe src="javascript:alert(3)"></iframe>',
    '<a href="javascript:alert(4)">klik</a>',
    "<body onload=alert(5)>",
    "<details open ontoggle=alert(6)>",
    "[klik hier](javascript:alert(7))",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(8)>",
    '<input autofocus onfocus="alert(9)">',
    "javascript:alert(10)//",
    "<<script>alert(11);//<</script>",
    '<div style="background:url(javascript:alert(12))">',
    "&lt;script&gt;alert(13)&lt;/script&gt;",
    "{{ 7*7 }}<% alert(14) %>",
]


def _hostile_items(author: Person, word: str) -> list[int]:
    from coop.accounts.models import User

    user = db.session.get(User, author.user_id)
    ids = []
    for number, payload in enumerate(PAYLOADS):
        kind = (ItemKind.PLAN, ItemKind.FUNDING, ItemKind.IDEA)[number % 3]
        data = {
            "title": f"{payload} {word}",
            "summary": payload,
            "body": f"{payload}\n\n{word} {payload}",
            "tags": f"{payload}, {word}",
            "wijk": payload[:100],
            "contact": payload,
            "visibility": "NETWORK",
        }
        if kind is ItemKind.PLAN:
            data |= {"need": payload, "approach": payload, "lessons": payload}
        if kind is ItemKind.FUNDING:
            data |= {"funder": payload, "criteria": payload, "deadline_on": today()}
        item = knowledge.create(
            kind, data, author=user, cooperative_id=author.cooperative_id, publish=True
        )
        knowledge._store(PDF_BYTES, PDF_SHA256)
        item.attachments.append(
            Attachment(
                filename=f"{payload[:110]}.pdf",
                content_type="application/pdf",
                size=len(PDF_BYTES),
                sha256=PDF_SHA256,
                uploaded_by_id=user.id,
            )
        )
        question = knowledge.ask(item, body=payload, by=user)
        knowledge.answer(question, item, text=payload, by=user)
        knowledge.set_bookmark(item, user, True)
        ids.append(item.id)
    db.session.flush()
    return ids


def test_script_in_items_never_runs(app, new_page):
    with app.app_context():
        author = _member("Xena Hacker", locale="nl")
        word = f"xsstest{uuid.uuid4().hex[:6]}"
        ids = _hostile_items(author, word)
        db.session.commit()

    page = new_page(bypass_csp=True)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, author.email)

    urls = [f"/knowledge/{item_id}" for item_id in ids] + [
        f"/knowledge/?q={word}",
        f"/knowledge/?mine=1&q={word}",
        "/knowledge/?mine=1",
        "/knowledge/funding",
        "/knowledge/bookmarks",
        f"/knowledge/{ids[0]}/edit",
        f"/knowledge/{ids[0]}/reuse",
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__xss") is None, f"script ran on {url}"
        assert page.locator("img[src='x'], svg[onload], iframe, details[ontoggle]").count() == 0, (
            f"markup from an item became elements on {url}"
        )
    # Every payload is on its item page as text.
    page.goto(f"/knowledge/{ids[0]}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{PAYLOADS[0]} {word}")
    assert dialogs == [], f"dialogs opened: {dialogs}"
