"""Statutes rules: the library, drafts, proposal to an assembly, adoption, the notarial
deed and entry into force (which sets the governance and membership rules), sharing.
Services flush and never commit."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from coop import audit
from coop.assemblies import services as assembly_services
from coop.assemblies.models import (
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyStatus,
    DecisionKind,
    ItemKind,
    Majority,
    Motion,
    MotionResult,
    MotionStatus,
    Weighting,
)
from coop.db import today as local_today
from coop.db import utcnow
from coop.errors import DomainError, NotFound
from coop.extensions import db
from coop.statutes import rendering, schema
from coop.statutes.models import (
    Statutes,
    StatutesStatus,
    StatuteTemplate,
    StatuteTemplateVersion,
)

LIBRARY = Path(__file__).parent / "library"
MAX_ID = 2**31 - 1
OPEN_STATUSES = (StatutesStatus.DRAFT, StatutesStatus.PROPOSED)


class InvalidParameters(DomainError):
    """Parameter values that do not pass the schema; ``errors`` maps each field to its
    message."""

    def __init__(self, errors: dict):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


# The library -------------------------------------------------------------------------------


def read_library(path: Path = LIBRARY) -> list[dict]:
    """The model texts in ``path`` (one folder per slug), checked and ready to store."""
    found = []
    for folder in sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []:
        meta_file, nl_file, en_file = (folder / n for n in ("meta.json", "nl.md", "en.md"))
        if not (meta_file.is_file() and nl_file.is_file() and en_file.is_file()):
            continue
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        entry = {
            "slug": folder.name,
            "meta": meta,
            "text_nl": nl_file.read_text(encoding="utf-8"),
            "text_en": en_file.read_text(encoding="utf-8"),
        }
        canonical = json.dumps(
            [meta, entry["text_nl"], entry["text_en"]], sort_keys=True, ensure_ascii=False
        )
        entry["sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
        found.append(entry)
    return found


def check_version_texts(text_nl: str, text_en: str, defaults: dict) -> None:
    """Both languages pass the sandbox check and render with the defaults."""
    values = schema.defaults(defaults)
    values.update({k: v or "x" for k, v in values.items() if k in ("name", "seat", "purpose")})
    for source, lang in ((text_nl, "nl"), (text_en, "en")):
        rendering.check_template(source)
        rendering.render_text(source, values, lang)


def sync_library(path: Path = LIBRARY) -> list[StatuteTemplateVersion]:
    """Store every model text of the library; a changed text becomes a new version (the
    stored versions never change). Idempotent: returns the versions it added."""
    added = []
    for entry in read_library(path):
        meta = entry["meta"]
        defaults = {k: v for k, v in (meta.get("defaults") or {}).items() if k in schema.BY_KEY}
        check_version_texts(entry["text_nl"], entry["text_en"], defaults)
        template = db.session.scalar(
            select(StatuteTemplate).where(StatuteTemplate.slug == entry["slug"])
        )
        if template is None:
            template = StatuteTemplate(slug=entry["slug"])
            db.session.add(template)
            db.session.flush()
        latest = db.session.scalar(
            select(StatuteTemplateVersion)
            .where(StatuteTemplateVersion.template_id == template.id)
            .order_by(StatuteTemplateVersion.version.desc())
            .limit(1)
        )
        if latest is not None and latest.sha256 == entry["sha256"]:
            continue
        number = max(int(meta.get("version") or 1), latest.version + 1 if latest else 1)
        version = StatuteTemplateVersion(
            template_id=template.id,
            version=number,
            title_nl=meta["title"]["nl"],
            title_en=meta["title"]["en"],
            summary_nl=(meta.get("summary") or {}).get("nl", ""),
            summary_en=(meta.get("summary") or {}).get("en", ""),
            defaults=defaults,
            text_nl=entry["text_nl"],
            text_en=entry["text_en"],
            sha256=entry["sha256"],
        )
        db.session.add(version)
        db.session.flush()
        audit.record(
            None, None, "statutes.template_version_added", version, slug=template.slug,
            version=number, sha256=entry["sha256"],
        )  # fmt: skip
        added.append(version)
    return added


def latest_versions() -> list[StatuteTemplateVersion]:
    """The newest version of every template, by slug."""
    newest = (
        select(
            StatuteTemplateVersion.template_id,
            func.max(StatuteTemplateVersion.version).label("version"),
        )
        .group_by(StatuteTemplateVersion.template_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(StatuteTemplateVersion)
            .join(
                newest,
                (newest.c.template_id == StatuteTemplateVersion.template_id)
                & (newest.c.version == StatuteTemplateVersion.version),
            )
            .join(StatuteTemplate)
            .order_by(StatuteTemplate.slug)
        )
    )


def get_template_version(version_id) -> StatuteTemplateVersion:
    if not isinstance(version_id, int) or not 0 < version_id <= MAX_ID:
        raise NotFound(_l("Choose a model text."), field="template_version_id")
    version = db.session.get(StatuteTemplateVersion, version_id)
    if version is None:
        raise NotFound(_l("Choose a model text."), field="template_version_id")
    return version


# Reading -----------------------------------------------------------------------------------


def get(cooperative, statutes_id: int) -> Statutes:
    if not isinstance(statutes_id, int) or not 0 < statutes_id <= MAX_ID:
        raise NotFound(_l("These statutes do not exist."))
    statutes = db.session.get(Statutes, statutes_id)
    if statutes is None or statutes.cooperative_id != cooperative.id:
        raise NotFound(_l("These statutes do not exist."))
    return statutes


def history(cooperative) -> list[Statutes]:
    return list(
        db.session.scalars(
            select(Statutes)
            .where(Statutes.cooperative_id == cooperative.id)
            .order_by(Statutes.number.desc())
        )
    )


def in_force(cooperative) -> Statutes | None:
    return db.session.scalar(
        select(Statutes).where(
            Statutes.cooperative_id == cooperative.id,
            Statutes.status == StatutesStatus.IN_FORCE,
        )
    )


def open_draft(cooperative) -> Statutes | None:
    return db.session.scalar(
        select(Statutes).where(
            Statutes.cooperative_id == cooperative.id, Statutes.status.in_(OPEN_STATUSES)
        )
    )


def document(statutes: Statutes, lang: str, values: dict | None = None) -> rendering.Document:
    return rendering.render_document(
        statutes.template_version, statutes.parameters if values is None else values, lang
    )


def compare(old: Statutes, new: Statutes, lang: str) -> list[rendering.ArticlePair]:
    if old.cooperative_id != new.cooperative_id:
        raise NotFound(_l("These statutes do not exist."))
    return rendering.compare(document(old, lang), document(new, lang))


def published_elsewhere(cooperative) -> list[Statutes]:
    """Statutes other cooperatives published to the knowledge network (a start for a
    draft)."""
    from coop.knowledge.models import ItemStatus, KnowledgeItem

    return list(
        db.session.scalars(
            select(Statutes)
            .join(KnowledgeItem, KnowledgeItem.id == Statutes.knowledge_item_id)
            .where(
                Statutes.cooperative_id != cooperative.id,
                KnowledgeItem.status == ItemStatus.PUBLISHED,
                KnowledgeItem.hidden_at.is_(None),
            )
            .order_by(Statutes.adopted_at.desc())
        )
    )


# Drafts ------------------------------------------------------------------------------------


def _next_number(cooperative) -> int:
    last = db.session.scalar(
        select(func.max(Statutes.number)).where(Statutes.cooperative_id == cooperative.id)
    )
    return (last or 0) + 1


def _own_values(cooperative, version: StatuteTemplateVersion) -> dict:
    values = schema.defaults(version.defaults)
    current = in_force(cooperative)
    if current is not None:
        values.update(current.parameters)
    values["name"] = values.get("name") or _plain_name(cooperative.name)
    values["seat"] = values.get("seat") or cooperative.seat or ""
    values["purpose"] = values.get("purpose") or " ".join((cooperative.purpose or "").split())
    return values


def _plain_name(name: str) -> str:
    for suffix in (" U.A.", " B.A.", " W.A."):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def start_draft(
    cooperative,
    *,
    by,
    template_version: StatuteTemplateVersion | None = None,
    based_on: Statutes | None = None,
) -> Statutes:
    """A new draft from a model text (with the values in force, where there are any) or
    from statutes another cooperative published."""
    if open_draft(cooperative) is not None:
        raise DomainError(
            _l("There is already a draft. Finish or delete it first."), field="template_version_id"
        )
    if based_on is not None:
        if based_on.knowledge_item_id is None or not based_on.is_final:
            raise NotFound(_l("These statutes are not shared."), field="based_on_id")
        version = based_on.template_version
        values = dict(based_on.parameters)
        values["name"] = _plain_name(cooperative.name)
        values["seat"] = cooperative.seat or values.get("seat", "")
        values["purpose"] = " ".join((cooperative.purpose or "").split()) or values.get(
            "purpose", ""
        )
    elif template_version is not None:
        version = template_version
        values = _own_values(cooperative, version)
    else:
        raise DomainError(_l("Choose a model text."), field="template_version_id")
    statutes = Statutes(
        cooperative_id=cooperative.id,
        number=_next_number(cooperative),
        template_version_id=version.id,
        parameters=values,
        status=StatutesStatus.DRAFT,
        based_on_item_id=based_on.knowledge_item_id if based_on is not None else None,
        created_by_id=_user_id(by),
    )
    db.session.add(statutes)
    db.session.flush()
    audit.record(
        cooperative,
        by,
        "statutes.draft_started",
        statutes,
        template=version.template.slug,
        template_version=version.version,
        based_on_item=statutes.based_on_item_id,
    )
    return statutes


def _user_id(by):
    user = getattr(by, "user", by)
    return getattr(user, "id", None)


def _must_be_draft(statutes: Statutes) -> None:
    if statutes.status is not StatutesStatus.DRAFT:
        raise DomainError(_l("Only a draft can be changed."))


def check_parameters(values: dict) -> dict:
    clean, errors = schema.validate(values)
    if errors:
        raise InvalidParameters(errors)
    return clean


def update_draft(statutes: Statutes, values: dict, *, by) -> Statutes:
    _must_be_draft(statutes)
    clean = check_parameters(values)
    rendering.render_document(statutes.template_version, clean, "nl")  # it must render
    changed = sorted(k for k in clean if statutes.parameters.get(k) != clean[k])
    statutes.parameters = clean
    statutes.updated_at = utcnow()
    db.session.flush()
    audit.record(statutes.cooperative, by, "statutes.draft_saved", statutes, changed=changed)
    return statutes


def delete_draft(statutes: Statutes, *, by) -> None:
    _must_be_draft(statutes)
    audit.record(statutes.cooperative, by, "statutes.draft_deleted", statutes)
    db.session.delete(statutes)
    db.session.flush()


# Proposal and adoption ---------------------------------------------------------------------


def agenda_items_for_proposal(cooperative) -> list[AgendaItem]:
    """Decision items on assemblies that are not closed (where a motion can go)."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .join(Assembly)
            .where(
                Assembly.cooperative_id == cooperative.id,
                Assembly.status != AssemblyStatus.CLOSED,
                AgendaItem.kind == ItemKind.DECISION,
            )
            .order_by(Assembly.starts_at, AgendaItem.position)
        )
    )


