"""Every endpoint declares one access policy, and the policy holds for every role."""

from __future__ import annotations

from datetime import date

import pytest

from coop.access import POLICIES
from coop.members.models import Function
from tests.factories import (
    ApplicationFactory,
    CooperativeFactory,
    MembershipFactory,
    UserFactory,
    board_member,
)

# What each endpoint must declare. A new endpoint fails the suite until it is listed here.
EXPECTED_POLICY = {
    "core.home": "public",
    "core.cooperative": "public",
    "core.healthz": "public",
    "core.set_language": "public",
    "core.dashboard": "member_of",
    "core.edit_details": "board_of",
    "core.audit_log": "board_of",
    "core.admin_cooperatives": "platform_admin",
    "core.admin_new_cooperative": "platform_admin",
    "core.admin_edit_cooperative": "platform_admin",
    "accounts.signup": "public",
    "accounts.check_mail": "public",
    "accounts.verify": "public",
    "accounts.resend": "public",
    "accounts.login": "public",
    "accounts.logout": "signed_in",
    "accounts.reset_request": "public",
    "accounts.reset": "public",
    "accounts.settings": "signed_in",
    "accounts.profile": "signed_in",
    "accounts.change_email": "signed_in",
    "accounts.confirm_email": "public",
    "accounts.change_password": "signed_in",
    "members.functions": "board_of",
    "members.grant_function": "board_of",
    "members.revoke_function": "board_of",
    "members.apply_start": "public",
    "members.apply": "public",
    "members.applied": "public",
    "members.applications": "board_of",
    "members.application": "board_of",
    "members.admit": "board_of",
    "members.reject": "board_of",
    "members.request_payment": "board_of",
    "members.ask_question": "board_of",
    "members.me": "member_of",
    "members.resign": "member_of",
    "members.endings": "board_of",
    "members.end_earlier": "board_of",
    "members.end": "board_of",
    "accounts.memberships": "signed_in",
    "accounts.personal_data": "signed_in",
    "members.anonymise": "board_of",
    "members.import_upload": "board_of",
    "members.import_preview": "board_of",
    "members.import_confirm": "board_of",
    "members.import_done": "board_of",
    "members.register_page": "board_of",
    "members.register_export": "board_of",
    "members.member": "board_of",
    "members.directory": "member_of",
    "core.privacy": "public",
    "knowledge.index": "public",
    "knowledge.item": "public",
    "knowledge.attachment": "public",
    "knowledge.new": "signed_in",
    "knowledge.create": "signed_in",
    "knowledge.edit": "signed_in",
    "knowledge.upload": "signed_in",
    "knowledge.delete_attachment": "signed_in",
    "knowledge.hide": "platform_admin",
    "knowledge.unhide": "platform_admin",
    "knowledge.themes": "platform_admin",
    "knowledge.funding": "public",
    "knowledge.following": "signed_in",
    "knowledge.follow": "signed_in",
    "knowledge.reuse": "signed_in",
    "knowledge.ask": "signed_in",
    "knowledge.answer": "signed_in",
    "knowledge.hide_question": "signed_in",
    "knowledge.unhide_question": "signed_in",
    "knowledge.bookmark": "signed_in",
    "knowledge.bookmarks": "signed_in",
    "knowledge.feed": "public",
    "knowledge.kind_feed": "public",
    "knowledge.theme_feed": "public",
    "capital.mine": "member_of",
    "capital.buy": "member_of",
    "capital.certificate_pdf": "member_of",
    "capital.statement_pdf": "member_of",
    "capital.register": "board_of",
    "capital.transfer": "board_of",
    "capital.redeem": "board_of",
    "capital.request_transfer": "member_of",
    "capital.request_redemption": "member_of",
    "capital.requests": "board_of",
    "capital.approve_request": "board_of",
    "capital.reject_request": "board_of",
    "capital.classes": "board_of",
    "capital.create_class": "board_of",
    "capital.settings": "board_of",
    "contributions.overview": "board_of",
    "contributions.export": "board_of",
    "contributions.bill": "board_of",
    "contributions.plans": "board_of",
    "contributions.settings": "board_of",
    "contributions.waive": "board_of",
    "contributions.choose_amount": "member_of",
    "payments.mine": "member_of",
    "payments.pay": "member_of",
    "payments.checkout": "member_of",
    "payments.open_charges": "board_of",
    "payments.receive": "board_of",
    "payments.stripe_webhook": "webhook",
    "payments.check_payment": "board_of",
    "contributions.mandate": "member_of",
    "contributions.sepa_batches": "board_of",
    "contributions.sepa_export": "board_of",
    "contributions.sepa_file": "board_of",
    "contributions.sepa_results": "board_of",
    "assemblies.rules": "board_of",
    "assemblies.index": "member_of",
    "assemblies.new": "board_of",
    "assemblies.edit": "board_of",
    "assemblies.remove_candidate": "board_of",
    "assemblies.delete": "board_of",
    "assemblies.edit_item": "board_of",
    "assemblies.remove_item": "board_of",
    "assemblies.remove_document": "board_of",
    "assemblies.edit_motion": "board_of",
    "assemblies.remove_motion": "board_of",
    "assemblies.assembly": "member_of",
    "assemblies.add_item": "board_of",
    "assemblies.move_item": "board_of",
    "assemblies.convene": "board_of",
    "assemblies.open_session": "board_of",
    "assemblies.close_session": "board_of",
    "assemblies.attendance": "board_of",
    "assemblies.check_in": "board_of",
    "assemblies.undo_check_in": "board_of",
    "assemblies.find_receipt": "member_of",
    "assemblies.check_in_self": "member_of",
    "assemblies.grant_proxy": "member_of",
    "assemblies.revoke_proxy": "member_of",
    "assemblies.add_motion": "board_of",
    "assemblies.motion": "member_of",
    "assemblies.open_vote": "board_of",
    "assemblies.close_vote": "board_of",
    "assemblies.paper_votes": "board_of",
    "assemblies.vote": "member_of",
    "assemblies.projector": "member_of",
    "assemblies.decisions": "member_of",
    "assemblies.minutes": "member_of",
    "assemblies.minutes_notes": "board_of",
    "assemblies.invitations": "board_of",
    "assemblies.invite_missing": "board_of",
    "assemblies.invitation_on_paper": "board_of",
    "assemblies.invitation_letter": "board_of",
    "assemblies.add_candidate": "board_of",
    "assemblies.add_document": "board_of",
    "assemblies.document": "member_of",
    "assemblies.minutes_pdf": "member_of",
    "assemblies.decisions_pdf": "member_of",
    "statutes.index": "board_of",
    "statutes.start": "board_of",
    "statutes.start_shared": "board_of",
    "statutes.edit": "board_of",
    "statutes.delete": "board_of",
    "statutes.show": "board_of",
    "statutes.pdf": "board_of",
    "statutes.docx": "board_of",
    "statutes.compare": "board_of",
    "statutes.propose": "board_of",
    "statutes.withdraw": "board_of",
    "statutes.deed": "board_of",
    "statutes.publish": "board_of",
    "statutes.current": "public",
    "statutes.current_pdf": "public",
}

