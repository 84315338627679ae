"""Demo data: a city cooperative in Utrecht with three neighbourhood cooperatives."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from coop import audit
from coop.accounts.models import User
from coop.accounts.passwords import hash_password
from coop.core.models import Cooperative, LegalForm
from coop.db import utcnow
from coop.extensions import db
from coop.members import services
from coop.members.models import (
    EndReason,
    Function,
    MemberKind,
    Membership,
    MembershipFunction,
    MembershipStatus,
)

COOPERATIVES = [
    {
        "slug": "utrecht",
        "name": "Stadscoöperatie Utrecht",
        "seat": "Utrecht",
        "wijk": "",
        "kvk_number": "90000001",
        "founded_on": date(2019, 5, 1),
        "postcode_ranges": [[3500, 3585]],
        "purpose": "De stadscoöperatie verbindt de buurt- en wijkcoöperaties van Utrecht. "
        "Samen regelen we zorg, welzijn en basishulp dicht bij huis. "
        "Bewoners, ondernemers en organisaties werken samen.",
        "joining_info": "Leden zijn vooral buurt- en wijkcoöperaties en organisaties. "
        "Wil je als organisatie lid worden? Neem contact op met het bestuur.",
        "contact_email": "bestuur@stadscoop-utrecht.test",
    },
    {
        "slug": "overvecht",
        "name": "Buurtcoöperatie Overvecht",
        "seat": "Utrecht",
        "wijk": "Overvecht",
        "kvk_number": "90000002",
        "founded_on": date(2021, 3, 15),
        "postcode_ranges": [[3561, 3564]],
        "purpose": "Wij zorgen samen voor een sterke buurt. Met een klussendienst, "
        "een buurtkamer en hulp bij formulieren.",
        "joining_info": "Woon of werk je in Overvecht? Meld je aan. "
        "Je betaalt een kleine ledenbijdrage per jaar.",
        "contact_email": "info@overvecht-coop.test",
    },
    {
        "slug": "lombok",
        "name": "Wijkcoöperatie West (Lombok)",
        "seat": "Utrecht",
        "wijk": "West – Lombok",
        "kvk_number": "90000003",
        "founded_on": date(2020, 9, 1),
        "postcode_ranges": [[3531, 3533], [3553, 3553]],
        "purpose": "Een coöperatie van en voor bewoners en ondernemers in Lombok en omgeving. "
        "We delen energie, eten en tijd.",
        "joining_info": "Iedereen uit de wijk kan lid worden: bewoners, ondernemers en "
        "organisaties.",
        "contact_email": "hallo@lombok-coop.test",
    },
    {
        "slug": "hoograven",
        "name": "Wijkcoöperatie Zuid (Hoograven)",
        "seat": "Utrecht",
        "wijk": "Zuid – Hoograven",
        "kvk_number": "90000004",
        "founded_on": date(2022, 1, 10),
        "postcode_ranges": [[3523, 3525]],
        "purpose": "Samen zorgen we voor elkaar in Hoograven en Tolsteeg. "
        "Met maaltijden, vervoer en een luisterend oor.",
        "joining_info": "Meld je aan als bewoner, ondernemer of organisatie uit Zuid.",
        "contact_email": "contact@hoograven-coop.test",
    },
]

# (e-mail local part, name, kind, functions)
PEOPLE = {
    "overvecht": [
        ("voorzitter", "Fatima El Amrani", MemberKind.BEWONER, [Function.CHAIR, Function.ADMIN]),
        ("secretaris", "Henk de Vries", MemberKind.BEWONER, [Function.SECRETARY]),
        ("penningmeester", "Priya Ramdin", MemberKind.BEWONER, [Function.TREASURER]),
        ("bakkerij", "Bakkerij Het Zuilenplein", MemberKind.ONDERNEMER, []),
        ("buurthuis", "Stichting Buurthuis De Boog", MemberKind.ORGANISATIE, []),
        ("anna", "Anna Jansen", MemberKind.BEWONER, []),
    ],
    "lombok": [
        ("voorzitter", "Mehmet Yilmaz", MemberKind.BEWONER, [Function.CHAIR, Function.ADMIN]),
        ("secretaris", "Els Bakker", MemberKind.BEWONER, [Function.SECRETARY]),
        ("penningmeester", "Joost van Dijk", MemberKind.BEWONER, [Function.TREASURER]),
        ("fietsenmaker", "Fietsenmaker Kanaalstraat", MemberKind.ONDERNEMER, []),
        ("moskee", "Vereniging Ulu Moskee", MemberKind.ORGANISATIE, []),
        ("sanne", "Sanne Visser", MemberKind.BEWONER, []),
    ],
    "hoograven": [
        ("voorzitter", "Ingrid Smit", MemberKind.BEWONER, [Function.CHAIR, Function.ADMIN]),
        ("secretaris", "Karim Bouzid", MemberKind.BEWONER, [Function.SECRETARY]),
        ("penningmeester", "Marloes Peters", MemberKind.BEWONER, [Function.TREASURER]),
        ("kapper", "Kapsalon Hoograven", MemberKind.ONDERNEMER, []),
        ("zorg", "Zorgcentrum De Hof", MemberKind.ORGANISATIE, []),
        ("wim", "Wim Mulder", MemberKind.BEWONER, []),
    ],
    "utrecht": [
        ("voorzitter", "Lotte de Graaf", MemberKind.BEWONER, [Function.CHAIR, Function.ADMIN]),
        ("secretaris", "Youssef Haddou", MemberKind.BEWONER, [Function.SECRETARY]),
        ("penningmeester", "Ria Hoekstra", MemberKind.BEWONER, [Function.TREASURER]),
    ],
}


# Where the demo members live: one street per cooperative, house numbers in order.
STREETS = {
    "overvecht": ("Zamenhofdreef", "3562 JT"),
    "lombok": ("Kanaalstraat", "3531 CJ"),
    "hoograven": ("Hoogravenseweg", "3523 KE"),
    "utrecht": ("Stadsplateau", "3521 AZ"),
}
# Members who chose to appear in the members' directory (e-mail local part per cooperative).
IN_DIRECTORY = {
    "overvecht": {"voorzitter", "bakkerij", "buurthuis", "anna"},
    "lombok": {"secretaris", "fietsenmaker", "sanne"},
    "hoograven": {"kapper", "zorg"},
}
# A former member, so that the register as of an earlier date shows something to compare.
FORMER = ("kees", "Kees Brouwer", "overvecht", date(2024, 12, 31))


APPLICANTS = [
    ("fatima", "Fatima El Amrani", "Zamenhofdreef", "3563 BK"),
    ("tom", "Tom de Wit", "Biltstraat", "3572 AB"),
]


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Cooperative.id)))


def _user(email: str, name: str, password_hash: str, **extra) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email, name=name, password_hash=password_hash, email_verified_at=utcnow(), **extra
        )
        db.session.add(user)
        db.session.flush()
    return user


def _member(cooperative, user, name, kind, functions, admitted_on, **details):
    membership = db.session.scalar(
        select(Membership).where(
            Membership.cooperative_id == cooperative.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        cooperative.last_member_number += 1
        street, postcode = STREETS[cooperative.slug]
        membership = Membership(
            cooperative_id=cooperative.id,
            user_id=user.id,
            name=name,
            kind=kind,
            number=cooperative.last_member_number,
            admitted_on=admitted_on,
            street=street,
            house_number=str(cooperative.last_member_number * 2 + 1),
            postcode=postcode,
            city="Utrecht",
            phone=f"06{12345600 + cooperative.last_member_number:08d}",
            kvk_number=f"{70000000 + user.id}" if kind is MemberKind.ONDERNEMER else None,
            contact_person=user.name if kind is MemberKind.ORGANISATIE else "",
            **details,
        )
        membership.functions = [MembershipFunction(function=f) for f in functions]
        db.session.add(membership)
        db.session.flush()
        audit.record(cooperative, None, "member.admitted", membership, number=membership.number)
        if membership.status is MembershipStatus.ENDED:
            audit.record(
                cooperative,
                None,
                "member.ended",
                membership,
                ended_on=membership.ended_on.isoformat(),
            )
    services.write_history(membership)
    return membership


def load() -> list[tuple[str, str, str]]:
    password = current_app.config["DEMO_PASSWORD"]
    password_hash = hash_password(password)
    cooperatives: dict[str, Cooperative] = {}
    for data in COOPERATIVES:
        cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == data["slug"]))
        if cooperative is None:
            cooperative = Cooperative(legal_form=LegalForm.UA, **data)
            if data["slug"] != "utrecht":
                cooperative.parent = cooperatives["utrecht"]
            db.session.add(cooperative)
            db.session.flush()
            audit.record(cooperative, None, "cooperative.created", cooperative)
        cooperatives[data["slug"]] = cooperative

    admin = _user("admin@buurtcoop.test", "Platformbeheer", password_hash, is_platform_admin=True)
    for slug, people in PEOPLE.items():
        cooperative = cooperatives[slug]
        for local, name, kind, functions in people:
            user = _user(f"{local}@{slug}.test", name, password_hash)
            _member(
                cooperative,
                user,
                name,
                kind,
                functions,
                cooperative.founded_on,
                in_directory=local in IN_DIRECTORY.get(slug, ()),
            )
    local, name, slug, last_day = FORMER
    _member(
        cooperatives[slug],
        _user(f"{local}@{slug}.test", name, password_hash),
        name,
        MemberKind.BEWONER,
        [],
        cooperatives[slug].founded_on,
        status=MembershipStatus.ENDED,
        ended_on=last_day,
        end_reason=EndReason.RESIGNED,
    )

    # Anna is a member of her neighbourhood and of the city cooperative.
    anna = _user("anna@overvecht.test", "Anna Jansen", password_hash)
    _member(cooperatives["utrecht"], anna, "Anna Jansen", MemberKind.BEWONER, [], date(2023, 6, 1))
    # The neighbourhood cooperatives are organisation members of the city cooperative.
    for slug in ("overvecht", "lombok", "hoograven"):
        chair = _user(f"voorzitter@{slug}.test", "", password_hash)
        _member(
            cooperatives["utrecht"],
            chair,
            cooperatives[slug].name,
            MemberKind.ORGANISATIE,
            [],
            cooperatives[slug].founded_on,
        )
    # Applications waiting for the board of Overvecht; one comes from outside its area.
    for local, name, street, postcode in APPLICANTS:
        user = _user(f"{local}@example.test", name, password_hash)
        if services.open_application(cooperatives["overvecht"], user) is None:
            services.apply(
                cooperatives["overvecht"],
                user,
                kind=MemberKind.BEWONER,
                data={
                    "name": name,
                    "street": street,
                    "house_number": "12",
                    "postcode": postcode,
                    "city": "Utrecht",
                },
            )
    db.session.flush()
    # The knowledge network: items of every kind, a reused plan, questions, follows.
    from coop.knowledge import demo as knowledge_demo

    knowledge_demo.load(cooperatives)
    # Statutes: the model texts; Overvecht's in force, a draft for Lombok.
    from coop.statutes import demo as statutes_demo

    statutes_demo.load(cooperatives)
    return [
        ("Platformbeheerder / platform admin", admin.email, password),
        ("Voorzitter Overvecht / chair", "voorzitter@overvecht.test", password),
        ("Secretaris Lombok / secretary", "secretaris@lombok.test", password),
        ("Penningmeester Hoograven / treasurer", "penningmeester@hoograven.test", password),
        ("Lid van twee coöperaties / member of two", "anna@overvecht.test", password),
    ]