def get_agenda_item(cooperative, item_id) -> AgendaItem:
    message = _l("Choose an agenda item for decision of an assembly that is not closed.")
    if not isinstance(item_id, int) or not 0 < item_id <= MAX_ID:
        raise NotFound(message, field="agenda_item_id")
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.assembly.cooperative_id != cooperative.id:
        raise NotFound(message, field="agenda_item_id")
    return item


def propose(
    statutes: Statutes, *, item: AgendaItem, title: str, comparison_pdf: bytes | None, by
) -> Motion:
    """Put the draft on an assembly's agenda as a motion of kind 'statutes amendment',
    with the comparison to the statutes in force as a document of the agenda item."""
    _must_be_draft(statutes)
    check_parameters(statutes.parameters)
    cooperative = statutes.cooperative
    if item.assembly.cooperative_id != cooperative.id:
        raise NotFound(_l("This agenda item does not exist."), field="agenda_item_id")
    if item.assembly.status is AssemblyStatus.CLOSED or item.kind is not ItemKind.DECISION:
        raise DomainError(
            _l("Choose an agenda item for decision of an assembly that is not closed."),
            field="agenda_item_id",
        )
    motion = assembly_services.add_motion(
        item.assembly,
        item=item,
        title=title,
        text=str(
            _l(
                "The general assembly adopts version %(number)s of the statutes, as in the "
                "attached document.",
                number=statutes.number,
            )
        ),
        decision_kind=DecisionKind.STATUTES,
        secret=False,
        by=by,
    )
    if comparison_pdf:
        assembly_services.add_document(
            item, filename=comparison_filename(statutes), data=comparison_pdf, by=by
        )
    statutes.status = StatutesStatus.PROPOSED
    statutes.motion_id = motion.id
    statutes.proposed_at = utcnow()
    db.session.flush()
    audit.record(
        cooperative, by, "statutes.proposed", statutes, motion=motion.id,
        assembly=item.assembly_id,
    )  # fmt: skip
    return motion