ROLES = (
    "anonymous",
    "no_membership",
    "other_member",
    "other_board",
    "member",
    "board",
    "platform_admin",
)
ALLOW, LOGIN, DENY = "allow", "login", "deny"
EXPECTATIONS = {
    "public": dict.fromkeys(ROLES, ALLOW),
    "signed_in": {**dict.fromkeys(ROLES, ALLOW), "anonymous": LOGIN},
    "member_of": {
        **dict.fromkeys(ROLES, DENY),
        "anonymous": LOGIN,
        "member": ALLOW,
        "board": ALLOW,
    },
    "board_of": {**dict.fromkeys(ROLES, DENY), "anonymous": LOGIN, "board": ALLOW},
    "platform_admin": {**dict.fromkeys(ROLES, DENY), "anonymous": LOGIN, "platform_admin": ALLOW},
    # Machines prove themselves by signature; without one every caller gets 400, never a page.
    "webhook": dict.fromkeys(ROLES, ALLOW),
}
# Sample bodies for POSTs that need one to reach their access check meaningfully.
POST_DATA = {
    "core.set_language": {"locale": "en"},
    "knowledge.hide_question": {"part": "question"},
    "knowledge.unhide_question": {"part": "question"},
}


def _rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
        key=lambda rule: rule.rule,
    )


def test_every_endpoint_declares_a_known_policy(app):
    missing = []
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        policy = getattr(view, "access_policy", None)
        if policy not in POLICIES:
            missing.append(rule.endpoint)
    assert missing == [], f"endpoints without an access policy: {missing}"


def test_declared_policies_are_the_expected_ones(app):
    declared = {
        rule.endpoint: app.view_functions[rule.endpoint].access_policy for rule in _rules(app)
    }
    assert declared == EXPECTED_POLICY


@pytest.fixture
def world():
    """Cooperative A (the one in the URLs) and B (another), and one person per role."""
    coop_a = CooperativeFactory(slug="coop-a")
    coop_b = CooperativeFactory(slug="coop-b")
    member = MembershipFactory(cooperative=coop_a)
    board = board_member(coop_a, Function.CHAIR, Function.ADMIN)
    users = {
        "anonymous": None,
        "no_membership": UserFactory(),
        "other_member": MembershipFactory(cooperative=coop_b).user,
        "other_board": board_member(coop_b, Function.CHAIR, Function.ADMIN).user,
        "member": member.user,
        "board": board.user,
        "platform_admin": UserFactory(is_platform_admin=True),
    }
    values = {
        "slug": coop_a.slug,
        "membership_id": member.id,
        "function": "TREASURER",
        "token": "not-a-real-token",
        "kind": "bewoner",
        "number": member.number,
        "application_id": ApplicationFactory(cooperative=coop_a).id,
        # A public knowledge item by the member, with a file (every kind of item, as every
        # kind of person: tests/knowledge/test_item_access_matrix.py).
        "item_kind": "idee",
        **_knowledge_values(member),
        "fmt": "csv",
        **_capital_values(coop_a, member),
        **_assembly_values(coop_a, member),
        **_statutes_values(coop_a, board),
    }
    return users, values


