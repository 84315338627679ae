"""Assembly rules: governance settings, lifecycle, attendance, proxies, motions, votes and
the tally. Services flush and never commit; the view (or CLI) commits once."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Integer,
    bindparam,
    case,
    delete,
    func,
    insert,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defaultload, joinedload, load_only, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from coop import audit
from coop.assemblies import rules
from coop.assemblies.models import (
    AdoptedMinutes,
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyStatus,
    Attendance,
    Ballot,
    Candidate,
    Choice,
    DecisionKind,
    GovernanceRules,
    ItemKind,
    Majority,
    Motion,
    MotionResult,
    MotionStatus,
    Notice,
    Proxy,
    ProxyInstruction,
    ProxyStatus,
    Vote,
    Weighting,
    default_decision_rules,
)
from coop.db import today, utcnow
from coop.errors import DomainError, Gone, NotFound
from coop.extensions import db
from coop.members.models import Membership, MembershipStatus

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MIN_NOTICE_DAYS = 7  # the legal minimum for convening a general assembly
MAX_ID = 2**31 - 1
MAX_SEATS = 25
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _get(model, cooperative, object_id: int, *, message):
    if not isinstance(object_id, int) or not 0 < object_id <= MAX_ID:
        raise NotFound(message)
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound(message)
    assembly = obj if isinstance(obj, Assembly) else obj.assembly
    if assembly.cooperative_id != cooperative.id:
        raise NotFound(message)
    return obj


def get_assembly(cooperative, assembly_id: int) -> Assembly:
    return _get(Assembly, cooperative, assembly_id, message=_l("This assembly does not exist."))


def get_motion(assembly: Assembly, motion_id: int) -> Motion:
    motion = _get(
        Motion, assembly.cooperative, motion_id, message=_l("This motion does not exist.")
    )
    if motion.assembly_id != assembly.id:
        raise NotFound(_l("This motion does not exist."))
    return motion


def get_item(assembly: Assembly, item_id: int) -> AgendaItem:
    item = _get(
        AgendaItem, assembly.cooperative, item_id, message=_l("This agenda item does not exist.")
    )
    if item.assembly_id != assembly.id:
        raise NotFound(_l("This agenda item does not exist."))
    return item


def get_proxy(assembly: Assembly, proxy_id: int) -> Proxy:
    proxy = _get(Proxy, assembly.cooperative, proxy_id, message=_l("This proxy does not exist."))
    if proxy.assembly_id != assembly.id:
        raise NotFound(_l("This proxy does not exist."))
    return proxy


# Governance rules ---------------------------------------------------------------------------


def governance(cooperative) -> GovernanceRules:
    """The cooperative's rules; the defaults (not yet stored) when the board never set them."""
    found = db.session.scalar(
        select(GovernanceRules).where(GovernanceRules.cooperative_id == cooperative.id)
    )
    if found is not None:
        return found
    return default_rules(cooperative)


def default_rules(cooperative) -> GovernanceRules:
    """The rules a cooperative has until the board sets its own (not stored)."""
    return GovernanceRules(
        cooperative_id=cooperative.id if cooperative is not None else None,
        notice_days=14,
        decision_rules=default_decision_rules(),
        blank_votes_count=False,
        second_assembly_without_quorum=True,
        proxies_allowed=True,
        max_proxies_per_holder=1,
        weighting=Weighting.PER_MEMBER,
        share_vote_cap=None,
        electronic_participation=False,
        advance_voting=False,
    )


def decision_rule(settings: GovernanceRules, kind: DecisionKind) -> rules.DecisionRule:
    return rules.DecisionRule.from_dict(settings.rule_for(kind))


RULE_FIELDS = (
    "notice_days",
    "blank_votes_count",
    "second_assembly_without_quorum",
    "proxies_allowed",
    "max_proxies_per_holder",
    "weighting",
    "share_vote_cap",
    "electronic_participation",
    "advance_voting",
)


def rule_errors(data: dict, decision_rules: dict) -> list[DomainError]:
    """Every way the rules as given break the law or make no sense, each at its field
    (a value the form could not read is None and not judged here)."""
    errors = []
    notice = data.get("notice_days")
    if notice is not None and notice < MIN_NOTICE_DAYS:
        errors.append(
            DomainError(
                _l(
                    "The notice period is at least %(days)s days (the legal minimum).",
                    days=MIN_NOTICE_DAYS,
                ),
                field="notice_days",
            )
        )
    proxies = data.get("max_proxies_per_holder")
    if proxies is not None and proxies < 0:
        errors.append(DomainError(_l("Give 0 or more."), field="max_proxies_per_holder"))
    elif data.get("proxies_allowed") and proxies == 0:
        errors.append(
            DomainError(
                _l("Give 1 or more, or do not allow proxies."), field="max_proxies_per_holder"
            )
        )
    for kind in DecisionKind:
        given = decision_rules.get(kind.value) or {}
        numerator, denominator = given.get("numerator"), given.get("denominator")
        if given.get("majority") == Majority.FRACTION.value and (
            not numerator or not denominator or not 0 < numerator <= denominator
        ):
            errors.append(
                DomainError(
                    _l("Give a fraction between 0 and 1, for example 3 of 4."),
                    field=f"{kind.value}.numerator",
                )
            )
        quorum = given.get("quorum_percent")
        if quorum is not None and not 0 <= quorum <= 100:
            errors.append(
                DomainError(
                    _l("Give a percentage from 0 to 100."), field=f"{kind.value}.quorum_percent"
                )
            )
    return errors


def update_rules(cooperative, *, data: dict, decision_rules: dict, by) -> GovernanceRules:
    """Store the rules; the first of ``rule_errors`` when they cannot be."""
    if data.get("notice_days") is None:
        raise DomainError(_l("Give a number of days."), field="notice_days")
    errors = rule_errors(data, decision_rules)
    if errors:
        raise errors[0]
    clean_kinds = {}
    for kind in DecisionKind:
        given = decision_rules.get(kind.value) or {}
        majority = Majority(given.get("majority") or Majority.MORE_THAN_HALF.value)
        fraction = majority is Majority.FRACTION
        clean_kinds[kind.value] = {
            "quorum_percent": given.get("quorum_percent") or None,
            "majority": majority.value,
            "numerator": given.get("numerator") if fraction else None,
            "denominator": given.get("denominator") if fraction else None,
        }
    settings = governance(cooperative)
    if settings.id is None:
        db.session.add(settings)
    for key in RULE_FIELDS:
        if key in data:
            setattr(settings, key, data[key])
    settings.decision_rules = clean_kinds
    db.session.flush()
    audit.record(
        cooperative,
        by,
        "assembly.rules_changed",
        settings,
        **{k: getattr(settings, k) for k in RULE_FIELDS},
        decision_rules=clean_kinds,
    )
    return settings


# Assemblies and agenda ----------------------------------------------------------------------


def assemblies_of(cooperative, *, include_drafts: bool) -> list[Assembly]:
    query = select(Assembly).where(Assembly.cooperative_id == cooperative.id)
    if not include_drafts:
        query = query.where(Assembly.status != AssemblyStatus.DRAFT)
    return db.session.scalars(query.order_by(Assembly.starts_at.desc())).all()


def coming_assemblies(cooperative) -> list[Assembly]:
    """The assemblies convened or in session (for a member's dashboard): one in session
    first, then the soonest."""
    return db.session.scalars(
        select(Assembly)
        .where(
            Assembly.cooperative_id == cooperative.id,
            Assembly.status.in_([AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION]),
        )
        .order_by(
            case((Assembly.status == AssemblyStatus.IN_SESSION, 0), else_=1), Assembly.starts_at
        )
    ).all()


# How far ahead an assembly can be planned: further is a typing error (a wrong year).
PLAN_AHEAD_YEARS = 5


def _check_starts_at(starts_at: datetime) -> None:
    now = utcnow()
    if starts_at <= now:
        raise DomainError(_l("Choose a date and time in the future."), field="starts_at")
    if starts_at > now + timedelta(days=365 * PLAN_AHEAD_YEARS):
        raise DomainError(
            _l("Choose a date within %(years)s years from now.", years=PLAN_AHEAD_YEARS),
            field="starts_at",
        )


def create_assembly(cooperative, *, title, starts_at, place, online_url, is_second, by):
    _check_starts_at(starts_at)
    assembly = Assembly(
        cooperative_id=cooperative.id,
        title=title,
        starts_at=starts_at,
        place=place or "",
        online_url=online_url or "",
        is_second=bool(is_second),
        status=AssemblyStatus.DRAFT,
    )
    db.session.add(assembly)
    db.session.flush()
    audit.record(cooperative, by, "assembly.created", assembly, title=title, starts_at=starts_at)
    return assembly


DETAILS_FIXED = _l("The details can only change until the assembly is convened.")


def update_assembly(assembly: Assembly, *, title, starts_at, place, online_url, is_second, by):
    """Change a draft's details (once convened, the invitation has gone out with them).
    The audit event holds each changed detail as [before, after]."""
    _lock_assembly(assembly)
    if assembly.status is not AssemblyStatus.DRAFT:
        raise DomainError(DETAILS_FIXED)
    _check_starts_at(starts_at)
    changed = _change(
        assembly,
        title=title,
        starts_at=starts_at,
        place=place or "",
        online_url=online_url or "",
        is_second=bool(is_second),
    )
    if changed:
        audit.record(assembly.cooperative, by, "assembly.updated", assembly, **changed)


def _change(instance, **values) -> dict:
    """Set the values that differ; returns them as {name: [before, after]} (enums by their
    value), for the audit event."""
    changed = {}
    for name, value in values.items():
        before = getattr(instance, name)
        if before != value:
            changed[name] = [getattr(v, "value", v) for v in (before, value)]
            setattr(instance, name, value)
    if changed:
        db.session.flush()
    return changed


def delete_assembly(assembly: Assembly, *, by) -> None:
    """Delete a draft (planned by mistake, or twice) with its agenda, documents and
    motions. Nobody was invited yet, so nothing else points at it; statutes proposed on
    its agenda are withdrawn on the statutes page first."""
    _lock_assembly(assembly)
    if assembly.status is not AssemblyStatus.DRAFT:
        raise DomainError(
            _l("Only an assembly that is not convened yet can be deleted."), field="confirm"
        )
    motions = motions_of(assembly)
    _check_no_statutes(motions, field="confirm")
    for motion in sorted(motions, key=lambda m: not m.is_amendment):  # amendments first
        delete_motion(motion)
    for item in list(assembly.items):
        _delete_item(item)
    audit.record(
        assembly.cooperative,
        by,
        "assembly.deleted",
        assembly,
        title=assembly.title,
        starts_at=assembly.starts_at,
        motions=[m.title for m in motions],
    )
    db.session.delete(assembly)
    db.session.flush()


STATUTES_PROPOSED = _l(
    "New statutes are proposed with this motion. Withdraw the proposal on the statutes page first."
)


def _statutes_of(motions: list[Motion]) -> list:
    """The statutes proposed with these motions."""
    from coop.statutes.models import Statutes

    ids = [m.id for m in motions]
    if not ids:
        return []
    return db.session.scalars(select(Statutes).where(Statutes.motion_id.in_(ids))).all()


def _check_no_statutes(motions: list[Motion], *, field: str | None = None) -> None:
    if _statutes_of(motions):
        raise DomainError(STATUTES_PROPOSED, field=field)


def _lock_assembly(assembly: Assembly) -> None:
    """Lock the assembly's row and read it again (PostgreSQL; SQLite lets one writing
    request in at a time): changes of its details and its agenda, a convening and a
    deletion happen one after the other, each seeing what the others wrote (the
    invitation never goes out with a date or an agenda changed meanwhile, and nothing is
    added to what is being deleted). Taken before a motion's status lock."""
    if _is_postgres():
        db.session.flush()  # a refresh would drop what this transaction changed and not wrote
        locked = select(Assembly.id).where(Assembly.id == assembly.id).with_for_update()
        if db.session.scalar(locked) is None:  # deleted meanwhile (a draft)
            raise Gone
        db.session.refresh(assembly)


AGENDA_FIXED = _l("The assembly is convened; its agenda can no longer change.")


def _must_be_draft(assembly: Assembly) -> None:
    if assembly.status is not AssemblyStatus.DRAFT:
        raise DomainError(AGENDA_FIXED)


def add_item(assembly: Assembly, *, title: str, description: str, kind: ItemKind, by) -> AgendaItem:
    _lock_assembly(assembly)
    _must_be_draft(assembly)
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.assembly_id == assembly.id)
    )
    item = AgendaItem(
        assembly_id=assembly.id,
        position=(last or 0) + 1,
        title=title,
        description=description or "",
        kind=kind,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        assembly.cooperative, by, "assembly.item_added", item, title=title, kind=kind.value
    )
    return item


def move_item(item: AgendaItem, *, up: bool, by) -> None:
    assembly = item.assembly
    _lock_assembly(assembly)
    _must_be_draft(assembly)
    items = list(assembly.items)
    index = items.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    db.session.flush()
    db.session.expire(assembly, ["items"])
    audit.record(assembly.cooperative, by, "assembly.item_moved", item, position=item.position)


def update_item(item: AgendaItem, *, title: str, description: str, kind: ItemKind, by) -> None:
    """Change an item of a draft agenda. An item with motions stays one for decision."""
    assembly = item.assembly
    _lock_assembly(assembly)
    _must_be_draft(assembly)
    if kind is not ItemKind.DECISION and item.motions:
        raise DomainError(
            _l("This item has motions, so it stays an item for decision."), field="kind"
        )
    changed = _change(item, title=title, description=description or "", kind=kind)
    if changed:
        audit.record(assembly.cooperative, by, "assembly.item_updated", item, **changed)