def withdraw(statutes: Statutes, *, by) -> None:
    """Back to draft while the vote has not started. The motion (and any draft
    amendments to it) leaves the agenda with the comparison document the proposal added:
    nobody should vote on a proposal that no longer exists."""
    if statutes.status is not StatutesStatus.PROPOSED:
        raise DomainError(_l("These statutes are not proposed."))
    motion = statutes.motion
    motions = [motion, *motion.amendments] if motion is not None else []
    if any(m.status is not MotionStatus.DRAFT for m in motions):
        raise DomainError(_l("The vote has started; the proposal cannot be withdrawn."))
    statutes.status = StatutesStatus.DRAFT
    statutes.motion_id = None
    statutes.proposed_at = None
    db.session.flush()
    if motion is not None:
        db.session.execute(
            delete(AgendaDocument).where(
                AgendaDocument.agenda_item_id == motion.agenda_item_id,
                AgendaDocument.filename == comparison_filename(statutes),
            )
        )
        # Amendments first: they point at the motion. Their voting instructions go too:
        # a motion that is gone has nothing left to instruct.
        for m in reversed(motions):
            assembly_services.delete_motion(m)
    audit.record(
        statutes.cooperative, by, "statutes.withdrawn", statutes,
        motion=motion.id if motion is not None else None,
    )  # fmt: skip