def _knowledge_values(member) -> dict:
    from coop.knowledge.models import Visibility
    from tests.factories import AttachmentFactory, KnowledgeItemFactory, QuestionFactory

    item = KnowledgeItemFactory(author_membership=member, visibility=Visibility.PUBLIC)
    question = QuestionFactory(item=item)
    return {
        "item_id": item.id,
        "attachment_id": AttachmentFactory(item=item).id,
        "question_id": question.id,
        "theme_slug": "zorg",
    }


def _assembly_values(cooperative, member) -> dict:
    from tests.factories import MotionFactory, ProxyFactory

    motion = MotionFactory(agenda_item__assembly__cooperative=cooperative)
    assembly = motion.assembly
    proxy = ProxyFactory(assembly=assembly, grantor=member)
    from coop.assemblies import services as assembly_services
    from coop.assemblies.models import Candidate
    from coop.extensions import db

    # On the same motion as the other routes use (the matrix checks access, not the kind).
    candidate = Candidate(motion_id=motion.id, name="Anna de Vries")
    db.session.add(candidate)
    db.session.flush()

    document = assembly_services.add_document(
        motion.agenda_item, filename="jaarrekening.pdf", data=b"%PDF-1.4\n%%EOF\n", by=None
    )
    return {
        "document_id": document.id,
        "assembly_id": assembly.id,
        "motion_id": motion.id,
        "agenda_item_id": motion.agenda_item_id,
        "proxy_id": proxy.id,
        "candidate_id": candidate.id,
    }


def _statutes_values(cooperative, board) -> dict:
    from coop.statutes import services
    from tests.statutes.conftest import TEST_LIBRARY

    [version] = services.sync_library(TEST_LIBRARY)
    draft = services.start_draft(cooperative, template_version=version, by=board)
    return {"statutes_id": draft.id}


def _capital_values(cooperative, member) -> dict:
    from coop.payments import services
    from tests.factories import ChargeFactory, ShareClassFactory, issue_shares

    share_class = ShareClassFactory(cooperative=cooperative)
    certificate = issue_shares(share_class, member, 1)
    charge = ChargeFactory(membership=member)
    payment = services.online_payment(charge, by=member)
    return {
        "certificate_id": certificate.id,
        "request_id": _share_request(share_class, member).id,
        "charge_id": charge.id,
        "year": 2026,
        "payment_id": payment.id,
        "batch_id": _sepa_batch(cooperative).id,
    }


def _share_request(share_class, member):
    from coop.capital.models import RequestKind
    from coop.capital.services import request_change
    from tests.factories import issue_shares

    issue_shares(share_class, member, 1)
    return request_change(
        member, share_class, 1, kind=RequestKind.REDEMPTION, today=date(2026, 3, 1)
    )


def _sepa_batch(cooperative):
    from coop.contributions.models import SepaBatch
    from coop.extensions import db

    batch = SepaBatch(
        cooperative_id=cooperative.id, message_id="MATRIX-1", collection_on=date(2026, 3, 1),
        count=0, total_cents=0, xml="<Document/>",
    )  # fmt: skip
    db.session.add(batch)
    db.session.flush()
    return batch


def _cases():
    from coop import create_app

    app = create_app("testing")
    for rule in _rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(rule.endpoint, rule.rule, method, id=f"{method} {rule.rule}")


@pytest.mark.parametrize(("endpoint", "rule", "method"), list(_cases()))
def test_authorization_matrix(app, client, login, world, endpoint, rule, method):
    users, values = world
    url_rule = next(r for r in app.url_map.iter_rules(endpoint) if r.rule == rule)
    unknown = set(url_rule.arguments) - set(values)
    assert not unknown, f"give the matrix a value for {unknown}"
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **{k: values[k] for k in url_rule.arguments})
    expected = EXPECTATIONS[EXPECTED_POLICY[endpoint]]
    for role in ROLES:
        client.delete_cookie("session")
        client.delete_cookie("remember_token")
        if users[role] is not None:
            login(users[role])
        response = client.open(url, method=method, data=POST_DATA.get(endpoint, {}))
        location = response.headers.get("Location", "")
        outcome = (
            LOGIN
            if response.status_code == 302 and "/account/login?next=" in location
            else DENY
            if response.status_code == 403
            else ALLOW
        )
        assert response.status_code < 500, f"{role}: {method} {url} gave {response.status_code}"
        assert response.status_code not in (401, 404), f"{role}: {method} {url}"
        assert outcome == expected[role], (
            f"{role}: {method} {url} gave {response.status_code} {location}, "
            f"expected {expected[role]}"
        )
