"""Cooperative rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coop import audit
from coop.core.forms import parse_postcode_ranges
from coop.core.models import Cooperative, LegalForm
from coop.errors import DomainError
from coop.extensions import db

PUBLIC_FIELDS = ("name", "wijk", "purpose", "joining_info", "contact_email")
ALL_FIELDS = (
    *PUBLIC_FIELDS,
    "slug",
    "legal_form",
    "kvk_number",
    "seat",
    "parent_id",
    "founded_on",
    "fy_start_month",
    "postcode_ranges",
)


def get_by_slug(slug: str) -> Cooperative | None:
    return db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))


def _clean(data: dict) -> dict:
    data = dict(data)
    if "legal_form" in data and isinstance(data["legal_form"], str):
        data["legal_form"] = LegalForm[data["legal_form"]]
    if "postcode_ranges" in data and isinstance(data["postcode_ranges"], str):
        data["postcode_ranges"] = parse_postcode_ranges(data["postcode_ranges"])
    if "parent_id" in data and not data["parent_id"]:
        data["parent_id"] = None
    for key in ("kvk_number", "contact_email"):
        if key in data and not data[key]:
            data[key] = None
    return data


def _check(cooperative: Cooperative | None, data: dict) -> None:
    slug = data.get("slug")
    if slug is not None:
        other = get_by_slug(slug)
        if other is not None and other is not cooperative:
            raise DomainError(_l("Another cooperative already uses this name."), field="slug")
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(Cooperative, parent_id)
        if parent is None:
            raise DomainError(_l("Choose a cooperative from the list."), field="parent_id")
        node = parent
        while node is not None:
            if cooperative is not None and node.id == cooperative.id:
                raise DomainError(_l("A cooperative cannot be part of itself."), field="parent_id")
            node = node.parent
        # Two levels: a city cooperative and its neighbourhood cooperatives (as the form's list).
        if parent.parent_id is not None:
            raise DomainError(_l("Choose a cooperative from the list."), field="parent_id")
        if cooperative is not None and cooperative.children:
            raise DomainError(
                _l(
                    "This cooperative has neighbourhood cooperatives of its own. It cannot be "
                    "part of another cooperative."
                ),
                field="parent_id",
            )


def create(data: dict, *, by) -> Cooperative:
    data = _clean({k: v for k, v in data.items() if k in ALL_FIELDS})
    _check(None, data)
    cooperative = Cooperative(**data)
    db.session.add(cooperative)
    db.session.flush()
    audit.record(cooperative, by, "cooperative.created", cooperative, fields=sorted(data))
    audit.record(None, by, "cooperative.created", cooperative, slug=cooperative.slug)
    return cooperative


def update(cooperative: Cooperative, data: dict, *, by, fields=PUBLIC_FIELDS) -> list[str]:
    data = _clean({k: v for k, v in data.items() if k in fields})
    _check(cooperative, data)
    changed = []
    for key, value in data.items():
        if getattr(cooperative, key) != value:
            setattr(cooperative, key, value)
            changed.append(key)
    if changed:
        audit.record(cooperative, by, "cooperative.updated", cooperative, fields=changed)
        db.session.flush()
    return changed


def parent_choices(exclude: Cooperative | None = None) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Cooperative.id, Cooperative.name)
        .where(Cooperative.parent_id.is_(None))
        .order_by(Cooperative.name)
    ).all()
    return [(row.id, row.name) for row in rows if exclude is None or row.id != exclude.id]