def remove_item(item: AgendaItem, *, by) -> None:
    """Take an item off a draft agenda, with its documents; the items after it move up."""
    assembly = item.assembly
    _lock_assembly(assembly)
    _must_be_draft(assembly)
    if item.motions:
        raise DomainError(_l("This item has motions. Remove them first."))
    documents = [d.filename for d in item.documents]
    audit.record(
        assembly.cooperative,
        by,
        "assembly.item_removed",
        item,
        title=item.title,
        documents=documents,
    )
    _delete_item(item)
    for position, each in enumerate(assembly.items, start=1):
        each.position = position
    db.session.flush()


def _delete_item(item: AgendaItem) -> None:
    for document in item.documents:
        db.session.delete(document)
    db.session.flush()
    # Collections may still hold what was just deleted: read them again when needed.
    db.session.expire(item, ["documents", "motions"])
    item.assembly.items.remove(item)  # delete-orphan
    db.session.flush()


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def add_document(item: AgendaItem, *, filename: str, data: bytes, by) -> AgendaDocument:
    """Attach a PDF to an agenda item (until the assembly closes)."""
    import hashlib

    from werkzeug.utils import secure_filename

    assembly = item.assembly
    _lock_assembly(assembly)
    if assembly.status is AssemblyStatus.CLOSED:
        raise DomainError(_l("The assembly is closed."), field="file")
    if not data:
        message = _l("The file is empty.") if filename else _l("Choose a file.")
        raise DomainError(message, field="file")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError(_l("The file is larger than 10 MB."), field="file")
    if not data.startswith(b"%PDF-"):
        raise DomainError(_l("Only PDF files can be added."), field="file")
    stem = secure_filename(filename or "")
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    if len(stem) > 146:  # long: keep its start and its end (often a year or a version)
        stem = f"{stem[:100]}-{stem[-45:]}"
    name = f"{stem or 'document'}.pdf"
    document = AgendaDocument(
        agenda_item_id=item.id,
        filename=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )
    db.session.add(document)
    db.session.flush()
    db.session.expire(item, ["documents"])
    audit.record(
        assembly.cooperative,
        by,
        "assembly.document_added",
        document,
        item=item.id,
        filename=name,
        sha256=document.sha256,
    )
    return document


def get_document(assembly: Assembly, document_id: int) -> AgendaDocument:
    if not 0 < document_id <= MAX_ID:
        raise NotFound(_l("This document does not exist."))
    document = db.session.get(AgendaDocument, document_id)
    if document is None or document.agenda_item.assembly_id != assembly.id:
        raise NotFound(_l("This document does not exist."))
    return document


def remove_document(document: AgendaDocument, *, by) -> None:
    """Remove a document from a draft agenda. Once the invitation is out, members may have
    read it: it stays, and a new version can be added."""
    from coop.statutes.services import comparison_filename

    item = document.agenda_item
    assembly = item.assembly
    _lock_assembly(assembly)
    if assembly.status is AssemblyStatus.CLOSED:
        raise DomainError(_l("The assembly is closed."))
    if assembly.status is not AssemblyStatus.DRAFT:
        raise DomainError(
            _l("Members can already see this document, so it stays. You can add a new version.")
        )
    if any(document.filename == comparison_filename(s) for s in _statutes_of(item.motions)):
        raise DomainError(STATUTES_PROPOSED)
    audit.record(
        assembly.cooperative,
        by,
        "assembly.document_removed",
        document,
        item=item.id,
        filename=document.filename,
        sha256=document.sha256,
    )
    db.session.delete(document)
    db.session.flush()
    db.session.expire(item, ["documents"])


def local_date(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def _with_voting_rights(cooperative_id) -> tuple:
    """Members with voting rights today: active members (not applicants, ended or
    suspended members). ``cooperative_id``: a value or a bound parameter."""
    return (
        Membership.cooperative_id == cooperative_id,
        Membership.status == MembershipStatus.ACTIVE,
    )


def voting_members(cooperative, *where) -> list[Membership]:
    """The members with voting rights today (``where``: narrowed further)."""
    return db.session.scalars(
        select(Membership)
        .where(*_with_voting_rights(cooperative.id), *where)
        .options(joinedload(Membership.user))  # their address and language, for the mail
        .order_by(Membership.number)
    ).all()


def convene(assembly: Assembly, *, by, on: date | None = None) -> list[tuple[Membership, dict]]:
    """Convene: check the notice period, record a notice per member with voting rights
    (in one statement, however many members). The view mails them after the commit.
    Returns (member, notice as recorded) pairs."""
    _lock_assembly(assembly)
    if assembly.status is not AssemblyStatus.DRAFT:
        raise DomainError(_l("This assembly has already been convened."))
    if not assembly.items:
        raise DomainError(_l("Put at least one item on the agenda first."))
    settings = governance(assembly.cooperative)
    days = days_before(assembly, on)
    if days < settings.notice_days:
        raise DomainError(
            _l(
                "The notice period is %(needed)s days, but the assembly is in %(days)s days. "
                "Choose a later date.",
                needed=settings.notice_days,
                days=days,
            )
        )
    agenda = _agenda(assembly)
    sent = _record_notices(assembly, voting_members(assembly.cooperative), agenda)
    assembly.status = AssemblyStatus.CONVENED
    assembly.convened_at = utcnow()
    db.session.flush()
    audit.record(
        assembly.cooperative, by, "assembly.convened", assembly, recipients=len(sent), agenda=agenda
    )
    return sent


def count_voting_members(cooperative, *where) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(*_with_voting_rights(cooperative.id), *where)
    )


def _not_invited(assembly: Assembly):
    """The condition 'has no invitation to the assembly' on a membership: none was sent
    (admitted since), or there is one without an invitation by it (``_without_invitation``)."""
    return ~(
        select(Notice.id)
        .where(
            Notice.assembly_id == assembly.id,
            Notice.membership_id == Membership.id,
            ~Notice.without_invitation,
        )
        .exists()
    )


def count_not_invited(assembly: Assembly) -> int:
    """How many members with voting rights today have no invitation (see ``not_invited``)."""
    return count_voting_members(assembly.cooperative, _not_invited(assembly))


def notices_of(assembly: Assembly) -> list[tuple[Notice, Membership]]:
    """Who was sent the invitation, and what it said (by member number); with the members'
    accounts (their address now)."""
    return db.session.execute(
        select(Notice, Membership)
        .join(Membership, Membership.id == Notice.membership_id)
        .options(joinedload(Membership.user))
        .where(Notice.assembly_id == assembly.id)
        .order_by(Membership.number)
    ).all()


def days_before(assembly: Assembly, on: date | None = None) -> int:
    """Days from ``on`` (today) to the day of the assembly."""
    return (local_date(assembly.starts_at) - (on or today())).days


def late_invitations(assembly: Assembly, notices, notice_days: int) -> dict[int, int]:
    """{notice id: days before the assembly} for the invitations (``notices_of``) that
    reached a member, by mail or on paper, later than the notice period."""
    late = {}
    for notice, _member in notices:
        given = notice.on_paper_at or notice.mailed_at
        if given is not None:
            days = days_before(assembly, local_date(given))
            if days < notice_days:
                late[notice.id] = days
    return late


def _lock_for_invitations(assembly: Assembly) -> None:
    """Invitations change between convening and the opening, one board member at a time."""
    _lock_assembly(assembly)
    if assembly.status is not AssemblyStatus.CONVENED:
        raise DomainError(_l("Invitations go out between convening and the opening."))


def invitation_on_paper(assembly: Assembly, member: Membership, *, by) -> None:
    """Record that the board gave a member the invitation on paper: after its mail did not
    go out or was never confirmed, or to a member admitted since convening (the notice is
    recorded now, with the agenda as sent). Until the opening, as sending it again."""
    _lock_for_invitations(assembly)
    of_member = (Notice.assembly_id == assembly.id, Notice.membership_id == member.id)
    notice = db.session.scalar(select(Notice).where(*of_member, Notice.without_invitation))
    if notice is not None:
        reason = notice.failure or "unconfirmed"  # why the member had no invitation
    else:
        if db.session.scalar(select(Notice.id).where(*of_member)) is not None:
            raise DomainError(_l("%(name)s has the invitation already.", name=member.name))
        with_rights = _with_voting_rights(assembly.cooperative_id)
        if (
            db.session.scalar(select(Membership.id).where(Membership.id == member.id, *with_rights))
            is None
        ):
            raise DomainError(
                _l("%(name)s has no voting rights and gets no invitation.", name=member.name)
            )
        ((_member, fields),) = _notices_for(assembly, [member], _agenda(assembly))
        notice = Notice(**fields)
        db.session.add(notice)
        reason = "admitted_since"
    notice.on_paper_at, notice.failed_at = utcnow(), None
    db.session.flush()
    audit.record(
        assembly.cooperative,
        by,
        "assembly.invitation_on_paper",
        assembly,
        member=member.number,
        reason=reason,
    )


def not_invited(assembly: Assembly) -> list[Membership]:
    """Members with voting rights today who have no invitation: admitted since, or the
    mail of theirs did not go out or was never confirmed."""
    return voting_members(assembly.cooperative, _not_invited(assembly))


def _agenda(assembly: Assembly) -> list:
    """The agenda as the invitation gives it, with the names of the documents the mail
    links to: [[position, title, kind, [document names]], ...]. The items are fixed once
    convened; a late invitation also names the documents added since."""
    return [
        [item.position, item.title, item.kind.value, [d.filename for d in item.documents]]
        for item in assembly.items
    ]


def _notices_for(assembly, members, agenda) -> list[tuple[Membership, dict]]:
    """(member, notice) pairs: what the invitation to each member says."""
    from coop.assemblies import emails

    return [
        (
            member,
            {
                "assembly_id": assembly.id,
                "membership_id": member.id,
                "email": member.user.email,
                "subject": emails.convocation_subject(assembly, member.user.locale),
                "agenda": agenda,
            },
        )
        for member in members
    ]


def _record_notices(assembly, members, agenda) -> list[tuple[Membership, dict]]:
    """A notice per member, in one statement: (member, notice as recorded) pairs."""
    sent = _notices_for(assembly, members, agenda)
    if sent:
        db.session.execute(insert(Notice), [notice for _, notice in sent])
    return sent


def invite_missing(assembly: Assembly, *, by) -> list[tuple[Membership, dict]]:
    """Send the invitation, with the agenda as it was sent to the others, to the members
    who have none (until the opening): those admitted since the assembly was convened, and
    those whose mail did not go out or was never confirmed (their notice is sent again, to
    their address now)."""
    _lock_for_invitations(assembly)
    members = not_invited(assembly)
    failed = {
        notice.membership_id: notice
        for notice in db.session.scalars(
            select(Notice).where(Notice.assembly_id == assembly.id, Notice.without_invitation)
        )
    }
    agenda = _agenda(assembly)
    sent = _record_notices(assembly, [m for m in members if m.id not in failed], agenda)
    again = [member for member in members if member.id in failed]
    unconfirmed = [member.number for member in again if failed[member.id].failed_at is None]
    for member, notice in _notices_for(assembly, again, agenda):
        fields = {**notice, "sent_at": utcnow(), "failed_at": None, "failure": None}
        fields["mailed_at"] = None  # until the mail server takes it
        for key, value in fields.items():
            setattr(failed[member.id], key, value)
        sent.append((member, notice))
    db.session.flush()
    if sent:
        audit.record(
            assembly.cooperative,
            by,
            "assembly.invited_later",
            assembly,
            members=[member.number for member, _ in sent],
            **({"again": [member.number for member in again]} if again else {}),
            **({"unconfirmed": unconfirmed} if unconfirmed else {}),
        )
    return sent


def record_sending(
    assembly: Assembly, member_ids: list[int], failures: list[tuple[tuple[int, int], str]], *, by
) -> None:
    """After the invitations to ``member_ids`` were sent: record on their notices that the
    mail server took the mail, or that it did not go out (``failures`` as for
    ``record_undelivered``). Committed after each batch of mails: when the sending stops
    halfway, the notices not yet recorded stay unconfirmed, and the board sends them again."""
    record_undelivered(assembly, failures, by=by)
    failed = {member_id for (member_id, _), _reason in failures}
    mailed = [member_id for member_id in member_ids if member_id not in failed]
    now = utcnow()
    for start in range(0, len(mailed), 500):  # bounded IN lists (SQLite's limits)
        db.session.execute(
            update(Notice.__table__)
            .where(
                Notice.assembly_id == assembly.id,
                Notice.membership_id.in_(mailed[start : start + 500]),
                Notice.unconfirmed,  # not meanwhile given on paper (a slow sending)
            )
            .values(mailed_at=now)
        )


def record_undelivered(
    assembly: Assembly, failures: list[tuple[tuple[int, int], str]], *, by
) -> None:
    """Record on their notices the invitations whose mail did not go out: ``failures`` as
    ``coop.mail.send_keyed`` gives them, keyed (membership id, member number); ``by``
    sent them. Not on a notice the board meanwhile noted as given on paper."""
    if not failures:
        return
    now = utcnow()
    db.session.execute(
        update(Notice.__table__)
        .where(
            Notice.assembly_id == assembly.id,
            Notice.membership_id == bindparam("member_id"),
            Notice.on_paper_at.is_(None),
        )
        .values(failed_at=now, failure=bindparam("reason"), mailed_at=None),
        [{"member_id": member_id, "reason": reason} for (member_id, _), reason in failures],
    )
    by_reason: dict[str, list[int]] = {}
    for (_, number), reason in failures:
        by_reason.setdefault(reason, []).append(number)
    audit.record(
        assembly.cooperative, by, "assembly.invitations_undelivered", assembly, **by_reason
    )


def due_reminders(on: date) -> list[Assembly]:
    """Convened assemblies that take place tomorrow and had no reminder yet."""
    candidates = db.session.scalars(
        select(Assembly)
        .where(Assembly.status == AssemblyStatus.CONVENED, Assembly.reminded_at.is_(None))
        .order_by(Assembly.starts_at)
    ).all()
    return [a for a in candidates if (local_date(a.starts_at) - on).days == 1]


