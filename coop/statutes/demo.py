"""Demo statutes: the library in the database; Overvecht has statutes in force (from
the buurtcoöperatie model text), Lombok a draft with a few choices of its own."""

from __future__ import annotations

from sqlalchemy import select

from coop.db import today, utcnow
from coop.extensions import db
from coop.statutes import services
from coop.statutes.models import Statutes, StatutesStatus


def load(cooperatives: dict) -> None:
    services.sync_library()
    versions = {v.template.slug: v for v in services.latest_versions()}
    version = versions.get("buurtcooperatie")
    if version is None:
        return
    overvecht, lombok = cooperatives["overvecht"], cooperatives["lombok"]
    if _none_yet(overvecht):
        statutes = services.start_draft(overvecht, template_version=version, by=None)
        services.update_draft(
            statutes, {**statutes.parameters, "electronic_participation": True}, by=None
        )
        # The demo skips the assembly: these statutes were adopted before Buurtcoop.
        statutes.status = StatutesStatus.ADOPTED
        statutes.adopted_at = utcnow()
        db.session.flush()
        services.record_deed(statutes, deed_on=today(), by=None)
    if _none_yet(lombok):
        draft = services.start_draft(lombok, template_version=version, by=None)
        services.update_draft(
            draft,
            {
                **draft.parameters,
                "notice_days": 21,
                "majority_statutes": "3/4",
                "advance_voting": True,
            },
            by=None,
        )


def _none_yet(cooperative) -> bool:
    return (
        db.session.scalar(select(Statutes.id).where(Statutes.cooperative_id == cooperative.id))
        is None
    )
