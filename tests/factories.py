"""factory_boy factories; they flush into the test's transaction."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from faker import Faker

from coop.accounts.models import User
from coop.accounts.passwords import hash_password
from coop.core.models import Cooperative, LegalForm
from coop.db import utcnow
from coop.extensions import db
from coop.knowledge import search as knowledge_search
from coop.knowledge import services as knowledge_services
from coop.knowledge.models import Attachment, ItemKind, ItemStatus, KnowledgeItem, Visibility
from coop.members import services as members_services
from coop.members.models import (
    Application,
    Function,
    MemberKind,
    Membership,
    MembershipFunction,
)

_FAKE = Faker("nl_NL")
PASSWORD = "paarse-fiets-over-de-brug"
_PASSWORD_HASH = hash_password(PASSWORD)


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"persoon{n}@example.test")
    # Without apostrophes ("van 't Hek"): HTML escapes them, and a test that looks for a
    # name on a page should not depend on which name it drew. Escaping has its own tests.
    name = factory.LazyFunction(lambda: _FAKE.name().replace("'", ""))
    password_hash = _PASSWORD_HASH
    email_verified_at = factory.LazyFunction(utcnow)
    locale = "nl"


class CooperativeFactory(_Base):
    class Meta:
        model = Cooperative

    slug = factory.Sequence(lambda n: f"coop-{n}")
    name = factory.Sequence(lambda n: f"Buurtcoöperatie {n}")
    legal_form = LegalForm.UA
    kvk_number = factory.Sequence(lambda n: f"{12345000 + n:08d}")
    seat = "Utrecht"
    wijk = "Overvecht"
    postcode_ranges = factory.LazyFunction(lambda: [[3561, 3564]])
    purpose = "Samen voor de buurt."
    joining_info = "Meld je aan."


class MembershipFactory(_Base):
    class Meta:
        model = Membership

    cooperative = factory.SubFactory(CooperativeFactory)
    user = factory.SubFactory(UserFactory)
    kind = MemberKind.BEWONER
    name = factory.LazyAttribute(lambda o: o.user.name)
    admitted_on = date(2024, 1, 15)

    @factory.lazy_attribute
    def number(self):
        self.cooperative.last_member_number += 1
        return self.cooperative.last_member_number

    @factory.post_generation
    def functions(self, create, extracted, **kwargs):
        for function in extracted or ():
            self.functions.append(MembershipFunction(function=function))
        if extracted:
            db.session.flush()

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        """The status history the register as of a date is rebuilt from; ``history=False``
        leaves it out, for tests that write their own."""
        if extracted is not False:
            members_services.write_history(self)


def board_member(cooperative, *functions: Function, **kwargs) -> Membership:
    return MembershipFactory(
        cooperative=cooperative, functions=list(functions) or [Function.CHAIR], **kwargs
    )


class ApplicationFactory(_Base):
    class Meta:
        model = Application

    cooperative = factory.SubFactory(CooperativeFactory)
    user = factory.SubFactory(UserFactory)
    kind = MemberKind.BEWONER
    name = factory.LazyAttribute(lambda o: o.user.name)
    street = "Zamenhofdreef"
    house_number = "12"
    postcode = "3562 AB"
    city = "Utrecht"
    accepted_terms_at = factory.LazyFunction(utcnow)


# Knowledge network ---------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n% buurtcoop test\n%%EOF\n"


class KnowledgeItemFactory(_Base):
    """A published, network-wide idea by a member of a new cooperative; the search index
    is brought up to date as the service would."""

    class Meta:
        model = KnowledgeItem

    class Params:
        author_membership = factory.SubFactory(MembershipFactory)

    cooperative = factory.LazyAttribute(lambda o: o.author_membership.cooperative)
    author = factory.LazyAttribute(lambda o: o.author_membership.user)
    kind = ItemKind.IDEA
    status = ItemStatus.PUBLISHED
    visibility = Visibility.NETWORK
    title = factory.Sequence(lambda n: f"Buurtidee {n}")
    summary = "Samen koken voor de buren."
    body = "We koken **elke week** in het buurthuis."
    wijk = "Overvecht"
    published_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if extracted:
            self.themes = list(extracted)

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        db.session.flush()
        knowledge_search.index(self)


class AttachmentFactory(_Base):
    """A small PDF attached to an item, its bytes stored where the service puts them."""

    class Meta:
        model = Attachment

    item = factory.SubFactory(KnowledgeItemFactory)
    filename = "plan.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    uploaded_by_id = factory.LazyAttribute(lambda o: o.item.author_id)

    @factory.post_generation
    def stored(self, create, extracted, **kwargs):
        knowledge_services._store(PDF_BYTES, self.sha256)


# General assembly ----------------------------------------------------------------------------


def _assembly_models():
    from coop.assemblies import models

    return models


class AssemblyFactory(_Base):
    """A convened assembly three weeks from now, with one item for decision."""

    class Meta:
        model = _assembly_models().Assembly

    cooperative = factory.SubFactory(CooperativeFactory)
    title = factory.Sequence(lambda n: f"Algemene ledenvergadering {n}")
    starts_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=21))
    place = "Buurthuis De Boog"
    status = factory.LazyFunction(lambda: _assembly_models().AssemblyStatus.CONVENED)


class AgendaItemFactory(_Base):
    class Meta:
        model = _assembly_models().AgendaItem

    assembly = factory.SubFactory(AssemblyFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Agendapunt {n}")
    kind = factory.LazyFunction(lambda: _assembly_models().ItemKind.DECISION)


class MotionFactory(_Base):
    class Meta:
        model = _assembly_models().Motion

    agenda_item = factory.SubFactory(AgendaItemFactory)
    assembly = factory.LazyAttribute(lambda o: o.agenda_item.assembly)
    title = factory.Sequence(lambda n: f"Voorstel {n}")
    text = "De ALV besluit het buurthuis te verbouwen."
    decision_kind = factory.LazyFunction(lambda: _assembly_models().DecisionKind.ORDINARY)
    secret = False
    status = factory.LazyFunction(lambda: _assembly_models().MotionStatus.DRAFT)


class ProxyFactory(_Base):
    class Meta:
        model = _assembly_models().Proxy

    assembly = factory.SubFactory(AssemblyFactory)
    grantor = factory.SubFactory(
        MembershipFactory, cooperative=factory.SelfAttribute("..assembly.cooperative")
    )
    holder = factory.SubFactory(
        MembershipFactory, cooperative=factory.SelfAttribute("..assembly.cooperative")
    )


# Capital, contributions and payments -----------------------------------------------------------


class ShareClassFactory(_Base):
    class Meta:
        model = __import__("coop.capital.models", fromlist=["ShareClass"]).ShareClass

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"Aandeel A{n}")
    nominal_value_cents = 2500
    minimum_holding = 1
    maximum_per_member = 20
    transferable = True
    redeemable = True
    redemption_wait_days = 0
    votes_per_share = 0
    last_certificate_number = 0


def issue_shares(share_class, membership, quantity, on=date(2026, 1, 10)):
    """Shares in the register, as if paid (through the service: ledger, certificate, audit)."""
    from coop.capital import services as capital

    return capital.issue(share_class, membership, quantity, on=on, by=None)


class ChargeFactory(_Base):
    """An open contribution charge for 2026."""

    class Meta:
        model = __import__("coop.contributions.models", fromlist=["Charge"]).Charge

    membership = factory.SubFactory(MembershipFactory)
    cooperative_id = factory.LazyAttribute(lambda o: o.membership.cooperative_id)
    kind = factory.LazyFunction(
        lambda: __import__("coop.contributions.models", fromlist=["x"]).ChargeKind.CONTRIBUTION
    )
    amount_cents = 2400
    full_cents = 2400
    reduced_cents = 1200
    contribution_year = 2026
    member_kind = MemberKind.BEWONER
    reference = factory.Sequence(lambda n: f"RFTEST{n:08d}")
    due_on = date(2026, 3, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Made as the services make charges: with its first ledger entry."""
        from coop.contributions import ledger

        charge = super()._create(model_class, *args, **kwargs)
        db.session.flush()
        ledger.billed(charge)
        return charge


def contribution_plan(cooperative, year=2026, kind=MemberKind.BEWONER, full=2400, reduced=1200):
    from coop.contributions.models import ContributionPlan

    plan = ContributionPlan(
        cooperative_id=cooperative.id, year=year, kind=kind, full_cents=full, reduced_cents=reduced
    )
    db.session.add(plan)
    db.session.flush()
    return plan


# Knowledge network: questions ------------------------------------------------------------------


class QuestionFactory(_Base):
    """A question under a knowledge item, asked by a member of another cooperative."""

    class Meta:
        model = __import__("coop.knowledge.models", fromlist=["Question"]).Question

    class Params:
        asker_membership = factory.SubFactory(MembershipFactory)

    item = factory.SubFactory(KnowledgeItemFactory)
    asked_by_id = factory.LazyAttribute(lambda o: o.asker_membership.user_id)
    body = "Hoeveel vrijwilligers hadden jullie nodig?"