def remind(assembly: Assembly) -> list[Membership]:
    """Mark the reminder as sent; the members with voting rights today get it."""
    assembly.reminded_at = utcnow()
    members = voting_members(assembly.cooperative)
    db.session.flush()
    audit.record(assembly.cooperative, None, "assembly.reminded", assembly, recipients=len(members))
    return members


def open_session(assembly: Assembly, *, by) -> None:
    if assembly.status is not AssemblyStatus.CONVENED:
        raise DomainError(_l("Only a convened assembly can be opened."))
    assembly.status = AssemblyStatus.IN_SESSION
    assembly.opened_at = utcnow()
    db.session.flush()
    audit.record(assembly.cooperative, by, "assembly.opened", assembly)


def close_session(assembly: Assembly, *, by) -> None:
    if assembly.status is not AssemblyStatus.IN_SESSION:
        raise DomainError(_l("Only an assembly in session can be closed."))
    still_open = db.session.scalar(
        select(func.count(Motion.id)).where(
            Motion.assembly_id == assembly.id, Motion.status == MotionStatus.OPEN
        )
    )
    if still_open:
        raise DomainError(_l("Close the open votes first."))
    assembly.status = AssemblyStatus.CLOSED
    assembly.closed_at = utcnow()
    db.session.flush()
    audit.record(assembly.cooperative, by, "assembly.closed", assembly)


# Attendance ---------------------------------------------------------------------------------


def attendance(assembly: Assembly) -> list[Attendance]:
    return db.session.scalars(
        select(Attendance)
        .join(Membership, Membership.id == Attendance.membership_id)
        .where(Attendance.assembly_id == assembly.id)
        .order_by(Membership.number)
    ).all()


def attendance_of(assembly: Assembly, membership: Membership) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(
            Attendance.assembly_id == assembly.id, Attendance.membership_id == membership.id
        )
    )


def is_checked_in(assembly: Assembly, membership: Membership) -> bool:
    return (
        db.session.scalar(
            select(Attendance.id).where(
                Attendance.assembly_id == assembly.id,
                Attendance.membership_id == membership.id,
            )
        )
        is not None
    )


def find_members(cooperative, query: str, *, limit: int = 20) -> list[Membership]:
    """Active members by number or by (part of) the name."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    where = list(_with_voting_rights(cooperative.id))
    if query.isascii() and query.isdigit() and int(query) <= MAX_ID:
        where.append(Membership.number == int(query))
    else:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(Membership.name.ilike(f"%{escaped}%", escape="\\"))
    return db.session.scalars(
        select(Membership).where(*where).order_by(Membership.number).limit(limit)
    ).all()


def _check_voting_member(assembly: Assembly, membership: Membership, message=None) -> None:
    if membership is None or membership.cooperative_id != assembly.cooperative_id:
        raise DomainError(message or _l("This person is not a member of this cooperative."))
    if not membership.is_active:
        raise DomainError(_l("Only active members have voting rights."))


def on_the_day(assembly: Assembly) -> bool:
    """Whether today (in the Netherlands) is the day the assembly is planned for."""
    return assembly.starts_at.astimezone(AMSTERDAM).date() == today()


def before_the_day(assembly: Assembly) -> bool:
    """Convened, and its day has not come (or has passed without opening): opening then
    needs the chair's tick, and members cannot check in online yet."""
    return assembly.status is AssemblyStatus.CONVENED and not on_the_day(assembly)


def check_in(assembly: Assembly, membership: Membership, *, by, online: bool = False) -> Attendance:
    """Record that a member attends (at the door, by the board, or online by themselves).
    Proxies the member granted are void from now on."""
    if assembly.status not in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION):
        raise DomainError(
            _l("Members can check in once the assembly is convened, until it closes.")
        )
    _check_voting_member(assembly, membership)
    if online and not governance(assembly.cooperative).electronic_participation:
        raise DomainError(_l("This cooperative does not allow taking part online."))
    if online and before_the_day(assembly):
        # Weeks before, "check in" reads as "sign up to come", and would end a proxy given.
        raise DomainError(_l("You can check in online on the day of the assembly."))
    if online and _in_the_paper_count(assembly, membership):
        raise DomainError(IN_THE_PAPER_COUNT)
    if attendance_of(assembly, membership) is not None:
        raise DomainError(_l("%(name)s is already checked in.", name=membership.name))
    item = Attendance(
        assembly_id=assembly.id,
        membership_id=membership.id,
        online=online,
        checked_in_by_id=by.id if by is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("%(name)s is already checked in.", name=membership.name)) from None
    voided = active_proxies(assembly, grantor=membership)
    for proxy in voided:
        proxy.status = ProxyStatus.VOID
        proxy.ended_at = utcnow()
    db.session.flush()
    audit.record(
        assembly.cooperative,
        by,
        "assembly.checked_in",
        item,
        member=membership.number,
        online=online,
        proxies_void=[p.id for p in voided],
    )
    return item


def undo_check_in(assembly: Assembly, membership: Membership, *, by) -> list[Proxy]:
    """Take back a check-in made by mistake (the wrong name tapped at the door). Not once
    the check-in counts: the member voted (or voted for a grantor), a vote closed while
    they were checked in (its result counted them present), or, in the room, paper votes
    were counted while they were there. A proxy the check-in ended stays ended (its holder
    may have been told, and may hold another by now); returns those proxies."""
    if assembly.status is AssemblyStatus.DRAFT:
        raise DomainError(
            _l("Members can check in once the assembly is convened, until it closes.")
        )
    if assembly.status is AssemblyStatus.CLOSED:
        raise DomainError(_l("The attendance list is closed."))
    # The votes' status locks (of motions not closed, so a vote opened meanwhile waits
    # too): a vote being cast finishes first, and a vote cast meanwhile inserts nothing
    # once this is committed (its insert checks the attendance again: ``cast_vote``).
    motions = motions_of(assembly)
    for motion in motions:
        if motion.status is not MotionStatus.CLOSED:
            _lock_motion(motion)
            # Paper votes saved while this waited for the lock (they take it too).
            db.session.refresh(motion, ["paper_for", "paper_against", "paper_abstain"])
    attending = attendance_of(assembly, membership)
    if attending is None:
        raise DomainError(_l("%(name)s is not checked in.", name=membership.name))
    voted = db.session.scalar(
        select(Vote.id)
        .join(Motion, Motion.id == Vote.motion_id)
        .where(
            Motion.assembly_id == assembly.id,
            or_(Vote.membership_id == membership.id, Vote.cast_by_id == membership.id),
        )
        .limit(1)
    )
    if voted is not None:
        raise DomainError(
            _l(
                "%(name)s has voted, so the check-in stays: it is part of the count.",
                name=membership.name,
            )
        )
    for motion in motions:
        counted = motion.status is MotionStatus.CLOSED and (
            motion.closed_at is None or motion.closed_at > attending.checked_in_at
        )
        on_paper = (
            motion.status is MotionStatus.OPEN and motion.paper_total and not attending.online
        )
        if counted or on_paper:
            raise DomainError(
                _l(
                    "A vote was counted while %(name)s was checked in, so the check-in "
                    "stays: it is part of the count.",
                    name=membership.name,
                )
            )
    ended = db.session.scalars(
        select(Proxy).where(
            Proxy.assembly_id == assembly.id,
            Proxy.grantor_id == membership.id,
            Proxy.status == ProxyStatus.VOID,
            Proxy.ended_at >= attending.checked_in_at,
        )
    ).all()
    db.session.delete(attending)
    db.session.flush()
    audit.record(
        assembly.cooperative,
        by,
        "assembly.check_in_undone",
        assembly,
        member=membership.number,
        online=attending.online,
    )
    return ended


# Proxies ------------------------------------------------------------------------------------


def active_proxies(assembly: Assembly, *, grantor=None, holder=None) -> list[Proxy]:
    query = select(Proxy).where(
        Proxy.assembly_id == assembly.id, Proxy.status == ProxyStatus.ACTIVE
    )
    if grantor is not None:
        query = query.where(Proxy.grantor_id == grantor.id)
    if holder is not None:
        query = query.where(Proxy.holder_id == holder.id)
    return db.session.scalars(query.order_by(Proxy.id)).all()


def proxies_used(proxies: list[Proxy]) -> set[int]:
    """The ids of the proxies among ``proxies`` that votes were cast with."""
    if not proxies:
        return set()
    return set(
        db.session.scalars(
            select(Vote.proxy_id).where(Vote.proxy_id.in_([p.id for p in proxies])).distinct()
        )
    )


def proxies_of(assembly: Assembly) -> list[Proxy]:
    """Every proxy of the assembly with its state (for the record)."""
    return db.session.scalars(
        select(Proxy).where(Proxy.assembly_id == assembly.id).order_by(Proxy.id)
    ).all()


def _lock_members(*memberships: Membership) -> None:
    """Lock the members' rows (PostgreSQL) in id order, so that two proxy requests that
    involve the same member wait for each other and never deadlock."""
    if not _is_postgres():
        return
    ids = sorted({m.id for m in memberships})
    db.session.execute(
        select(Membership.id)
        .where(Membership.id.in_(ids))
        .order_by(Membership.id)
        .with_for_update()
    )


def instructable_motions(assembly: Assembly, motions: list[Motion] | None = None) -> list[Motion]:
    """The motions a grantor can give a voting instruction for: open (not secret) votes
    on motions not yet closed. A secret vote gets no instruction: the instruction row
    would tie the grantor to the choice the holder then casts, and a secret ballot keeps
    no such link. An election gets none either (an instruction is for, against or
    abstain, not a candidate): the holder chooses."""
    motions = motions_of(assembly) if motions is None else motions
    return [
        m
        for m in motions
        if not m.secret and not m.is_election and m.status is not MotionStatus.CLOSED
    ]


def secret_motions(assembly: Assembly, motions: list[Motion] | None = None) -> list[Motion]:
    """The secret votes still to come, named on the proxy form as getting no instruction."""
    motions = motions_of(assembly) if motions is None else motions
    return [m for m in motions if m.secret and m.status is not MotionStatus.CLOSED]


def open_elections(assembly: Assembly, motions: list[Motion] | None = None) -> list[Motion]:
    """The open elections still to come, named on the proxy form as getting no
    instruction (the holder chooses the candidate)."""
    motions = motions_of(assembly) if motions is None else motions
    return [
        m for m in motions if m.is_election and not m.secret and m.status is not MotionStatus.CLOSED
    ]


SECRET_NO_INSTRUCTION = _l(
    "This vote is secret, so you cannot give an instruction for it: it would show how you vote."
)
ELECTION_NO_INSTRUCTION = _l(
    "You cannot give an instruction for an election. The holder of your proxy chooses the "
    "candidate."
)


NOT_INSTRUCTABLE = _l(
    "You can give an instruction only for a motion of this assembly that is still to be voted on."
)


def _clean_instructions(assembly: Assembly, instructions: dict | None) -> dict[int, Choice]:
    """Check the instructions ({motion id: Choice or None for free}) before anything is
    written; the field name of a wrong one is ``instruction-<motion id>``."""
    motions = motions_of(assembly)
    allowed = {m.id for m in instructable_motions(assembly, motions)}
    secret = {m.id for m in motions if m.secret}
    elections = {m.id for m in motions if m.is_election}
    clean = {}
    for motion_id, choice in (instructions or {}).items():
        if motion_id in secret:
            raise DomainError(SECRET_NO_INSTRUCTION, field=f"instruction-{motion_id}")
        if motion_id in elections:
            raise DomainError(ELECTION_NO_INSTRUCTION, field=f"instruction-{motion_id}")
        if motion_id not in allowed:
            raise DomainError(NOT_INSTRUCTABLE, field=f"instruction-{motion_id}")
        if choice is None:
            continue
        if not isinstance(choice, Choice):
            raise DomainError(
                _l("Choose for, against, abstain or free."), field=f"instruction-{motion_id}"
            )
        clean[motion_id] = choice
    if clean and _is_postgres():
        # The motions stay until the proxy is written (a removal waits, then sees the
        # instruction); one removed meanwhile is refused here, not by a foreign key.
        kept = db.session.scalars(
            select(Motion.id).where(Motion.id.in_(clean)).with_for_update(read=True, key_share=True)
        ).all()
        for motion_id in set(clean) - set(kept):
            raise DomainError(NOT_INSTRUCTABLE, field=f"instruction-{motion_id}")
    return clean


def proxy_instructions(proxy: Proxy) -> dict[int, Choice]:
    """The grantor's instructions per motion id (motions without one are free)."""
    return dict(
        db.session.execute(
            select(ProxyInstruction.motion_id, ProxyInstruction.choice).where(
                ProxyInstruction.proxy_id == proxy.id
            )
        ).all()
    )


def instructions_for_holder(motion: Motion, holder: Membership) -> dict[int, Choice]:
    """For the holder's own page: the instruction on this motion per grantor id, from
    the holder's active proxies only (private to grantor and holder)."""
    return dict(
        db.session.execute(
            select(Proxy.grantor_id, ProxyInstruction.choice)
            .join(ProxyInstruction, ProxyInstruction.proxy_id == Proxy.id)
            .where(
                Proxy.assembly_id == motion.assembly_id,
                Proxy.holder_id == holder.id,
                Proxy.status == ProxyStatus.ACTIVE,
                ProxyInstruction.motion_id == motion.id,
            )
        ).all()
    )


