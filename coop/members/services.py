"""Membership rules: applications, admission, contact details, functions, ending."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from coop import audit
from coop.db import today as local_today
from coop.db import utcnow
from coop.errors import DomainError, NotFound
from coop.extensions import db
from coop.members.models import (
    Application,
    ApplicationStatus,
    EndReason,
    Function,
    MemberKind,
    Membership,
    MembershipFunction,
    MembershipStatus,
    MembershipStatusChange,
)
from coop.members.rules import normalise_iban, normalise_postcode, resignation_end_date


def find_by_number(cooperative, number: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.cooperative_id == cooperative.id, Membership.number == number
        )
    )


# Ids come from URLs; anything beyond a 32-bit key cannot exist and must not reach the
# database driver (SQLite raises OverflowError past 64 bits, PostgreSQL "out of range").
MAX_ID = 2**31 - 1


def get_membership(cooperative, membership_id: int) -> Membership:
    if not 0 < membership_id <= MAX_ID:
        raise DomainError(_l("This member does not exist."))
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.cooperative_id != cooperative.id:
        raise DomainError(_l("This member does not exist."))
    return membership


def function_holders(cooperative) -> list[Membership]:
    return db.session.scalars(
        select(Membership)
        .join(MembershipFunction)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status != MembershipStatus.ENDED,
        )
        .distinct()
        .order_by(Membership.number)
    ).all()


def _count_with(cooperative, function: Function, *, besides: Membership | None = None) -> int:
    """Active members holding the function, not counting ``besides``."""
    query = (
        select(func.count(MembershipFunction.id))
        .join(Membership)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.ACTIVE,
            MembershipFunction.function == function,
        )
    )
    if besides is not None:
        query = query.where(Membership.id != besides.id)
    return db.session.scalar(query)


def grant_function(cooperative, *, number: int, function: Function, by) -> Membership:
    membership = find_by_number(cooperative, number)
    if membership is None:
        raise DomainError(_l("There is no member with this number."), field="number")
    if not membership.is_active:
        raise DomainError(_l("Only active members can hold a function."), field="number")
    if function in membership.function_set:
        raise DomainError(_l("This member already has this function."), field="function")
    membership.functions.append(MembershipFunction(function=function))
    db.session.flush()
    audit.record(cooperative, by, "member.function_granted", membership, function=function.value)
    return membership


def revoke_function(cooperative, membership: Membership, function: Function, *, by) -> None:
    held = [f for f in membership.functions if f.function is function]
    if not held:
        raise DomainError(_l("This member does not have this function."))
    # Two board members removing each other at the same moment must not both see "one more
    # is left": take the cooperative's audit lock (PostgreSQL) before counting.
    audit._lock_scope(audit.scope_of(cooperative))
    # Who can still hand out functions once this one is gone? Only active members count;
    # a suspended member's function can always be removed.
    others_admin = _count_with(cooperative, Function.ADMIN, besides=membership)
    keeps_admin = Function.ADMIN in membership.function_set and function is not Function.ADMIN
    if function is Function.ADMIN and membership.is_active and others_admin == 0:
        raise DomainError(
            _l("This is the last administrator. Make someone else administrator first.")
        )
    if (
        function is Function.CHAIR
        and membership.is_active
        and others_admin == 0
        and not keeps_admin
        and _count_with(cooperative, Function.CHAIR, besides=membership) == 0
    ):
        raise DomainError(
            _l(
                "Someone must be able to hand out functions. Appoint a new chair or an "
                "administrator first."
            )
        )
    for item in held:
        membership.functions.remove(item)
    db.session.flush()
    audit.record(cooperative, by, "member.function_revoked", membership, function=function.value)


# Applications and admission ---------------------------------------------------------------

APPLICATION_FIELDS = (
    "name",
    "contact_person",
    "street",
    "house_number",
    "postcode",
    "city",
    "phone",
    "kvk_number",
    "iban",
    "in_directory",
)
# A member also chooses what the members' directory shows.
CONTACT_FIELDS = (*APPLICATION_FIELDS, "directory_email", "directory_phone", "directory_address")


def _clean_contact(data: dict, fields: tuple[str, ...] = CONTACT_FIELDS) -> dict:
    clean = {key: data.get(key) for key in fields if key in data}
    for key in ("contact_person", "street", "house_number", "city", "phone"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if "postcode" in clean:
        clean["postcode"] = normalise_postcode(clean["postcode"] or "") or ""
    if "iban" in clean:
        clean["iban"] = normalise_iban(clean["iban"]) if clean["iban"] else None
    if "kvk_number" in clean:
        clean["kvk_number"] = clean["kvk_number"] or None
    for key in ("in_directory", "directory_email", "directory_phone", "directory_address"):
        if key in clean:
            clean[key] = bool(clean[key])
    return clean


def _outside(cooperative, postcode: str) -> bool:
    return bool(postcode) and bool(cooperative.postcode_ranges) and not cooperative.serves(postcode)


def open_application(cooperative, user) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.cooperative_id == cooperative.id,
            Application.user_id == user.id,
            Application.status.in_((ApplicationStatus.PENDING, ApplicationStatus.QUESTION)),
        )
    )


def check_can_apply(cooperative, user) -> None:
    from coop.access import membership_of

    if membership_of(user, cooperative) is not None:
        raise DomainError(_l("You are already a member of this cooperative."))
    if open_application(cooperative, user) is not None:
        raise DomainError(_l("You have already applied. The board will let you know by e-mail."))


def apply(
    cooperative, user, *, kind: MemberKind, data: dict, today: date | None = None
) -> Application:
    from coop.capital import services as capital

    check_can_apply(cooperative, user)
    clean = _clean_contact(data, APPLICATION_FIELDS)
    if kind is MemberKind.BEWONER and not clean.get("postcode"):
        raise DomainError(_l("Fill in this field."), field="postcode")
    application = Application(
        cooperative_id=cooperative.id,
        user_id=user.id,
        kind=kind,
        accepted_terms_at=utcnow(),
        outside_area=_outside(cooperative, clean.get("postcode", "")),
        **clean,
    )
    db.session.add(application)
    db.session.flush()
    audit.record(
        cooperative,
        user,
        "application.received",
        application,
        kind=kind.value,
        outside_area=application.outside_area,
    )
    # When the cooperative asks for it, the applicant pays the minimum holding first.
    capital.request_admission_shares(application, today=today or local_today(), by=user)
    return application


def get_application(cooperative, application_id: int) -> Application:
    application = (
        db.session.get(Application, application_id) if 0 < application_id < 2**31 else None
    )
    if application is None or application.cooperative_id != cooperative.id:
        raise NotFound(_l("This application does not exist."))
    return application


def application_queue(cooperative) -> list[Application]:
    return db.session.scalars(
        select(Application)
        .where(
            Application.cooperative_id == cooperative.id,
            Application.status.in_((ApplicationStatus.PENDING, ApplicationStatus.QUESTION)),
        )
        .order_by(Application.created_at)
    ).all()


def _require_open(application: Application) -> None:
    if not application.is_open:
        raise DomainError(_l("This application has already been decided."))


def next_member_number(cooperative) -> int:
    """Atomically take the next number: sequential, never reused, safe under concurrency."""
    from coop.core.models import Cooperative

    number = db.session.execute(
        update(Cooperative)
        .where(Cooperative.id == cooperative.id)
        .values(last_member_number=Cooperative.last_member_number + 1)
        .returning(Cooperative.last_member_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(cooperative, ["last_member_number"])
    return number


def record_status(membership: Membership, status: MembershipStatus, effective_on: date) -> None:
    membership.status = status
    db.session.add(
        MembershipStatusChange(
            membership_id=membership.id, status=status, effective_on=effective_on
        )
    )


def write_history(membership: Membership) -> None:
    """The status history of a membership made outside the usual steps (demo data, tests):
    ACTIVE on the admission date and, for an ended one, ENDED the day after the last day.
    Nothing when it has a history already."""
    known = db.session.scalar(
        select(func.count(MembershipStatusChange.id)).where(
            MembershipStatusChange.membership_id == membership.id
        )
    )
    if known or membership.admitted_on is None:
        return
    changes = [(MembershipStatus.ACTIVE, membership.admitted_on)]
    if membership.status is MembershipStatus.ENDED and membership.ended_on is not None:
        changes.append((MembershipStatus.ENDED, membership.ended_on + timedelta(days=1)))
    for status, effective_on in changes:
        db.session.add(
            MembershipStatusChange(
                membership_id=membership.id, status=status, effective_on=effective_on
            )
        )
    db.session.flush()


def admit(application: Application, *, by, on: date) -> Membership:
    from coop.capital import services as capital

    _require_open(application)
    cooperative = application.cooperative
    if membership_of_user(cooperative, application.user) is not None:
        raise DomainError(_l("This person is already a member."))
    capital.check_admission_paid(application)
    membership = Membership(
        cooperative_id=cooperative.id,
        user_id=application.user_id,
        kind=application.kind,
        number=next_member_number(cooperative),
        admitted_on=on,
        **{key: getattr(application, key) for key in APPLICATION_FIELDS},
        outside_area=application.outside_area,
    )
    db.session.add(membership)
    db.session.flush()
    record_status(membership, MembershipStatus.ACTIVE, on)
    application.status = ApplicationStatus.ADMITTED
    application.decided_at = utcnow()
    application.membership_id = membership.id
    audit.record(
        cooperative,
        by,
        "member.admitted",
        membership,
        number=membership.number,
        application=application.id,
    )
    capital.issue_admission_shares(application, membership, on=on, by=by)
    db.session.flush()
    return membership


def reject(application: Application, *, by, reason: str) -> None:
    from coop.capital import services as capital

    _require_open(application)
    capital.cancel_admission_charge(application, by=by)
    application.status = ApplicationStatus.REJECTED
    application.decision_note = reason
    application.decided_at = utcnow()
    audit.record(application.cooperative, by, "application.rejected", application)
    db.session.flush()


def ask_question(application: Application, *, by, question: str) -> None:
    _require_open(application)
    application.status = ApplicationStatus.QUESTION
    application.question = question
    audit.record(application.cooperative, by, "application.question_asked", application)
    db.session.flush()


def membership_of_user(cooperative, user) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.cooperative_id == cooperative.id,
            Membership.user_id == user.id,
            Membership.status != MembershipStatus.ENDED,
        )
    )


def memberships_of(user) -> list[Membership]:
    return db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    ).all()


def board_addresses(cooperative) -> list[tuple[str, str]]:
    """(e-mail, locale) of the secretary, chair and administrators."""
    from coop.accounts.models import User

    rows = db.session.execute(
        select(User.email, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .join(MembershipFunction)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.ACTIVE,
            MembershipFunction.function.in_((Function.SECRETARY, Function.CHAIR, Function.ADMIN)),
        )
        .distinct()
    ).all()
    return [(row.email, row.locale) for row in rows]


# Contact details ---------------------------------------------------------------------------


def update_contact(membership: Membership, data: dict, *, by) -> list[str]:
    clean = _clean_contact(data)
    if membership.kind is MemberKind.BEWONER and "postcode" in clean and not clean["postcode"]:
        raise DomainError(_l("Fill in this field."), field="postcode")
    changed = [key for key, value in clean.items() if getattr(membership, key) != value]
    for key in changed:
        setattr(membership, key, clean[key])
    if "postcode" in changed:
        membership.outside_area = _outside(membership.cooperative, membership.postcode)
    if changed:
        audit.record(
            membership.cooperative,
            by,
            "member.details_changed",
            membership,
            fields=changed,
            outside_area=membership.outside_area,
        )
        db.session.flush()
    return changed


# Ending a membership -----------------------------------------------------------------------


def resignation_date(membership: Membership, today: date) -> date:
    cooperative = membership.cooperative
    return resignation_end_date(
        today,
        notice_weeks=cooperative.resignation_notice_weeks,
        at_year_end=cooperative.resign_at_year_end,
        fy_start_month=cooperative.fy_start_month,
    )


def _require_not_ending(membership: Membership) -> None:
    if membership.status is MembershipStatus.ENDED:
        raise DomainError(_l("This membership has already ended."))
    if membership.ends_on is not None:
        raise DomainError(_l("This membership already ends on a set date."))


def resign(membership: Membership, *, today: date, by) -> date:
    _require_not_ending(membership)
    membership.resignation_requested_on = today
    membership.ends_on = resignation_date(membership, today)
    membership.end_reason = EndReason.RESIGNED
    audit.record(
        membership.cooperative,
        by,
        "member.resigned",
        membership,
        ends_on=membership.ends_on.isoformat(),
    )
    db.session.flush()
    return membership.ends_on


def pending_endings(cooperative) -> list[Membership]:
    return db.session.scalars(
        select(Membership)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status != MembershipStatus.ENDED,
            Membership.ends_on.is_not(None),
        )
        .order_by(Membership.ends_on, Membership.number)
    ).all()


def accept_earlier_end(membership: Membership, *, ends_on: date, today: date, by) -> None:
    if membership.ends_on is None or membership.status is MembershipStatus.ENDED:
        raise DomainError(_l("This member has not resigned."))
    if ends_on >= membership.ends_on:
        raise DomainError(_l("Choose a date before the current end date."), field="ends_on")
    if ends_on < membership.resignation_requested_on or ends_on < today - timedelta(days=1):
        raise DomainError(_l("The end date cannot be in the past."), field="ends_on")
    membership.ends_on = ends_on
    audit.record(
        membership.cooperative,
        by,
        "member.end_date_changed",
        membership,
        ends_on=ends_on.isoformat(),
    )
    db.session.flush()


def end_membership(
    membership: Membership, *, reason: EndReason, note: str, ends_on: date, today: date, by
) -> None:
    """Opzegging door de coöperatie or ontzetting, by the board."""
    if membership.status is MembershipStatus.ENDED:
        raise DomainError(_l("This membership has already ended."))
    if reason is EndReason.RESIGNED:
        raise DomainError(_l("Choose a reason."), field="reason")
    if ends_on < today:
        raise DomainError(_l("The end date cannot be in the past."), field="ends_on")
    if membership.id == getattr(by, "id", None):
        raise DomainError(_l("You cannot end your own membership here. Resign instead."))
    membership.ends_on = ends_on
    membership.end_reason = reason
    membership.end_note = note
    audit.record(
        membership.cooperative,
        by,
        "member.ended_by_board",
        membership,
        reason=reason.value,
        ends_on=ends_on.isoformat(),
    )
    db.session.flush()
    process_ending(membership, today=today, by=by)


def process_ending(membership: Membership, *, today: date, by=None) -> bool:
    """End the membership when its last day has passed; True when it ended now."""
    if membership.ends_on is None or membership.ends_on >= today:
        return False
    if membership.status is MembershipStatus.ENDED:
        return False
    membership.ended_on = membership.ends_on
    record_status(membership, MembershipStatus.ENDED, membership.ends_on + timedelta(days=1))
    for item in list(membership.functions):
        membership.functions.remove(item)
    audit.record(
        membership.cooperative,
        by,
        "member.ended",
        membership,
        ended_on=membership.ended_on.isoformat(),
    )
    db.session.flush()
    return True


def process_due_endings(today: date) -> int:
    due = db.session.scalars(
        select(Membership).where(
            Membership.status != MembershipStatus.ENDED,
            Membership.ends_on.is_not(None),
            Membership.ends_on < today,
        )
    ).all()
    return sum(process_ending(m, today=today) for m in due)


# Privacy (AVG) -----------------------------------------------------------------------------

ANONYMOUS_NAME = "—"


def recently_ended(cooperative, limit: int = 50) -> list[Membership]:
    return db.session.scalars(
        select(Membership)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.ENDED,
        )
        .order_by(Membership.ended_on.desc(), Membership.number.desc())
        .limit(limit)
    ).all()


def anonymise(membership: Membership, *, by) -> None:
    """Remove name, contact details and IBAN of an ended membership. Number, dates and the
    capital and payment history stay, as the law requires keeping them."""
    if membership.status is not MembershipStatus.ENDED:
        raise DomainError(_l("Only an ended membership can be anonymised."))
    if membership.anonymised:
        raise DomainError(_l("This membership is already anonymised."))
    membership.name = ANONYMOUS_NAME
    membership.anonymised_at = utcnow()
    for key in ("contact_person", "street", "house_number", "postcode", "city", "phone"):
        setattr(membership, key, "")
    membership.iban = None
    membership.kvk_number = None
    membership.in_directory = False
    membership.directory_email = membership.directory_phone = False
    membership.directory_address = False
    membership.end_note = ""
    for application in db.session.scalars(
        select(Application).where(
            Application.cooperative_id == membership.cooperative_id,
            Application.user_id == membership.user_id,
        )
    ):
        application.name = ANONYMOUS_NAME
        for key in (
            "contact_person",
            "street",
            "house_number",
            "postcode",
            "city",
            "phone",
            "question",
            "decision_note",
        ):
            setattr(application, key, "")
        application.iban = None
        application.kvk_number = None
    audit.record(membership.cooperative, by, "member.anonymised", membership)
    db.session.flush()


def personal_data(user) -> dict:
    """Everything Buurtcoop keeps about a person, for the AVG right of access."""

    def dump(row, fields):
        out = {}
        for key in fields:
            value = getattr(row, key)
            if hasattr(value, "value"):
                value = value.value
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            out[key] = value
        return out

    membership_fields = (
        "number",
        "kind",
        "status",
        "name",
        "admitted_on",
        "ended_on",
        "street",
        "house_number",
        "postcode",
        "city",
        "phone",
        "kvk_number",
        "contact_person",
        "iban",
        "in_directory",
        "directory_email",
        "directory_phone",
        "directory_address",
        "resignation_requested_on",
        "ends_on",
        "end_reason",
        "end_note",
    )
    application_fields = (
        "kind",
        "status",
        "name",
        "street",
        "house_number",
        "postcode",
        "city",
        "phone",
        "kvk_number",
        "contact_person",
        "iban",
        "in_directory",
        "accepted_terms_at",
        "question",
        "decision_note",
        "created_at",
        "decided_at",
    )
    memberships = []
    for membership in memberships_of(user):
        history = db.session.scalars(
            select(MembershipStatusChange)
            .where(MembershipStatusChange.membership_id == membership.id)
            .order_by(MembershipStatusChange.effective_on, MembershipStatusChange.id)
        ).all()
        memberships.append(
            {
                "cooperative": membership.cooperative.name,
                **dump(membership, membership_fields),
                "functions": sorted(f.function.value for f in membership.functions),
                "status_history": [dump(h, ("status", "effective_on")) for h in history],
            }
        )
    applications = db.session.scalars(
        select(Application).where(Application.user_id == user.id).order_by(Application.id)
    ).all()
    return {
        "account": dump(
            user, ("email", "name", "locale", "created_at", "email_verified_at", "last_login_at")
        ),
        "memberships": memberships,
        "applications": [
            {"cooperative": a.cooperative.name, **dump(a, application_fields)} for a in applications
        ],
    }