def comparison_filename(statutes: Statutes) -> str:
    """The name of the document that compares a proposal with the statutes in force."""
    return f"statuten-versie-{statutes.number}.pdf"


def motion_closed(motion: Motion, result: MotionResult, *, by) -> Statutes | None:
    """Called by the assembly when a vote closes: a proposal adopted becomes adopted
    statutes; a proposal rejected goes back to draft."""
    statutes = db.session.scalar(
        select(Statutes).where(
            Statutes.motion_id == motion.id, Statutes.status == StatutesStatus.PROPOSED
        )
    )
    if statutes is None:
        return None
    if result.adopted:
        statutes.status = StatutesStatus.ADOPTED
        statutes.adopted_at = utcnow()
        db.session.flush()
        audit.record(statutes.cooperative, by, "statutes.adopted", statutes, motion=motion.id)
    else:
        statutes.status = StatutesStatus.DRAFT
        statutes.motion_id = None
        statutes.proposed_at = None
        db.session.flush()
        audit.record(statutes.cooperative, by, "statutes.rejected", statutes, motion=motion.id)
    return statutes


def record_deed(statutes: Statutes, *, deed_on: date | None, by, today: date | None = None):
    """The date of the notarial deed; the statutes take effect that day (now, when the
    day has come)."""
    if statutes.status is not StatutesStatus.ADOPTED:
        raise DomainError(_l("Only adopted statutes get a deed date."), field="deed_on")
    if deed_on is None:
        raise DomainError(_l("Give the date of the notarial deed."), field="deed_on")
    adopted_on = assembly_services.local_date(statutes.adopted_at)
    if deed_on < adopted_on:
        raise DomainError(
            _l("The deed cannot be older than the decision of the assembly."), field="deed_on"
        )
    statutes.deed_on = deed_on
    db.session.flush()
    audit.record(statutes.cooperative, by, "statutes.deed_recorded", statutes, deed_on=deed_on)
    if deed_on <= (today or local_today()):
        take_effect(statutes, by=by)
    return statutes


def take_effect(statutes: Statutes, *, by) -> Statutes:
    if statutes.status is not StatutesStatus.ADOPTED or statutes.deed_on is None:
        raise DomainError(_l("These statutes cannot take effect."))
    cooperative = statutes.cooperative
    previous = in_force(cooperative)
    if previous is not None:
        previous.status = StatutesStatus.SUPERSEDED
        previous.superseded_at = utcnow()
        db.session.flush()
        audit.record(cooperative, by, "statutes.superseded", previous, by_version=statutes.number)
    statutes.status = StatutesStatus.IN_FORCE
    statutes.in_force_at = utcnow()
    db.session.flush()
    apply_rules(cooperative, statutes.parameters, by=by)
    audit.record(
        cooperative, by, "statutes.in_force", statutes, deed_on=statutes.deed_on,
        number=statutes.number,
    )  # fmt: skip
    return statutes


def take_effect_due(on: date) -> list[Statutes]:
    """Adopted statutes whose deed date has come take effect (idempotent; daily CLI)."""
    due = list(
        db.session.scalars(
            select(Statutes)
            .where(
                Statutes.status == StatutesStatus.ADOPTED,
                Statutes.deed_on.is_not(None),
                Statutes.deed_on <= on,
            )
            .order_by(Statutes.cooperative_id, Statutes.deed_on, Statutes.number)
        )
    )
    for statutes in due:
        take_effect(statutes, by=None)
    return due