def grant_proxy(
    assembly: Assembly,
    grantor: Membership,
    *,
    holder_number: int,
    by,
    instructions: dict | None = None,
) -> Proxy:
    """Give a proxy, optionally with a voting instruction (steminstructie) per motion."""
    settings = governance(assembly.cooperative)
    if not settings.proxies_allowed or settings.max_proxies_per_holder < 1:
        raise DomainError(_l("This cooperative does not allow proxies."))
    if assembly.status not in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION):
        raise DomainError(
            _l("You can give a proxy once the assembly is convened, until it closes.")
        )
    _check_voting_member(assembly, grantor)
    holder = db.session.scalar(
        select(Membership).where(
            Membership.cooperative_id == assembly.cooperative_id,
            Membership.number == holder_number,
        )
    )
    if holder is None or not holder.is_active:
        raise DomainError(_l("There is no active member with this number."), field="holder_number")
    if holder.id == grantor.id:
        raise DomainError(_l("You cannot give a proxy to yourself."), field="holder_number")
    _lock_members(grantor, holder)
    if attendance_of(assembly, grantor) is not None:
        raise DomainError(_l("You are checked in, so you vote yourself. A proxy is not possible."))
    if active_proxies(assembly, grantor=grantor):
        raise DomainError(
            _l("You have already given a proxy for this assembly. Withdraw it first.")
        )
    if active_proxies(assembly, holder=grantor):
        raise DomainError(
            _l("You hold a proxy yourself. A proxy cannot be passed on."), field="holder_number"
        )
    if active_proxies(assembly, grantor=holder):
        raise DomainError(
            _l("%(name)s has given a proxy to someone else and cannot hold one.", name=holder.name),
            field="holder_number",
        )
    held = db.session.scalar(
        select(func.count(Proxy.id)).where(
            Proxy.assembly_id == assembly.id,
            Proxy.holder_id == holder.id,
            Proxy.status == ProxyStatus.ACTIVE,
        )
    )
    if held >= settings.max_proxies_per_holder:
        raise DomainError(
            _l(
                "%(name)s already holds the most proxies allowed (%(max)s).",
                name=holder.name,
                max=settings.max_proxies_per_holder,
            ),
            field="holder_number",
        )
    clean = _clean_instructions(assembly, instructions)
    proxy = Proxy(assembly_id=assembly.id, grantor_id=grantor.id, holder_id=holder.id)
    db.session.add(proxy)
    db.session.flush()
    for motion_id, choice in clean.items():
        db.session.add(ProxyInstruction(proxy_id=proxy.id, motion_id=motion_id, choice=choice))
    db.session.flush()
    # The audit trail says how many instructions there are, not what they say: they are
    # private to grantor and holder.
    audit.record(
        assembly.cooperative,
        by,
        "assembly.proxy_granted",
        proxy,
        grantor=grantor.number,
        holder=holder.number,
        instructions=len(clean),
    )
    return proxy


IN_THE_PAPER_COUNT = _l(
    "The votes in the room were counted on paper, and your proxy holder there voted for "
    "you. Until that vote closes, your proxy stays as it is: otherwise you would be counted "
    "twice."
)


def _in_the_paper_count(assembly: Assembly, grantor: Membership) -> bool:
    """Whether a paper count of an open vote counted the grantor: their proxy's holder is
    at the door (checked in, not online) and the room's paper votes are in."""
    holder_at_door = (
        select(Attendance.id)
        .where(
            Attendance.assembly_id == assembly.id,
            Attendance.membership_id == Proxy.holder_id,
            Attendance.online.is_(False),
        )
        .exists()
    )
    paper_in = (
        select(Motion.id)
        .where(
            Motion.assembly_id == assembly.id,
            Motion.status == MotionStatus.OPEN,
            Motion.paper_total > 0,
        )
        .exists()
    )
    return (
        db.session.scalar(
            select(Proxy.id)
            .where(
                Proxy.assembly_id == assembly.id,
                Proxy.grantor_id == grantor.id,
                Proxy.status == ProxyStatus.ACTIVE,
                holder_at_door,
                paper_in,
            )
            .limit(1)
        )
        is not None
    )


def revoke_proxy(proxy: Proxy, *, by: Membership) -> None:
    if proxy.grantor_id != by.id:
        raise DomainError(_l("Only the member who gave a proxy can withdraw it."))
    if proxy.status is not ProxyStatus.ACTIVE:
        raise DomainError(_l("This proxy is no longer valid."))
    assembly = db.session.get(Assembly, proxy.assembly_id)
    if assembly.status is AssemblyStatus.CLOSED:
        raise DomainError(_l("The assembly is closed."))
    if _in_the_paper_count(assembly, by):
        raise DomainError(IN_THE_PAPER_COUNT)
    proxy.status = ProxyStatus.REVOKED
    proxy.ended_at = utcnow()
    db.session.flush()
    audit.record(assembly.cooperative, by, "assembly.proxy_revoked", proxy)


# Motions and votes --------------------------------------------------------------------------


def secret_by_default(kind: DecisionKind) -> bool:
    """Votes on persons (elections) are secret unless the board chooses an open vote;
    other votes are open unless it chooses a secret one."""
    return kind is DecisionKind.ELECTION


def add_motion(
    assembly: Assembly,
    *,
    item: AgendaItem,
    title: str,
    text: str,
    decision_kind: DecisionKind,
    secret: bool | None = None,
    parent: Motion | None = None,
    adopts_minutes_of: Assembly | None = None,
    seats: int = 1,
    by,
) -> Motion:
    _lock_assembly(assembly)
    if assembly.status is AssemblyStatus.CLOSED:
        raise DomainError(_l("The assembly is closed."))
    if decision_kind is not DecisionKind.ELECTION:
        seats = 1
    elif not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise DomainError(
            _l("Give a number of seats from 1 to %(max)s.", max=MAX_SEATS), field="seats"
        )
    secret = secret_by_default(decision_kind) if secret is None else bool(secret)
    if not secret and seats > 1:
        # An open vote keeps one choice per member with the member (``Vote``): a list of
        # who voted for whom could show only the first of the names a member chose.
        raise DomainError(
            _l(
                "An election for more than one seat is always secret. Check "
                "'Secret ballot', or choose 1 seat."
            ),
            field="secret",
        )
    if adopts_minutes_of is not None:
        _check_minutes_motion(assembly, adopts_minutes_of, decision_kind, parent)
    if item.assembly_id != assembly.id or item.kind is not ItemKind.DECISION:
        raise DomainError(_l("Motions belong on an agenda item for decision."), field="item_id")
    if parent is not None:
        if parent.assembly_id != assembly.id or parent.is_amendment:
            raise DomainError(_l("An amendment belongs to a motion of this assembly."))
        if parent.status is not MotionStatus.DRAFT:
            raise DomainError(_l("The vote on this motion has started; it cannot be amended."))
        item = parent.agenda_item
    if decision_kind is DecisionKind.ELECTION and parent is not None:
        raise DomainError(_l("An election cannot be an amendment."), field="parent_id")
    motion = Motion(
        assembly_id=assembly.id,
        agenda_item_id=item.id,
        parent_id=parent.id if parent is not None else None,
        adopts_minutes_of_id=adopts_minutes_of.id if adopts_minutes_of is not None else None,
        title=title,
        text=text or "",
        decision_kind=decision_kind,
        seats=seats,
        secret=secret,
    )
    db.session.add(motion)
    db.session.flush()
    audit.record(
        assembly.cooperative,
        by,
        "motion.added",
        motion,
        title=title,
        kind=decision_kind.value,
        secret=motion.secret,
        amends=motion.parent_id,
        adopts_minutes_of=motion.adopts_minutes_of_id,
        seats=motion.seats,
    )
    return motion


# Minutes (notulen) --------------------------------------------------------------------------


def adopted_minutes(assembly: Assembly) -> AdoptedMinutes | None:
    """The adoption of the assembly's minutes; None while they are a draft."""
    return db.session.scalar(
        select(AdoptedMinutes).where(AdoptedMinutes.assembly_id == assembly.id)
    )


def minutes_to_adopt(assembly: Assembly) -> list[Assembly]:
    """Earlier closed assemblies of the cooperative whose minutes are still a draft and
    have no motion to adopt them yet that is still to be decided."""
    pending = select(Motion.adopts_minutes_of_id).where(
        Motion.adopts_minutes_of_id.is_not(None), Motion.status != MotionStatus.CLOSED
    )
    return db.session.scalars(
        select(Assembly)
        .where(
            Assembly.cooperative_id == assembly.cooperative_id,
            Assembly.id != assembly.id,
            Assembly.status == AssemblyStatus.CLOSED,
            Assembly.starts_at < assembly.starts_at,
            Assembly.id.not_in(select(AdoptedMinutes.assembly_id)),
            Assembly.id.not_in(pending),
        )
        .order_by(Assembly.starts_at.desc())
    ).all()


MAX_NOTE = 20_000


def minutes_notes_fixed(assembly: Assembly) -> DomainError | None:
    """Why the secretary's notes in the minutes cannot change (None while they can): there
    is nothing to note before the meeting opens; the minutes are what members decide on
    while a vote on adopting them is open, and final once adopted. Rejected minutes can be
    corrected for the next try. (Opening that vote waits for the assembly's row lock,
    which a change of the notes holds: ``open_vote``.)"""
    if assembly.status in (AssemblyStatus.DRAFT, AssemblyStatus.CONVENED):
        return DomainError(_l("You write the minutes once the meeting has opened."))
    if adopted_minutes(assembly) is not None:
        return DomainError(_l("These minutes are adopted, so they no longer change."))
    voting = select(Motion.id).where(
        Motion.adopts_minutes_of_id == assembly.id, Motion.status == MotionStatus.OPEN
    )
    if db.session.scalar(voting.limit(1)) is not None:
        return DomainError(
            _l("The general assembly votes on these minutes, so they no longer change.")
        )
    return None


def update_minutes_notes(assembly: Assembly, notes: dict[int, str], *, by) -> None:
    """Save the secretary's note per agenda item ({item id: text}) in the draft minutes.
    The audit event holds each changed note as [before, after]."""
    _lock_assembly(assembly)
    error = minutes_notes_fixed(assembly)
    if error is not None:
        raise error
    items = {item.id: item for item in assembly.items}
    changed = {}
    for item_id, note in notes.items():
        item = items.get(item_id)
        if item is None:
            raise NotFound(_l("This agenda item does not exist."))
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise DomainError(
                _l("Use at most %(max)s characters.", max=MAX_NOTE), field=f"note_{item_id}"
            )
        change = _change(item, minutes_note=note)
        if change:
            changed[str(item_id)] = change["minutes_note"]
    if changed:
        audit.record(assembly.cooperative, by, "assembly.minutes_notes", assembly, items=changed)


def _check_minutes_motion(assembly, previous, decision_kind, parent) -> None:
    field = "adopts_minutes_of"
    if parent is not None or decision_kind is not DecisionKind.ORDINARY:
        raise DomainError(
            _l("Adopting the minutes is an ordinary decision, not an amendment."), field=field
        )
    if previous.id not in {a.id for a in minutes_to_adopt(assembly)}:
        raise DomainError(
            _l(
                "These minutes cannot be adopted here: they must belong to an earlier, closed "
                "assembly and still be a draft."
            ),
            field=field,
        )


def _adopt_minutes(motion: Motion, *, by) -> AdoptedMinutes | None:
    """The motion to adopt the minutes of an earlier assembly was adopted: the minutes
    become adopted and final."""
    previous = db.session.get(Assembly, motion.adopts_minutes_of_id)
    if adopted_minutes(previous) is not None:
        return None
    minutes = AdoptedMinutes(
        assembly_id=previous.id,
        adopted_by_assembly_id=motion.assembly_id,
        motion_id=motion.id,
        adopted_at=utcnow(),
    )
    db.session.add(minutes)
    db.session.flush()
    audit.record(
        previous.cooperative,
        by,
        "assembly.minutes_adopted",
        previous,
        by_assembly=motion.assembly_id,
        motion=motion.id,
    )
    return minutes


def add_candidate(motion: Motion, *, name: str, number: int | None, by) -> Candidate:
    if not motion.is_election:
        raise DomainError(_l("Candidates belong to an election."))
    if motion.assembly.status is AssemblyStatus.CLOSED:
        # The record of a closed assembly (and so its minutes) no longer changes.
        raise DomainError(_l("The assembly is closed."))
    _lock_motion(motion)  # an opening waits, or is seen
    if motion.status is not MotionStatus.DRAFT:
        raise DomainError(_l("The vote has started; candidates can no longer change."))
    member = None
    if number is not None:
        member = db.session.scalar(
            select(Membership).where(
                Membership.cooperative_id == motion.assembly.cooperative_id,
                Membership.number == number,
            )
        )
        if member is None or not member.is_active:
            raise DomainError(_l("There is no active member with this number."), field="number")
        if name and name.casefold() != member.name.casefold():
            raise DomainError(
                _l(
                    "Member %(number)s is %(member)s, not %(name)s. Leave the name empty to "
                    "use the member's name.",
                    number=number,
                    member=member.name,
                    name=name,
                ),
                field="name",
            )
        name = member.name
    if not name:
        raise DomainError(_l("Give a name or a member number."), field="name")
    for other in motion.candidates:
        same_member = member is not None and other.membership_id == member.id
        # Two members may share a name; a name without a member may not repeat one.
        both_members = member is not None and other.membership_id is not None
        if same_member or (not both_members and other.name.casefold() == name.casefold()):
            raise DomainError(
                _l("%(name)s is already a candidate.", name=other.name),
                field="number" if same_member else "name",
            )
    candidate = Candidate(
        motion_id=motion.id, name=name, membership_id=member.id if member is not None else None
    )
    db.session.add(candidate)
    db.session.flush()
    db.session.expire(motion, ["candidates"])
    audit.record(motion.assembly.cooperative, by, "motion.candidate_added", motion, candidate=name)
    return candidate


