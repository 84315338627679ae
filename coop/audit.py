"""Append-only audit events, chained by SHA-256 per cooperative (and one platform chain)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event, func, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import utcnow
from coop.extensions import db

GENESIS = "0" * 64


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("scope", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int]
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def compute_hash(self) -> str:
        body = {
            "scope": self.scope,
            "seq": self.seq,
            "cooperative_id": self.cooperative_id,
            "actor_id": self.actor_id,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "data": self.data,
            "created_at": self.created_at.isoformat(),
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


def scope_of(cooperative) -> str:
    return f"coop:{cooperative.id}" if cooperative is not None else "platform"


def _lock_scope(scope: str) -> None:
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": scope})


def _unwrap(value):
    """current_user is a proxy; audit the object behind it."""
    getter = getattr(value, "_get_current_object", None)
    return getter() if getter is not None else value


def _tail(scope: str) -> tuple[int, str]:
    """Lock the chain and return its last sequence number and hash."""
    _lock_scope(scope)
    last = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.scope == scope)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def _actor_id(actor) -> int | None:
    actor_user = getattr(_unwrap(actor), "user", _unwrap(actor))  # a Membership or a User
    return actor_user.id if actor_user is not None else None


def record(cooperative, actor, action: str, subject=None, **data) -> AuditEvent:
    """Append an event to the cooperative's chain (or the platform chain) in this transaction."""
    scope = scope_of(cooperative)
    seq, prev = _tail(scope)
    subject = _unwrap(subject)
    if subject is not None and getattr(subject, "id", None) is None:
        db.session.flush()
    item = AuditEvent(
        scope=scope,
        seq=seq + 1,
        cooperative_id=cooperative.id if cooperative is not None else None,
        actor_id=_actor_id(actor),
        action=action,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        data=json.loads(json.dumps(data, default=str)),
        created_at=utcnow(),
        prev_hash=prev,
    )
    item.hash = item.compute_hash()
    db.session.add(item)
    db.session.flush()
    return item


_COLUMNS = [column.key for column in AuditEvent.__table__.c if column.key != "id"]


def record_many(
    cooperative, actor, action: str, subject_type: str, events: list[tuple[int, dict]]
) -> None:
    """``record`` for many subjects at once (one per ``(subject id, data)``): the same chain
    and hashes, written with bulk inserts instead of a query per event."""
    if not events:
        return
    scope = scope_of(cooperative)
    seq, prev = _tail(scope)
    actor_id, created = _actor_id(actor), utcnow()
    rows = []
    for subject_id, data in events:
        seq += 1
        item = AuditEvent(
            scope=scope,
            seq=seq,
            cooperative_id=cooperative.id,
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            data=json.loads(json.dumps(data, default=str)),
            created_at=created,
            prev_hash=prev,
        )
        prev = item.hash = item.compute_hash()
        rows.append(
            {
                column.key: getattr(item, column.key)
                for column in AuditEvent.__table__.c
                if column.key != "id"
            }
        )
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(AuditEvent.__table__), rows[start : start + 2000])


@dataclass
class VerifyResult:
    ok: bool
    events: int
    chains: int
    problem: str | None = None


def verify() -> VerifyResult:
    """Walk every chain; report the first broken link."""
    scopes = db.session.scalars(select(AuditEvent.scope).distinct().order_by(AuditEvent.scope))
    count = 0
    chains = 0
    for scope in scopes.all():
        chains += 1
        prev = GENESIS
        expected_seq = 1
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.scope == scope)
            .order_by(AuditEvent.seq)
            .execution_options(populate_existing=True)
        )
        for item in rows:
            count += 1
            where = f"chain {scope}, event {item.id} (#{item.seq})"
            if item.seq != expected_seq:
                return VerifyResult(False, count, chains, f"{where}: event #{expected_seq} missing")
            if item.prev_hash != prev:
                return VerifyResult(False, count, chains, f"{where}: previous hash does not match")
            if item.compute_hash() != item.hash:
                return VerifyResult(False, count, chains, f"{where}: content was changed")
            prev = item.hash
            expected_seq += 1
    return VerifyResult(True, count, chains)


def count_for(cooperative) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.scope == scope_of(cooperative))
    )