def _majority(value: str) -> dict:
    fraction = schema.parse_fraction(value)
    text = str(value).replace(" ", "")
    if text == "1/2":
        return {"majority": Majority.MORE_THAN_HALF.value}
    if text == "2/3":
        return {"majority": Majority.TWO_THIRDS.value}
    return {
        "majority": Majority.FRACTION.value,
        "numerator": fraction.numerator if fraction else None,
        "denominator": fraction.denominator if fraction else None,
    }


def governance_from(values: dict) -> tuple[dict, dict]:
    """The assembly rules the parameters stand for: (fields, decision rules per kind)."""
    data = {
        "notice_days": values["notice_days"],
        "blank_votes_count": values["blank_votes_count"],
        "second_assembly_without_quorum": values["second_assembly_without_quorum"],
        "proxies_allowed": values["proxies_per_holder"] > 0,
        "max_proxies_per_holder": values["proxies_per_holder"],
        "weighting": Weighting.PER_SHARE
        if values["vote_weighting"] == "share"
        else Weighting.PER_MEMBER,
        "share_vote_cap": values.get("share_vote_cap")
        if values["vote_weighting"] == "share"
        else None,
        "electronic_participation": values["electronic_participation"],
        "advance_voting": values["advance_voting"],
    }
    kinds = {}
    for kind in DecisionKind:
        rule = _majority(values[f"majority_{kind.value}"])
        rule["quorum_percent"] = values[f"quorum_{kind.value}"] or None
        kinds[kind.value] = rule
    return data, kinds


def apply_rules(cooperative, values: dict, *, by) -> None:
    """The parameters of the statutes in force become the rules the app runs by."""
    from coop.capital.models import ShareClass
    from coop.core.models import LegalForm

    data, kinds = governance_from(values)
    assembly_services.update_rules(cooperative, data=data, decision_rules=kinds, by=by)
    cooperative.resignation_notice_weeks = values["resignation_notice_weeks"]
    cooperative.fy_start_month = values["financial_year_start"]
    cooperative.legal_form = LegalForm[values["liability"]]
    first_class = db.session.scalar(
        select(ShareClass)
        .where(ShareClass.cooperative_id == cooperative.id)
        .order_by(ShareClass.id)
        .limit(1)
    )
    if first_class is not None:
        first_class.minimum_holding = values["minimum_shares"]
    db.session.flush()
    audit.record(
        cooperative, by, "statutes.rules_applied", cooperative,
        resignation_notice_weeks=values["resignation_notice_weeks"],
        fy_start_month=values["financial_year_start"],
        minimum_shares=values["minimum_shares"] if first_class is not None else None,
    )  # fmt: skip


def rules_come_from_statutes(cooperative) -> bool:
    return in_force(cooperative) is not None


# Sharing -----------------------------------------------------------------------------------


def publish(statutes: Statutes, *, by, title: str, summary: str, body: str):
    """Share adopted statutes on the knowledge network (public), linking back."""
    from coop.knowledge import services as knowledge_services
    from coop.knowledge.models import ItemKind as KnowledgeKind

    if statutes.status not in (StatutesStatus.ADOPTED, StatutesStatus.IN_FORCE):
        raise DomainError(_l("Only adopted statutes can be shared."))
    if statutes.knowledge_item_id is not None:
        raise DomainError(_l("These statutes are already shared."))
    user = getattr(by, "user", by)
    item = knowledge_services.create(
        KnowledgeKind.STATUTES,
        {"title": title, "summary": summary, "body": body, "visibility": "PUBLIC"},
        author=user,
        cooperative_id=statutes.cooperative_id,
        publish=True,
    )
    # The statutes themselves are final; only this link is set (it is not frozen).
    statutes.knowledge_item_id = item.id
    db.session.flush()
    audit.record(statutes.cooperative, by, "statutes.published", statutes, item=item.id)
    return item


def get_shared(statutes_id: int) -> Statutes:
    if not isinstance(statutes_id, int) or not 0 < statutes_id <= MAX_ID:
        raise NotFound(_l("These statutes are not shared."), field="based_on_id")
    from coop.knowledge.models import ItemStatus, KnowledgeItem

    statutes = db.session.get(Statutes, statutes_id)
    item = (
        db.session.get(KnowledgeItem, statutes.knowledge_item_id)
        if statutes is not None and statutes.knowledge_item_id is not None
        else None
    )
    if item is None or item.status is not ItemStatus.PUBLISHED or item.hidden_at is not None:
        raise NotFound(_l("These statutes are not shared."), field="based_on_id")
    return statutes