def remove_candidate(motion: Motion, candidate_id: int, *, by) -> Candidate:
    """Take a candidate off the list while the vote has not been opened (no vote can
    name them yet; the status lock keeps an opening out meanwhile)."""
    _lock_motion(motion)
    if motion.assembly.status is AssemblyStatus.CLOSED:
        raise DomainError(_l("The assembly is closed."))
    if motion.status is not MotionStatus.DRAFT:
        raise DomainError(_l("The vote has started; candidates can no longer change."))
    candidate = next((c for c in motion.candidates if c.id == candidate_id), None)
    if candidate is None:
        raise NotFound(_l("This candidate does not exist."))
    db.session.delete(candidate)
    db.session.flush()
    db.session.expire(motion, ["candidates"])
    audit.record(
        motion.assembly.cooperative,
        by,
        "motion.candidate_removed",
        motion,
        candidate=candidate.name,
    )
    return candidate


def motion_fixed(motion: Motion) -> DomainError | None:
    """Why a motion can no longer change or go (None while it can): its vote opened, its
    assembly closed, a member gave a voting instruction on it, or statutes are proposed
    with it."""
    if motion.assembly.status is AssemblyStatus.CLOSED:
        return DomainError(_l("The assembly is closed."))
    if motion.status is not MotionStatus.DRAFT:
        return DomainError(_l("The vote on this motion has started, so it can no longer change."))
    if _statutes_of([motion]):
        return DomainError(STATUTES_PROPOSED)
    instructed = (
        select(ProxyInstruction.id)
        .join(Proxy, Proxy.id == ProxyInstruction.proxy_id)
        .where(ProxyInstruction.motion_id == motion.id, Proxy.status == ProxyStatus.ACTIVE)
    )
    if db.session.scalar(instructed.limit(1)) is not None:
        return DomainError(
            _l(
                "A member gave a voting instruction on this motion with a proxy, so it can "
                "no longer change. You can add an amendment."
            )
        )
    return None


def _check_motion_changes(motion: Motion) -> None:
    _lock_assembly(motion.assembly)  # no amendment or candidate is added meanwhile
    _lock_motion(motion)  # no vote opens meanwhile
    error = motion_fixed(motion)
    if error is not None:
        raise error


AMENDMENTS_VOTED = _l("An amendment to this motion was voted on, so the motion stays.")


def amendments_voted(motion: Motion) -> bool:
    """Whether an amendment to the motion was voted on (the motion then stays)."""
    return any(a.status is not MotionStatus.DRAFT for a in motion.amendments)


def update_motion(motion: Motion, *, title: str, text: str, by) -> None:
    """Correct a motion's title or text before its vote opens (see ``_check_motion_changes``).
    After the invitation went out, the motion keeps what members could read before its
    first such change, and when it last changed: its page shows them."""
    _check_motion_changes(motion)
    before = (motion.title, motion.text)
    changed = _change(motion, title=title, text=text or "")
    if not changed:
        return
    if motion.assembly.status is not AssemblyStatus.DRAFT:
        if motion.changed_after_invitation_at is None:
            motion.title_before_change, motion.text_before_change = before
        motion.changed_after_invitation_at = utcnow()
        db.session.flush()
    audit.record(motion.assembly.cooperative, by, "motion.updated", motion, **changed)


def remove_motion(motion: Motion, *, by, confirmed: bool = True) -> None:
    """Take a motion off the agenda before its vote opens, with its candidates; its
    amendments go first, by hand. After the invitation (members could read it) only
    ``confirmed`` (the board's tick; field ``confirm`` otherwise)."""
    _check_motion_changes(motion)
    if amendments_voted(motion):
        raise DomainError(AMENDMENTS_VOTED)
    if motion.amendments:
        raise DomainError(_l("This motion has amendments. Remove them first."))
    if not confirmed and motion.assembly.status is not AssemblyStatus.DRAFT:
        raise DomainError(_l("Tick this box to take it off the agenda."), field="confirm")
    audit.record(
        motion.assembly.cooperative,
        by,
        "motion.removed",
        motion,
        title=motion.title,
        kind=motion.decision_kind.value,
        amends=motion.parent_id,
    )
    delete_motion(motion)


def delete_motion(motion: Motion) -> None:
    """Delete a motion that was never voted on, with its candidates and voting instructions
    (its amendments first: they point at it)."""
    item, parent = motion.agenda_item, motion.parent
    for candidate in motion.candidates:
        db.session.delete(candidate)
    # Instructions of proxies that ended (an active one keeps the motion: motion_fixed).
    db.session.execute(delete(ProxyInstruction).where(ProxyInstruction.motion_id == motion.id))
    db.session.flush()
    # Collections may still hold what was just deleted: read them again when needed.
    db.session.expire(motion, ["candidates", "amendments"])
    db.session.delete(motion)
    db.session.flush()
    db.session.expire(item, ["motions"])
    if parent is not None:
        db.session.expire(parent, ["amendments"])


def motions_of(assembly: Assembly) -> list[Motion]:
    """The assembly's motions with their results (one query for all results)."""
    return db.session.scalars(
        select(Motion)
        .where(Motion.assembly_id == assembly.id)
        .options(selectinload(Motion.result))
        .order_by(Motion.id)
    ).all()


def load_agenda(assembly: Assembly) -> list[AgendaItem]:
    """``assembly.items`` with their documents, in two queries (a page that lists the
    agenda reads every item's documents)."""
    items = db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.assembly_id == assembly.id)
        .options(selectinload(AgendaItem.documents))
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    set_committed_value(assembly, "items", list(items))
    return assembly.items


# The status lock of a vote: closing takes it exclusively, each vote shares it, so no vote
# slips in after the tally. On PostgreSQL an advisory lock in the lock manager (a shared row
# lock would write a MultiXact into the motion's row for every concurrent voter); SQLite has
# one writer at a time anyway. Two int4 keys: this namespace ('vote') and the motion id.
MOTION_LOCK_NAMESPACE = 0x766F7465


def _lock_motion(motion: Motion) -> None:
    """Take the motion's status lock exclusively (it waits for the votes being cast to
    commit), then reread its status under a row lock: a later statement, so it sees every
    vote committed before the lock was granted."""
    query = select(Motion.status).where(Motion.id == motion.id)
    if _is_postgres():
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :motion)"),
            {"namespace": MOTION_LOCK_NAMESPACE, "motion": motion.id},
        )
        query = query.with_for_update()
    status = db.session.scalar(query)
    if status is None:  # removed meanwhile (before its vote opened)
        raise Gone
    set_committed_value(motion, "status", status)


def voting_possible(
    assembly: Assembly, settings: GovernanceRules | VoteRules | None = None
) -> bool:
    """Votes take place in session, or before it (once convened) when the rules allow
    voting in advance."""
    if assembly.status is AssemblyStatus.IN_SESSION:
        return True
    settings = settings or governance(assembly.cooperative)
    return assembly.status is AssemblyStatus.CONVENED and settings.advance_voting


def open_vote(motion: Motion, *, by) -> None:
    assembly = motion.assembly
    if not voting_possible(assembly):
        raise DomainError(_l("Open the assembly first."))
    if motion.adopts_minutes_of_id is not None:
        # The minutes' notes stop changing: wait for a change being saved (it holds that
        # assembly's row), and keep the next one out until this vote is open.
        db.session.execute(
            select(Assembly.id)
            .where(Assembly.id == motion.adopts_minutes_of_id)
            .with_for_update(read=True)
        )
    _lock_motion(motion)
    if motion.status is not MotionStatus.DRAFT:
        raise DomainError(_l("The vote on this motion has already been opened."))
    if any(a.status is not MotionStatus.CLOSED for a in motion.amendments):
        raise DomainError(_l("Vote on the amendments first."))
    if motion.is_election and len(motion.candidates) == 0:
        raise DomainError(_l("Add the candidates first."))
    motion.status = MotionStatus.OPEN
    motion.opened_at = utcnow()
    db.session.flush()
    audit.record(assembly.cooperative, by, "motion.vote_opened", motion)


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def record_date(assembly: Assembly) -> date:
    """The peildatum for vote weights: the day of the assembly (in Amsterdam). Shares
    count as the share register stood at the end of that day, so a member has the same
    weight in every vote of the assembly, also when voting in advance, and the board can
    check the weights against the register printed for that date."""
    return local_date(assembly.starts_at)


def member_shares(membership: Membership, *, on: date) -> int:
    """The votes the member's shares carry on ``on``, from the capital share ledger: the
    shares of each kind times that kind's votes per share (0 for a kind without voting
    rights). One query."""
    from coop.capital import services as capital

    return capital.share_votes([membership.id], on).get(membership.id, 0)


def member_weight(
    membership: Membership, settings: GovernanceRules | VoteRules, *, on: date | None = None
) -> int:
    """The weight of the member's vote: 1 with one member one vote (no query); with
    votes per share, the votes the shares carry on ``on`` (the assembly's record date),
    at most ``share_vote_cap`` and at least 1 (art. 2:38 BW: every member has a vote)."""
    if settings.weighting is not Weighting.PER_SHARE:
        return 1
    shares = member_shares(membership, on=on or today())
    return rules.vote_weight(
        weighting=settings.weighting, shares=shares, cap=settings.share_vote_cap
    )


def member_weights(
    assembly: Assembly, memberships, settings: GovernanceRules | None = None
) -> dict[int, int]:
    """The vote weight per membership id for several members at once (the proxy holder's
    page): one query with votes per share, none with one member one vote."""
    settings = settings or governance(assembly.cooperative)
    ids = [m.id for m in memberships]
    if settings.weighting is not Weighting.PER_SHARE:
        return dict.fromkeys(ids, 1)
    from coop.capital import services as capital

    shares = capital.share_votes(ids, record_date(assembly))
    return {
        member_id: rules.vote_weight(
            weighting=settings.weighting,
            shares=shares.get(member_id, 0),
            cap=settings.share_vote_cap,
        )
        for member_id in ids
    }


class AlreadyVoted(DomainError):
    pass


def counted_on_paper(assembly: Assembly, motion: Motion, *, in_room: bool) -> bool:
    """Whether a member checked in at the door (``in_room``) was counted in the paper
    totals of the motion, and so cannot vote online on it (nor for their grantors)."""
    return bool(assembly.status is AssemblyStatus.IN_SESSION and in_room and motion.paper_total)


PAPER_COUNTED = _l(
    "The votes in the room were counted on paper, so you cannot vote here. Did you come in "
    "after the count? Then tell the chair: your vote can still be added on paper."
)


def cast_vote(
    motion: Motion,
    *,
    voter: Membership,
    choice: Choice,
    on_behalf_of: Membership | None = None,
    candidate_id: int | None = None,
    candidate_ids: list[int] | None = None,
    state: VoteState | None = None,
) -> str:
    """Cast one vote (for the voter, or as proxy holder for a grantor); returns the
    receipt code. ``state``: from ``vote_state`` in this transaction (read here when not
    given). One vote per member per motion is the unique constraint's work.

    In an election the voter picks up to ``motion.seats`` candidates (``candidate_ids``,
    or ``candidate_id`` for one) with choice FOR, or votes blank (ABSTAIN, no
    candidates): one anonymous ballot per pick, all with the same receipt.

    Lean on purpose (a burst of thousands of votes): after the shared status lock, one
    query reads the motion, its status, the rules and the voter's attendance and proxies;
    then the vote row (``ON CONFLICT DO NOTHING`` on the unique constraint) and the
    ballot(s) are written. The number of queries does not depend on the number of
    members or ballots."""
    assembly = motion.assembly
    _check_voting_member(assembly, voter)
    if not isinstance(choice, Choice):
        raise DomainError(_l("Choose for, against or abstain."), field="choice")
    picks: list[int | None] = [None]
    if motion.is_election:
        given = list(candidate_ids or ([] if candidate_id is None else [candidate_id]))
        valid = {c.id for c in motion.candidates}
        if len(given) > motion.seats:
            raise DomainError(
                _l("Choose at most %(seats)s candidates.", seats=motion.seats), field="choice"
            )
        if not (
            (
                choice is Choice.FOR
                and given
                and set(given) <= valid
                and len(set(given)) == len(given)
            )
            or (choice is Choice.ABSTAIN and not given)
        ):
            raise DomainError(_l("Choose a candidate or vote blank."), field="choice")
        picks = given or [None]
    elif candidate_id is not None or candidate_ids:
        raise DomainError(_l("Choose for, against or abstain."), field="choice")
    if state is None or state.motion is not motion:
        state = vote_state(assembly.cooperative, motion.assembly_id, motion.id, voter)
    settings = state.settings
    if not voting_possible(assembly, settings):
        if assembly.status is AssemblyStatus.CLOSED:
            raise DomainError(_l("The assembly is closed."))
        raise DomainError(_l("The assembly is not in session."))
    if motion.status is MotionStatus.DRAFT:
        raise DomainError(_l("The vote on this motion has not been opened yet."))
    if motion.status is MotionStatus.CLOSED:
        raise DomainError(_l("The vote on this motion is closed."))
    in_session = assembly.status is AssemblyStatus.IN_SESSION
    if in_session and not state.checked_in:
        raise DomainError(_l("Check in first: only members who attend can vote."))
    if counted_on_paper(assembly, motion, in_room=state.in_room):
        raise DomainError(PAPER_COUNTED)
    member, proxy = voter, None
    if on_behalf_of is not None and on_behalf_of.id != voter.id:
        proxy = db.session.scalar(
            select(Proxy).where(
                Proxy.assembly_id == assembly.id,
                Proxy.grantor_id == on_behalf_of.id,
                Proxy.holder_id == voter.id,
                Proxy.status == ProxyStatus.ACTIVE,
            )
        )
        if proxy is None:
            raise DomainError(_l("You do not hold a valid proxy for this member."))
        _check_voting_member(assembly, on_behalf_of)
        # A voting instruction binds the holder: a vote against it is refused, not
        # recorded with a warning (the grantor gave the proxy on that condition).
        instructed = db.session.scalar(
            select(ProxyInstruction.choice).where(
                ProxyInstruction.proxy_id == proxy.id, ProxyInstruction.motion_id == motion.id
            )
        )
        if instructed is not None and instructed is not choice:
            from coop.assemblies.forms import CHOICE_LABELS

            raise DomainError(
                _l(
                    "%(name)s asked you to vote '%(instruction)s' on this motion. "
                    "Your vote for %(name)s was not recorded.",
                    name=on_behalf_of.name,
                    instruction=CHOICE_LABELS[instructed],
                ),
                field="choice",
            )
        member = on_behalf_of
    weight = member_weight(member, settings, on=record_date(assembly))
    receipt = new_receipt()
    ballots = [
        {
            "id": uuid.uuid4().hex,
            "motion_id": motion.id,
            "choice": choice,
            "candidate_id": pick,
            "weight": weight,
            "receipt": receipt,
        }
        for pick in picks
    ]
    vote = {
        "motion_id": motion.id,
        "membership_id": member.id,
        "cast_by_id": voter.id,
        "proxy_id": proxy.id if proxy is not None else None,
        "choice": None if motion.secret else choice,
        "candidate_id": None if motion.secret else picks[0],
        "in_room": in_session and state.in_room,
        "in_session": in_session,
        "assembly_id": assembly.id,
    }
    # The unique constraint (motion, member) decides: a second vote inserts nothing. On
    # PostgreSQL the vote row and the first ballot go in one statement (the ballot is
    # written only when the vote row is).
    if _is_postgres():
        first = {f"ballot_{key}": value for key, value in ballots[0].items()}
        inserted = db.session.scalar(_insert_vote_and_ballot_statement(), {**vote, **first})
        ballots = ballots[1:]
    else:
        inserted = db.session.scalar(_insert_vote_statement(False), vote)
    if inserted is None:
        now = db.session.execute(
            select(Motion.status, Motion.paper_total.label("paper_total")).where(
                Motion.id == motion.id
            )
        ).one()
        if now.status is not MotionStatus.OPEN:
            raise DomainError(_l("The vote on this motion is closed."))
        if vote["in_room"] and now.paper_total:
            raise DomainError(PAPER_COUNTED)
        if in_session and attendance_of(assembly, voter) is None:
            raise DomainError(_l("Check in first: only members who attend can vote."))
        if member is voter:
            raise AlreadyVoted(_l("You have already voted on this motion."))
        raise AlreadyVoted(
            _l("A vote for %(name)s on this motion has already been cast.", name=member.name)
        )
    if ballots:
        db.session.execute(insert(Ballot.__table__), ballots)
    if member is voter and state.gave_proxy:
        # A proxy is void once its grantor votes (in advance, or online in session).
        voided = active_proxies(assembly, grantor=voter)
        for given in voided:
            given.status = ProxyStatus.VOID
            given.ended_at = utcnow()
        db.session.flush()
        for given in voided:  # rare (the grantor's first own vote): not on every vote
            audit.record(
                assembly.cooperative,
                voter,
                "assembly.proxy_voided",
                given,
                grantor=voter.number,
                holder=given.holder.number,
                motion=motion.id,
            )
    return receipt


