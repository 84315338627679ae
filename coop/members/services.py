"""Membership rules (board functions for now)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coop import audit
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function, Membership, MembershipFunction, MembershipStatus


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