@dataclass(frozen=True)
class VoteRules:
    """The rules a vote reads: three columns of the cooperative's rules, not the whole row
    (an ORM object costs a vote more than these checks do)."""

    weighting: Weighting
    share_vote_cap: int | None
    advance_voting: bool

    @classmethod
    def of(cls, rules: GovernanceRules) -> VoteRules:
        return cls(rules.weighting, rules.share_vote_cap, rules.advance_voting)


@cache
def _default_vote_rules() -> VoteRules:
    return VoteRules.of(default_rules(None))


@dataclass
class VoteState:
    """What a vote needs to know, read at once under the motion's shared status lock."""

    motion: Motion
    settings: VoteRules
    checked_in: bool
    gave_proxy: bool
    in_room: bool = False  # checked in at the door (not online)


def vote_state(cooperative, assembly_id: int, motion_id: int, voter: Membership) -> VoteState:
    """In one query: the motion with its assembly (of this cooperative; NotFound
    otherwise), the cooperative's rules, whether the voter is checked in and whether they
    gave a proxy that is still active; on PostgreSQL the same query takes the motion's
    status lock shared. The status it reads may be from just before the lock was granted
    (a statement reads what was committed when it began); the vote's insert checks the
    status again, after the lock (``cast_vote``)."""
    message = _l("This motion does not exist.")
    if not all(isinstance(i, int) and 0 < i <= MAX_ID for i in (assembly_id, motion_id)):
        raise NotFound(message)
    postgres = _is_postgres()
    parameters = {
        "assembly_id": assembly_id,
        "motion_id": motion_id,
        "voter_id": voter.id,
        "cooperative_id": cooperative.id,
    }
    if postgres:
        parameters["namespace"] = MOTION_LOCK_NAMESPACE
    row = db.session.execute(_vote_state_statement(postgres), parameters).first()
    if row is None or row.Motion.assembly.cooperative_id != cooperative.id:
        raise NotFound(message)
    settings = (
        _default_vote_rules()
        if row.rules_id is None
        else VoteRules(row.weighting, row.share_vote_cap, row.advance_voting)
    )
    return VoteState(
        row.Motion,
        settings,
        checked_in=row.attends_online is not None,
        gave_proxy=bool(row.gave_proxy),
        in_room=row.attends_online is False,
    )


@cache
def _vote_state_statement(postgres: bool):
    """The query of ``vote_state``, built once per process and dialect (building it is a
    good part of the CPU of a vote); the values are bound parameters."""
    assembly_id = bindparam("assembly_id")
    voter_id = bindparam("voter_id")
    # NULL: not checked in; false: checked in at the door; true: attends online.
    attends_online = (
        select(Attendance.online)
        .where(Attendance.assembly_id == assembly_id, Attendance.membership_id == voter_id)
        .scalar_subquery()
    )
    gave_proxy = (
        select(Proxy.id)
        .where(
            Proxy.assembly_id == assembly_id,
            Proxy.grantor_id == voter_id,
            Proxy.status == ProxyStatus.ACTIVE,
        )
        .exists()
    )
    columns = [
        Motion,
        GovernanceRules.id.label("rules_id"),
        GovernanceRules.weighting,
        GovernanceRules.share_vote_cap,
        GovernanceRules.advance_voting,
        attends_online.label("attends_online"),
        gave_proxy.label("gave_proxy"),
    ]
    if postgres:
        # Evaluated for the one row found: the lock is held from here until the commit.
        columns.append(
            func.pg_advisory_xact_lock_shared(
                bindparam("namespace", type_=Integer), bindparam("motion_id", type_=Integer)
            ).label("locked")
        )
    assembly = defaultload(Motion.assembly)
    return (
        select(*columns)
        .outerjoin(GovernanceRules, GovernanceRules.cooperative_id == bindparam("cooperative_id"))
        .where(Motion.id == bindparam("motion_id"), Motion.assembly_id == assembly_id)
        # The cooperative came with the voter's memberships: taken from the session.
        .options(assembly.lazyload(Assembly.cooperative))
        # What a vote and its receipt read, no more (a motion's text may be long; every
        # column costs CPU on every vote). Other columns load when something reads them.
        .options(
            load_only(
                Motion.assembly_id,
                Motion.parent_id,
                Motion.title,
                Motion.decision_kind,
                Motion.secret,
                Motion.status,
                Motion.seats,
                Motion.paper_for,
                Motion.paper_against,
                Motion.paper_abstain,
            ),
            assembly.load_only(
                Assembly.cooperative_id,
                Assembly.title,
                Assembly.starts_at,
                Assembly.is_second,
                Assembly.status,
            ),
        )
        .execution_options(populate_existing=True)
    )


@cache
def _insert_vote_statement(postgres: bool):
    """``INSERT INTO votes … SELECT … WHERE <the motion is open> ON CONFLICT (motion_id,
    membership_id) DO NOTHING RETURNING id``, built once per dialect; the values are
    passed when it runs. A later statement than ``vote_state``'s, it sees the status as
    it is under the lock: a vote closed meanwhile inserts nothing."""
    table = Vote.__table__
    # In session the voter is checked in, as it is now: a check-in taken back meanwhile
    # (``undo_check_in``, under the exclusive lock) was not committed when ``vote_state``
    # read it.
    attends = (
        select(Attendance.id)
        .where(
            Attendance.assembly_id == bindparam("assembly_id", type_=Integer),
            Attendance.membership_id == bindparam("cast_by_id", type_=Integer),
        )
        .exists()
    )
    motion_open = (
        select(Motion.id)
        .where(
            Motion.id == bindparam("motion_id"),
            Motion.status == MotionStatus.OPEN,
            # Once the chair entered the paper totals, the room has voted.
            or_(not_(bindparam("in_room", type_=Boolean)), Motion.paper_total == 0),
            or_(not_(bindparam("in_session", type_=Boolean)), attends),
        )
        .exists()
    )
    values = select(
        bindparam("motion_id", type_=Integer),
        bindparam("membership_id", type_=Integer),
        bindparam("cast_by_id", type_=Integer),
        bindparam("proxy_id", type_=Integer),
        bindparam("choice", type_=table.c.choice.type),
        bindparam("candidate_id", type_=Integer),
    ).where(motion_open)
    return (
        _insert_ignoring_duplicate(table, ("motion_id", "membership_id"), postgres=postgres)
        .from_select(
            ["motion_id", "membership_id", "cast_by_id", "proxy_id", "choice", "candidate_id"],
            values,
        )
        .returning(table.c.id)
    )


@cache
def _insert_vote_and_ballot_statement():
    """PostgreSQL: ``WITH vote AS (<the vote's insert>) INSERT INTO ballots … SELECT …
    FROM vote RETURNING id``: the ballot is written when, and only when, the vote row
    is; nothing in it refers to the vote row. Built once per process."""
    table = Ballot.__table__
    vote = _insert_vote_statement(True).cte("vote")
    values = select(
        bindparam("ballot_id", type_=table.c.id.type),
        bindparam("ballot_motion_id", type_=Integer),
        bindparam("ballot_choice", type_=table.c.choice.type),
        bindparam("ballot_candidate_id", type_=Integer),
        bindparam("ballot_weight", type_=Integer),
        bindparam("ballot_receipt", type_=table.c.receipt.type),
    ).select_from(vote)
    return (
        insert(table)
        .from_select(["id", "motion_id", "choice", "candidate_id", "weight", "receipt"], values)
        .returning(table.c.id)
    )


def _insert_ignoring_duplicate(model, unique: tuple[str, ...], *, postgres: bool | None = None):
    """``INSERT … ON CONFLICT (unique) DO NOTHING`` on PostgreSQL and SQLite: the row is
    written, or nothing (``RETURNING`` gives no row) when the unique constraint holds one."""
    if _is_postgres() if postgres is None else postgres:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model).on_conflict_do_nothing(index_elements=list(unique))


def voted_ids(motion: Motion, membership_ids) -> set[int]:
    ids = list(membership_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Vote.membership_id).where(
                Vote.motion_id == motion.id, Vote.membership_id.in_(ids)
            )
        )
    )


@dataclass
class Turnout:
    eligible: int
    present: int
    represented: int
    online_votes: int


@dataclass(frozen=True)
class WithoutVote:
    """Members present or represented who have not voted online, in two groups: ``room``,
    at the door (or represented by a holder there), who may vote on paper; ``online``,
    taking part online (or represented by a holder online), who vote online only."""

    room: int
    online: int


def room_without_vote(motion: Motion) -> WithoutVote:
    """Who has not voted online yet (see ``WithoutVote``): ``room`` is the most paper
    votes there can be. Counted member by member, not as a difference of totals: a vote
    cast for a grantor who withdrew the proxy later, or by a member whose membership ended
    since, is not someone in the room. Members online are not in it: they can still vote
    online after the paper count, and would count twice."""
    row = db.session.execute(_room_without_vote_statement(), _counting_parameters(motion)).one()
    return WithoutVote(row.present + row.represented, row.present_online + row.represented_online)


@cache
def _room_without_vote_statement():
    motion_id, assembly_id = bindparam("motion_id"), bindparam("assembly_id")

    def without_vote(member_id):
        return ~(
            select(Vote.id)
            .where(Vote.motion_id == motion_id, Vote.membership_id == member_id)
            .exists()
        )

    def represented(online: bool):
        return (
            select(func.count())
            .select_from(Proxy)
            .join(Membership, Membership.id == Proxy.grantor_id)
            .where(
                Proxy.assembly_id == assembly_id,
                Proxy.status == ProxyStatus.ACTIVE,
                # A grantor whose membership ended cannot vote (``cast_vote``).
                Membership.status == MembershipStatus.ACTIVE,
                _holder_attends(assembly_id, online=online),
                without_vote(Proxy.grantor_id),
            )
        )

    def present(online: bool):
        return _present(
            assembly_id, Attendance.online.is_(online), without_vote(Attendance.membership_id)
        )

    return select(
        present(False).scalar_subquery().label("present"),
        represented(False).scalar_subquery().label("represented"),
        present(True).scalar_subquery().label("present_online"),
        represented(True).scalar_subquery().label("represented_online"),
    )


def _present(assembly_id, *where):
    """Count the checked-in members of the assembly whose membership is active."""
    return (
        select(func.count())
        .select_from(Attendance)
        .join(Membership, Membership.id == Attendance.membership_id)
        .where(
            Attendance.assembly_id == assembly_id,
            Membership.status == MembershipStatus.ACTIVE,
            *where,
        )
    )


def _holder_attends(assembly_id, *, online: bool | None = None):
    """The condition 'the proxy's holder is checked in' on a proxy (``online``: at the door,
    False, or online, True; None: either)."""
    query = select(Attendance.id).where(
        Attendance.assembly_id == assembly_id, Attendance.membership_id == Proxy.holder_id
    )
    if online is not None:
        query = query.where(Attendance.online.is_(online))
    return query.exists()


def _turnout_counts(*, online: bool, advance_voting: bool) -> list:
    """The counts of a turnout as labelled scalar subqueries, to be read in one statement
    (also with the count of the ballots, see ``tally``), for the bound parameters
    ``motion_id``, ``assembly_id`` and ``cooperative_id``: ``eligible`` (the members with
    voting rights: ``count(*)`` over the (cooperative, status) index, read from the index
    alone), ``present``, ``represented`` (active proxies whose holder is checked in, or,
    with advance voting, who voted for the grantor in advance), with advance voting
    ``in_advance`` and with ``online`` the votes cast online."""
    motion_id = bindparam("motion_id")
    assembly_id = bindparam("assembly_id")
    represented_by = [_holder_attends(assembly_id)]
    if advance_voting:
        # A holder who voted for the grantor in advance (without checking in) represents
        # the grantor in this vote, as a member who voted in advance counts as present.
        represented_by.append(
            select(Vote.id)
            .where(
                Vote.motion_id == motion_id,
                Vote.membership_id == Proxy.grantor_id,
                Vote.proxy_id.is_not(None),
            )
            .exists()
        )
    counts = {
        "eligible": select(func.count())
        .select_from(Membership)
        .where(*_with_voting_rights(bindparam("cooperative_id"))),
        "present": _present(assembly_id),
        # A member is represented when the holder of their proxy attends: an active proxy
        # of a holder who is not checked in represents no one (yet).
        "represented": select(func.count())
        .select_from(Proxy)
        .where(
            Proxy.assembly_id == assembly_id,
            Proxy.status == ProxyStatus.ACTIVE,
            or_(*represented_by),
        ),
    }
    if online:
        counts["online"] = select(func.count()).select_from(Vote).where(Vote.motion_id == motion_id)
    if advance_voting:
        # Members who voted themselves without checking in (in advance) count as present.
        counts["in_advance"] = (
            select(func.count())
            .select_from(Vote)
            .where(
                Vote.motion_id == motion_id,
                Vote.proxy_id.is_(None),
                Vote.membership_id.not_in(
                    select(Attendance.membership_id).where(Attendance.assembly_id == assembly_id)
                ),
            )
        )
    return [query.scalar_subquery().label(name) for name, query in counts.items()]


def _counting_parameters(motion: Motion) -> dict:
    assembly = motion.assembly
    return {
        "motion_id": motion.id,
        "assembly_id": assembly.id,
        "cooperative_id": assembly.cooperative_id,
    }


def _turnout_of(row, *, online: int | None = None) -> Turnout:
    """The ``Turnout`` from a row that holds the columns of ``_turnout_counts``."""
    counts = row._mapping
    present = counts["present"] + counts.get("in_advance", 0)
    online = counts["online"] if online is None else online
    return Turnout(counts["eligible"], present, counts["represented"], online)


@cache
def _turnout_statement(*, online: bool, advance_voting: bool):
    """The query of ``turnout``, built once per process."""
    return select(*_turnout_counts(online=online, advance_voting=advance_voting))


def turnout(
    motion: Motion, *, online: int | None = None, settings: GovernanceRules | None = None
) -> Turnout:
    """Members with voting rights, present and represented, and the votes cast online
    (``online`` when the caller counted them already): one statement."""
    settings = settings or governance(motion.assembly.cooperative)
    statement = _turnout_statement(online=online is None, advance_voting=settings.advance_voting)
    row = db.session.execute(statement, _counting_parameters(motion)).one()
    return _turnout_of(row, online=online)


PAPER_NOT_WEIGHED = _l(
    "With votes per share, paper votes cannot be counted: a total on paper does not show "
    "how many votes each member has. Members vote online; at the door the board can help."
)


def _paper_room(motion: Motion) -> int:
    """The checks before paper votes are saved, under the motion's status lock; returns how
    many members present or represented have not voted online (the most there can be)."""
    # Wait for the votes being cast (they hold the lock shared) before counting them, and
    # keep new ones out until the totals are saved: they then see them (``cast_vote``).
    _lock_motion(motion)
    if motion.status is not MotionStatus.OPEN:
        raise DomainError(_l("Paper votes can be entered while the vote is open."))
    if motion.assembly.status is not AssemblyStatus.IN_SESSION:
        raise DomainError(_l("Paper votes are counted in the meeting, once it is open."))
    settings = governance(motion.assembly.cooperative)
    if settings.weighting is Weighting.PER_SHARE:
        # A total on paper cannot say whose vote weighed how much.
        raise DomainError(PAPER_NOT_WEIGHED)
    return room_without_vote(motion).room


def _check_paper_total(total: int, possible: int) -> None:
    """``total`` members voting on paper fit in the room: ``possible`` (``_paper_room``)."""
    if total <= possible:
        return
    if not possible:
        raise DomainError(
            _l(
                "Every member present or represented has already voted online, so there "
                "can be no paper votes."
            )
        )
    raise DomainError(
        _l(
            "You entered %(total)s paper votes, but there can be at most %(possible)s: "
            "that many members present or represented have not voted online.",
            total=total,
            possible=possible,
        )
    )


def set_paper_votes(motion: Motion, *, for_: int, against: int, abstain: int, by) -> None:
    if motion.is_election:
        raise DomainError(_l("Enter the paper votes of an election per candidate."))
    possible = _paper_room(motion)
    if min(for_, against, abstain) < 0:
        raise DomainError(_l("Give 0 or more."))
    _check_paper_total(for_ + against + abstain, possible)
    motion.paper_for, motion.paper_against, motion.paper_abstain = for_, against, abstain
    db.session.flush()
    audit.record(
        motion.assembly.cooperative,
        by,
        "motion.paper_votes",
        motion,
        paper_for=for_,
        paper_against=against,
        paper_abstain=abstain,
    )


def set_election_paper_votes(
    motion: Motion, *, candidates: dict[int, int], blank: int, ballots: int | None = None, by
) -> None:
    """The paper ballots of an election counted in the room: the votes per candidate
    (``candidates``: candidate id to votes), the blank ballots, and, with more than one
    seat, the ballots with one or more names (``ballots``; with one seat, each ballot
    with a name has one). The ballots are members: they must fit in the room."""
    if not motion.is_election:
        raise DomainError(_l("Choose a candidate or vote blank."))
    possible = _paper_room(motion)
    standing = {c.id: c for c in motion.candidates}
    if set(candidates) != set(standing):
        raise DomainError(_l("The candidates have changed. Reload the page and try again."))
    if min([blank, *candidates.values(), *([] if ballots is None else [ballots])]) < 0:
        raise DomainError(_l("Give 0 or more."))
    votes = sum(candidates.values())
    if motion.seats == 1:
        ballots = votes
    elif ballots is None:
        raise DomainError(_l("Give the number of ballots with one or more names."), "ballots")
    else:
        for candidate_id, count in candidates.items():
            if count > ballots:
                raise DomainError(
                    _l(
                        "%(name)s has %(count)s votes on paper, but there are only %(ballots)s "
                        "ballots with names: a ballot names a candidate once.",
                        name=standing[candidate_id].name,
                        count=count,
                        ballots=ballots,
                    ),
                    f"candidate_{candidate_id}",
                )
        if votes > ballots * motion.seats:
            raise DomainError(
                _l(
                    "%(votes)s votes on paper is more than %(ballots)s ballots can hold: each "
                    "names at most %(seats)s candidates.",
                    votes=votes,
                    ballots=ballots,
                    seats=motion.seats,
                ),
                "ballots",
            )
        if votes < ballots:
            raise DomainError(
                _l(
                    "%(ballots)s ballots with names need at least %(ballots)s votes for "
                    "candidates; you entered %(votes)s.",
                    ballots=ballots,
                    votes=votes,
                ),
                "ballots",
            )
    _check_paper_total(ballots + blank, possible)
    motion.paper_for, motion.paper_against, motion.paper_abstain = ballots, 0, blank
    for candidate_id, count in candidates.items():
        standing[candidate_id].paper_votes = count
    db.session.flush()
    audit.record(
        motion.assembly.cooperative,
        by,
        "motion.paper_votes",
        motion,
        paper_ballots=ballots,
        paper_blank=blank,
        paper_candidates={str(k): v for k, v in sorted(candidates.items())},
    )


def not_voted(motion: Motion, waiting: WithoutVote) -> int:
    """Members present or represented who have voted neither online nor on paper
    (``waiting``: ``room_without_vote``)."""
    return max(waiting.room - motion.paper_total, 0) + waiting.online


class NotVotedYet(DomainError):
    """More members present or represented have not voted than the chair confirmed."""

    def __init__(self, count: int):
        super().__init__(_l("Some members have not voted yet."), field="confirm")
        self.count = count


def close_vote(
    motion: Motion, *, by, shuffle: bool = True, not_voted_confirmed: int | None = None
) -> MotionResult:
    """Close the vote: wait for the votes being cast, count once, store the result, and,
    for a secret vote, write the ballots again in a random order (``shuffle_ballots``;
    ``shuffle=False`` only for the benchmark that times the count alone). An open vote
    keeps its ballots as they are: who voted what is shown after the close anyway.

    ``not_voted_confirmed``: how many members without a vote the chair agreed to close
    with (``not_voted``); with more, under the lock, ``NotVotedYet``."""
    _lock_motion(motion)
    if motion.status is MotionStatus.DRAFT:
        raise DomainError(_l("The vote on this motion has not been opened yet."))
    if motion.status is MotionStatus.CLOSED:
        raise DomainError(_l("The vote on this motion is already closed."))
    if not_voted_confirmed is not None:
        left = not_voted(motion, room_without_vote(motion))
        if left > not_voted_confirmed:
            raise NotVotedYet(left)
    motion.status = MotionStatus.CLOSED
    motion.closed_at = utcnow()
    result = tally(motion)
    if shuffle and motion.secret:
        shuffle_ballots(motion)
    if result.adopted and motion.adopts_minutes_of_id is not None:
        _adopt_minutes(motion, by=by)
    if motion.decision_kind is DecisionKind.STATUTES and not motion.is_amendment:
        from coop.statutes import services as statutes_services  # statutes build on us

        statutes_services.motion_closed(motion, result, by=by)
    audit.record(
        motion.assembly.cooperative,
        by,
        "motion.vote_closed",
        motion,
        adopted=result.adopted,
        for_weight=result.for_weight,
        against_weight=result.against_weight,
        abstain_weight=result.abstain_weight,
        cast=result.cast_weight,
        quorum_met=result.quorum_met,
    )
    return result


def shuffle_ballots(motion: Motion) -> None:
    """Write the motion's ballots again, in a random order and with new random keys, and
    delete the ones written while the vote was open (in the closing transaction).

    While a vote is open, a ballot sits where it was written: on PostgreSQL the heap keeps
    rows in the order they came (``ctid``) and stamps them with the writing transaction
    (``xmin``), the same order and transaction as the voter's participation row. After the
    close the ballots are all written by one transaction in an order that says nothing
    about who voted when. (Until VACUUM, the dead old rows stay in the table's files; the
    database's own log keeps its history: neither is readable through SQL by the app.)

    The order is that of the new keys, random (122 random bits of a version 4 UUID on
    PostgreSQL, 128 of ``randomblob`` on SQLite), so a random order too: written in key
    order, the new keys go into the primary key's index one after the other instead of
    all over it. SQLite's table (WITHOUT ROWID) keeps its rows in key order anyway."""
    params = {"motion": motion.id}
    if _is_postgres():
        db.session.execute(
            text(
                "WITH old AS (DELETE FROM ballots WHERE motion_id = :motion "
                "RETURNING choice, candidate_id, weight, receipt) "
                "INSERT INTO ballots (id, motion_id, choice, candidate_id, weight, receipt) "
                "SELECT replace(new.key::text, '-', ''), :motion, choice, candidate_id, "
                "weight, receipt FROM (SELECT gen_random_uuid() AS key, choice, candidate_id, "
                "weight, receipt FROM old) AS new ORDER BY new.key"
            ),
            params,
        )
        return
    db.session.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS ballots_shuffle "
            "(choice VARCHAR(20), candidate_id INTEGER, weight INTEGER, receipt VARCHAR(20))"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO ballots_shuffle (choice, candidate_id, weight, receipt) "
            "SELECT choice, candidate_id, weight, receipt FROM ballots WHERE motion_id = :motion"
        ),
        params,
    )
    db.session.execute(delete(Ballot).where(Ballot.motion_id == motion.id))
    db.session.execute(
        text(
            "INSERT INTO ballots (id, motion_id, choice, candidate_id, weight, receipt) "
            "SELECT lower(hex(randomblob(16))) AS key, :motion, choice, candidate_id, weight, "
            "receipt FROM ballots_shuffle ORDER BY key"
        ),
        params,
    )
    db.session.execute(text("DELETE FROM ballots_shuffle"))


@cache
def _tally_statement(*, advance_voting: bool):
    """The one statement of the count (``tally``), built once per process: per choice the
    number of ballots, the lowest weight and, only where the weights differ, their sum;
    and the turnout (``_turnout_counts``).

    Each part reads the covering index (motion, choice, weight): the number is a
    ``count(*)`` over the index alone, the lowest and the highest weight one index lookup
    each; the sum is read only where those two differ (votes per share). With equal weights
    the weight is the number times that weight, so the common case reads each index entry
    once and adds nothing up."""
    motion_id = bindparam("motion_id")
    columns = []
    for choice in Choice:
        mine = (Ballot.motion_id == motion_id, Ballot.choice == choice)
        lowest = select(func.min(Ballot.weight)).where(*mine).scalar_subquery()
        highest = select(func.max(Ballot.weight)).where(*mine).scalar_subquery()
        summed = select(func.sum(Ballot.weight)).where(*mine).scalar_subquery()
        number = select(func.count()).select_from(Ballot).where(*mine).scalar_subquery()
        columns += [
            number.label(f"{choice.value}_count"),
            lowest.label(f"{choice.value}_lowest"),
            case((lowest != highest, summed)).label(f"{choice.value}_sum"),
        ]
    return select(*columns, *_turnout_counts(online=False, advance_voting=advance_voting))


def _choice_totals(row) -> dict[Choice, tuple[int, int]]:
    """(number of ballots, their weight) per choice from a row of ``_tally_statement``:
    without a sum all ballots of the choice weigh the same (or there are none)."""
    columns = row._mapping
    totals = {}
    for choice in Choice:
        count = int(columns[f"{choice.value}_count"])
        lowest, summed = columns[f"{choice.value}_lowest"], columns[f"{choice.value}_sum"]
        weight = int(summed) if summed is not None else count * int(lowest or 0)
        totals[choice] = (count, weight)
    return totals


def tally(motion: Motion) -> MotionResult:
    """Count once and store the result, with the rules it was counted by (the quorum that
    applied and whether blank votes count as cast): the results page explains the numbers
    by them, even after the rules change."""
    settings = governance(motion.assembly.cooperative)
    rule = decision_rule(settings, motion.decision_kind)
    count = _tally_election if motion.is_election else _tally_motion
    result = count(motion, settings, rule)
    result.quorum_percent = _quorum_percent(motion, settings, rule)
    result.blank_votes_count = settings.blank_votes_count
    return _store(result, motion)


def _tally_motion(motion: Motion, settings, rule) -> MotionResult:
    """The result of a motion (for, against, abstain), not stored yet."""
    row = db.session.execute(
        _tally_statement(advance_voting=settings.advance_voting), _counting_parameters(motion)
    ).one()
    counts = _choice_totals(row)
    online = sum(count for count, _ in counts.values())
    paper = {
        Choice.FOR: motion.paper_for,
        Choice.AGAINST: motion.paper_against,
        Choice.ABSTAIN: motion.paper_abstain,
    }
    n = {c: counts[c][0] + paper[c] for c in Choice}
    w = {c: counts[c][1] + paper[c] for c in Choice}
    people = _turnout_of(row, online=online)  # one ballot per vote row
    quorum_percent = _quorum_percent(motion, settings, rule)
    quorum_ok = rules.quorum_met(
        eligible=people.eligible,
        present=people.present,
        represented=people.represented,
        quorum_percent=quorum_percent,
    )
    blank = settings.blank_votes_count
    majority_ok = rules.majority_met(
        for_=w[Choice.FOR],
        against=w[Choice.AGAINST],
        abstain=w[Choice.ABSTAIN],
        blank_votes_count=blank,
        rule=rule,
    )
    cast_weight = rules.votes_cast(
        for_=w[Choice.FOR],
        against=w[Choice.AGAINST],
        abstain=w[Choice.ABSTAIN],
        blank_votes_count=blank,
    )
    cast = rules.votes_cast(
        for_=n[Choice.FOR],
        against=n[Choice.AGAINST],
        abstain=n[Choice.ABSTAIN],
        blank_votes_count=blank,
    )
    adopted = quorum_ok and majority_ok
    texts = {}
    for locale in ("nl", "en"):
        with force_locale(locale):
            texts[locale] = rules.outcome_text(
                adopted=adopted,
                quorum_ok=quorum_ok,
                for_=w[Choice.FOR],
                cast=cast_weight,
                present_or_represented=people.present + people.represented,
                eligible=people.eligible,
                rule=rules.DecisionRule(
                    quorum_percent, rule.majority, rule.numerator, rule.denominator
                ),
                blank=0 if blank else n[Choice.ABSTAIN],  # members, not votes
            )
    return MotionResult(
        motion_id=motion.id,
        eligible=people.eligible,
        present=people.present,
        represented=people.represented,
        cast=cast,
        cast_weight=cast_weight,
        for_count=n[Choice.FOR],
        against_count=n[Choice.AGAINST],
        abstain_count=n[Choice.ABSTAIN],
        for_weight=w[Choice.FOR],
        against_weight=w[Choice.AGAINST],
        abstain_weight=w[Choice.ABSTAIN],
        online_count=online,
        paper_count=sum(paper.values()),
        quorum_met=quorum_ok,
        majority_met=majority_ok,
        adopted=adopted,
        outcome_nl=texts["nl"],
        outcome_en=texts["en"],
    )


def _quorum_percent(motion: Motion, settings, rule) -> int | None:
    if motion.assembly.is_second and settings.second_assembly_without_quorum:
        return None
    return rule.quorum_percent


def _store(result: MotionResult, motion: Motion) -> MotionResult:
    try:
        with db.session.begin_nested():
            db.session.add(result)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("The vote on this motion is already closed.")) from None
    # The motion had no result (its status was rechecked under the lock): set it without
    # loading the old value first.
    set_committed_value(motion, "result", result)
    return result


def _tally_election(motion: Motion, settings, rule) -> MotionResult:
    """One seat: the candidate with the most votes is elected when those votes meet the
    majority rule of the votes cast; a tie elects no one."""
    rows = db.session.execute(
        select(Ballot.candidate_id, func.count(), func.coalesce(func.sum(Ballot.weight), 0))
        .where(Ballot.motion_id == motion.id)
        .group_by(Ballot.candidate_id)
    ).all()
    per = {candidate_id: (int(n), int(w)) for candidate_id, n, w in rows}
    blank_n, blank_w = per.pop(None, (0, 0))
    online = sum(n for n, _ in per.values()) + blank_n  # one seat: a ballot is a voter
    # The paper ballots of the room (weight 1: no paper with votes per share).
    paper = motion.paper_for + motion.paper_abstain
    for candidate in motion.candidates:
        if candidate.paper_votes:
            n, w = per.get(candidate.id, (0, 0))
            per[candidate.id] = (n + candidate.paper_votes, w + candidate.paper_votes)
    blank_n, blank_w = blank_n + motion.paper_abstain, blank_w + motion.paper_abstain
    if motion.seats > 1:
        return _tally_seats(motion, settings, rule, per, blank_n, blank_w)
    people = turnout(motion, online=online, settings=settings)
    quorum_percent = _quorum_percent(motion, settings, rule)
    quorum_ok = rules.quorum_met(
        eligible=people.eligible,
        present=people.present,
        represented=people.represented,
        quorum_percent=quorum_percent,
    )
    standings = sorted(
        (
            {
                "id": c.id,
                "name": c.name,
                "count": per.get(c.id, (0, 0))[0],
                "weight": per.get(c.id, (0, 0))[1],
                "elected": False,
            }
            for c in motion.candidates
        ),
        key=lambda row: (-row["weight"], row["name"]),
    )
    votes_w = sum(row["weight"] for row in standings)
    votes_n = sum(row["count"] for row in standings)
    blank = settings.blank_votes_count
    cast_w = votes_w + (blank_w if blank else 0)
    cast_n = votes_n + (blank_n if blank else 0)
    top = standings[0] if standings and standings[0]["weight"] > 0 else None
    tie = bool(top) and len(standings) > 1 and standings[1]["weight"] == top["weight"]
    majority_ok = (
        bool(top)
        and not tie
        and rules.majority_met(
            for_=top["weight"],
            against=votes_w - top["weight"],
            abstain=blank_w,
            blank_votes_count=blank,
            rule=rule,
        )
    )
    elected = quorum_ok and majority_ok
    if elected:
        top["elected"] = True
    return _election_result(
        motion,
        people,
        votes=(votes_n, votes_w),
        blank=(blank_n, blank_w),
        cast=(cast_n, cast_w),
        online=online,
        paper=paper,
        quorum_ok=quorum_ok,
        majority_ok=majority_ok,
        adopted=elected,
        standings=standings,
        text=lambda: rules.election_text(
            elected=top["name"] if elected else None,
            top_name=top["name"] if top else None,
            top_votes=top["weight"] if top else 0,
            cast=cast_w,
            tie=tie,
            quorum_ok=quorum_ok,
            present_or_represented=people.present + people.represented,
            eligible=people.eligible,
            rule=rules.DecisionRule(
                quorum_percent, rule.majority, rule.numerator, rule.denominator
            ),
            blank=0 if settings.blank_votes_count else blank_n,
        ),
    )


def _election_result(
    motion: Motion,
    people,
    *,
    votes: tuple[int, int],
    blank: tuple[int, int],
    cast: tuple[int, int],
    online: int,
    paper: int,
    quorum_ok: bool,
    majority_ok: bool,
    adopted: bool,
    standings: list[dict],
    text,
) -> MotionResult:
    """An election's result, not stored yet: ``votes``, ``blank`` and ``cast`` as (count, weight),
    online and on paper included; ``online`` and ``paper``: the voters of each;
    ``text()`` gives the outcome in words in the current locale (called for nl and en)."""
    texts = {}
    for locale in ("nl", "en"):
        with force_locale(locale):
            texts[locale] = text()
    return MotionResult(
        motion_id=motion.id,
        eligible=people.eligible,
        present=people.present,
        represented=people.represented,
        cast=cast[0],
        cast_weight=cast[1],
        for_count=votes[0],
        against_count=0,
        abstain_count=blank[0],
        for_weight=votes[1],
        against_weight=0,
        abstain_weight=blank[1],
        online_count=online,
        paper_count=paper,
        quorum_met=quorum_ok,
        majority_met=majority_ok,
        adopted=adopted,
        outcome_nl=texts["nl"],
        outcome_en=texts["en"],
        candidates=standings,
    )


def _tally_seats(motion: Motion, settings, rule, per, blank_n, blank_w) -> MotionResult:
    """More seats: each voter picked up to ``seats`` candidates (one ballot row per pick,
    the same receipt). The votes cast count each voter once; see ``rules.fill_seats``."""
    voters = select(Ballot.receipt.label("receipt"), func.max(Ballot.weight).label("weight")).where(
        Ballot.motion_id == motion.id, Ballot.candidate_id.is_not(None)
    )
    voters = voters.group_by(Ballot.receipt).subquery()
    voters_n, voters_w = db.session.execute(
        select(func.count(), func.coalesce(func.sum(voters.c.weight), 0))
    ).one()
    online = int(voters_n) + blank_n - motion.paper_abstain  # ``blank_n`` has the paper ones
    # The paper ballots with names: a voter each, of weight 1 (as in _tally_election).
    voters_n, voters_w = int(voters_n) + motion.paper_for, int(voters_w) + motion.paper_for
    people = turnout(motion, online=online, settings=settings)
    quorum_percent = _quorum_percent(motion, settings, rule)
    quorum_ok = rules.quorum_met(
        eligible=people.eligible,
        present=people.present,
        represented=people.represented,
        quorum_percent=quorum_percent,
    )
    standings = sorted(
        (
            {
                "id": c.id,
                "name": c.name,
                "count": per.get(c.id, (0, 0))[0],
                "weight": per.get(c.id, (0, 0))[1],
                "elected": False,
            }
            for c in motion.candidates
        ),
        key=lambda row: (-row["weight"], row["name"]),
    )
    blank = settings.blank_votes_count
    cast_w = voters_w + (blank_w if blank else 0)
    cast_n = voters_n + (blank_n if blank else 0)
    elected, tied_seats = rules.fill_seats(
        [row["weight"] for row in standings],
        seats=motion.seats,
        voters=voters_w,
        blank=blank_w,
        blank_votes_count=blank,
        rule=rule,
    )
    for row, won in zip(standings, elected, strict=True):
        row["elected"] = quorum_ok and won
    chosen = [(row["name"], row["weight"]) for row in standings if row["elected"]]
    tied_votes = standings[tied_seats[0] - 1]["weight"] if tied_seats else 0
    return _election_result(
        motion,
        people,
        votes=(voters_n, voters_w),
        blank=(blank_n, blank_w),
        cast=(cast_n, cast_w),
        online=online,
        paper=motion.paper_for + motion.paper_abstain,
        quorum_ok=quorum_ok,
        majority_ok=bool(chosen),
        adopted=bool(chosen),
        standings=standings,
        text=lambda: rules.seats_text(
            seats=motion.seats,
            elected=chosen,
            tied_seats=tied_seats,
            tied_votes=tied_votes,
            cast=cast_w,
            quorum_ok=quorum_ok,
            present_or_represented=people.present + people.represented,
            eligible=people.eligible,
            rule=rules.DecisionRule(
                quorum_percent, rule.majority, rule.numerator, rule.denominator
            ),
            blank=0 if settings.blank_votes_count else blank_n,
        ),
    )


def open_votes_of(motion: Motion) -> list[Vote]:
    """Who voted what on an open ballot (shown after the close)."""
    if motion.secret:
        return []
    return db.session.scalars(
        select(Vote)
        .join(Membership, Membership.id == Vote.membership_id)
        .options(joinedload(Vote.cast_by))
        .where(Vote.motion_id == motion.id)
        .order_by(Membership.number)
    ).all()


def counted_ballots(motion: Motion) -> list[tuple[str, Choice, int | None]]:
    """The published list of counted ballots (receipt, choice, candidate), in receipt
    order."""
    return db.session.execute(
        select(Ballot.receipt, Ballot.choice, Ballot.candidate_id)
        .where(Ballot.motion_id == motion.id)
        .order_by(Ballot.receipt)
    ).all()


def decisions(cooperative) -> list[Motion]:
    """The decision list (besluitenlijst): every closed vote of the cooperative."""
    return db.session.scalars(
        select(Motion)
        .join(Assembly, Assembly.id == Motion.assembly_id)
        .join(MotionResult, MotionResult.motion_id == Motion.id)
        .where(Assembly.cooperative_id == cooperative.id, Motion.status == MotionStatus.CLOSED)
        .options(contains_eager(Motion.result))  # the join above, not a query per motion
        .order_by(Assembly.starts_at, Motion.closed_at, Motion.id)
    ).all()


def my_votes(motion: Motion, membership_ids) -> set[int]:
    return voted_ids(motion, membership_ids)
