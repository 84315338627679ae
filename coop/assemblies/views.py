"""General assembly pages: rules, assemblies, agenda, attendance, proxies, votes, results."""

from __future__ import annotations

import math
import random
import re
import time
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from coop import mail
from coop.access import board_of, member_of
from coop.assemblies import documents, emails, services
from coop.assemblies.forms import (
    ASSEMBLY_STATUS_LABELS,
    BLANK,
    CHOICE_LABELS,
    ITEM_KIND_LABELS,
    KIND_LABELS,
    MAJORITY_LABELS,
    UNDELIVERED_LABELS,
    AssemblyForm,
    CandidateForm,
    CheckInForm,
    DeleteAssemblyForm,
    DocumentForm,
    ElectionVoteForm,
    ItemForm,
    MotionForm,
    MotionTextForm,
    PaperVotesForm,
    ProxyForm,
    RulesForm,
    SeatsVoteForm,
    VoteForm,
    election_paper_form,
    minutes_notes_form,
)
from coop.assemblies.models import (
    SENDING_TIME,
    AssemblyStatus,
    Choice,
    DecisionKind,
    ItemKind,
    MotionStatus,
    Weighting,
)
from coop.db import utcnow
from coop.errors import DomainError, NotFound, field_of, put_on_form
from coop.extensions import db
from coop.forms import choices
from coop.members.models import Function, Membership
from coop.members.register import find_member

bp = Blueprint("assemblies", __name__, url_prefix="/c/<slug>/assemblies")

ORGANISERS = (Function.CHAIR, Function.SECRETARY)
CHAIR = (Function.CHAIR,)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROJECTOR_REFRESH_SECONDS = 5
SQLITE_RETRIES = 20
# Invitations mailed between two records of what went out (one connection to the mail
# server each): a sending that stops halfway loses the record of one batch at most.
SENDING_BATCH = 100


def _assembly(assembly_id):
    try:
        assembly = services.get_assembly(g.cooperative, assembly_id)
    except NotFound:
        abort(404)
    if assembly.status is AssemblyStatus.DRAFT and not g.membership.is_board:
        abort(404)
    return assembly


def _motion(assembly, motion_id):
    try:
        return services.get_motion(assembly, motion_id)
    except NotFound:
        abort(404)


def _to_assembly(assembly, anchor=None):
    return redirect(
        url_for(".assembly", slug=g.cooperative.slug, assembly_id=assembly.id, _anchor=anchor)
    )


def _locale() -> str:
    return str(get_locale())


def _ticked() -> bool:
    """Whether the board ticked the box that confirms this step (``tick_form``)."""
    return request.form.get("confirm") == "yes"


# Governance rules ---------------------------------------------------------------------------


def _rules_page(form, status=200, from_statutes=None):
    return render_template(
        "assemblies/rules.html",
        cooperative=g.cooperative,
        form=form,
        kinds=KIND_LABELS,
        from_statutes=from_statutes,
    ), status


@bp.route("/rules", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def rules(slug):
    from coop.statutes import services as statutes_services

    settings = services.governance(g.cooperative)
    # While statutes are in force, the rules are theirs: shown here, changed by amending
    # the statutes.
    from_statutes = statutes_services.in_force(g.cooperative)
    if from_statutes is not None and request.method == "POST":
        flash(
            _("These rules come from the statutes in force. Change them by amending the statutes."),
            "error",
        )
        return redirect(url_for(".rules", slug=slug))
    if request.method == "GET":
        form = RulesForm(formdata=None)
        for key in services.RULE_FIELDS:
            value = getattr(settings, key)
            form[key].data = value.value if isinstance(value, Weighting) else value
        for kind in DecisionKind:
            rule = settings.rule_for(kind)
            sub = form[kind.value]
            sub.quorum_percent.data = rule.get("quorum_percent")
            sub.majority.data = rule.get("majority")
            sub.numerator.data = rule.get("numerator")
            sub.denominator.data = rule.get("denominator")
        return _rules_page(form, from_statutes=from_statutes)
    form = RulesForm()
    valid = form.validate_on_submit()
    data = {key: form[key].data for key in services.RULE_FIELDS}
    kinds = {kind.value: dict(form[kind.value].data) for kind in DecisionKind}
    # The rules' own checks beside the form's, on what could be read: all messages at once.
    for error in services.rule_errors(data, kinds):
        valid = False
        if not field_of(form, error.field).errors:
            put_on_form(form, error)
    if valid:
        data["weighting"] = Weighting(form.weighting.data)
        try:
            services.update_rules(g.cooperative, data=data, decision_rules=kinds, by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The rules for the general assembly are saved."), "success")
            return redirect(url_for(".rules", slug=slug))
    return _rules_page(form, 422)


# Assemblies ---------------------------------------------------------------------------------


@bp.get("/")
@member_of
def index(slug):
    return render_template(
        "assemblies/index.html",
        cooperative=g.cooperative,
        assemblies=services.assemblies_of(g.cooperative, include_drafts=g.membership.is_board),
        can_organise=_can(ORGANISERS),
        statuses=ASSEMBLY_STATUS_LABELS,
    )


def _can(functions) -> bool:
    return any(g.membership.has_function(f) for f in functions)


def _starts_at_utc(form):
    """The date and time as typed, in the Netherlands, in UTC. A time that does not exist
    there (the hour the clocks go forward) is refused, not moved; so is a date too far
    back to convert (the year 1)."""
    typed = form.starts_at.data
    try:
        moment = typed.replace(tzinfo=AMSTERDAM).astimezone(UTC)
    except OverflowError:
        raise DomainError(_("Choose a date and time in the future."), field="starts_at") from None
    if moment.astimezone(AMSTERDAM).replace(tzinfo=None) != typed:
        raise DomainError(
            _("This time does not exist: the clocks go forward an hour then. Choose another time."),
            field="starts_at",
        )
    return moment


@bp.route("/new", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def new(slug):
    form = AssemblyForm()
    if form.validate_on_submit():
        try:
            assembly = services.create_assembly(
                g.cooperative, **_assembly_details(form), by=g.membership
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The assembly is created. Now make the agenda."), "success")
            return _to_assembly(assembly)
    return _details_page(form, None)


@bp.route("/<int:assembly_id>/edit", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def edit(slug, assembly_id):
    """Change the details of a draft (a wrong date, another place)."""
    assembly = _assembly(assembly_id)
    if assembly.status is not AssemblyStatus.DRAFT:
        flash(str(services.DETAILS_FIXED), "error")
        return _to_assembly(assembly)
    form = _details_form(assembly) if request.method == "GET" else AssemblyForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_assembly(assembly, **_assembly_details(form), by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The details are saved."), "success")
            return _to_assembly(assembly)
    return _details_page(form, assembly)


def _details_form(assembly):
    form = AssemblyForm(obj=assembly)
    form.starts_at.data = assembly.starts_at.astimezone(AMSTERDAM).replace(tzinfo=None)
    return form


@bp.post("/<int:assembly_id>/delete")
@board_of(role=ORGANISERS)
def delete(slug, assembly_id):
    """Delete a draft (planned by mistake, or twice); asks for a tick."""
    assembly = _assembly(assembly_id)
    form = DeleteAssemblyForm()
    if form.validate_on_submit():
        title = assembly.title
        try:
            services.delete_assembly(assembly, by=g.membership)
        except DomainError as error:
            db.session.rollback()
            if assembly.status is not AssemblyStatus.DRAFT:  # its page has no delete form
                flash(error.message, "error")
                return _to_assembly(assembly)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The draft “%(title)s” is deleted.", title=title), "success")
            return redirect(url_for(".index", slug=slug))
    if assembly.status is not AssemblyStatus.DRAFT:
        flash(str(services.DETAILS_FIXED), "error")
        return _to_assembly(assembly)
    return _details_page(_details_form(assembly), assembly, delete_form=form)


def _assembly_details(form) -> dict:
    return {
        "title": form.title.data,
        "starts_at": _starts_at_utc(form),
        "place": form.place.data,
        "online_url": form.online_url.data,
        "is_second": form.is_second.data,
    }


def _details_page(form, assembly, delete_form=None):
    """The form for a new assembly, or for the details of a draft (``assembly``), with
    the form to delete it."""
    if assembly is not None and delete_form is None:
        delete_form = DeleteAssemblyForm(formdata=None)
    failed = any(f is not None and (f.errors or f.form_errors) for f in (form, delete_form))
    return render_template(
        "assemblies/new.html",
        cooperative=g.cooperative,
        form=form,
        assembly=assembly,
        delete_form=delete_form,
    ), (422 if failed else 200)


def _assembly_page(
    assembly,
    *,
    item_form=None,
    motion_form=None,
    proxy_form=None,
    tick_error=None,
    document_error=None,
    status=200,
):
    me = g.membership
    settings = services.governance(g.cooperative)
    motions = services.motions_of(assembly)
    decision_items = [i for i in services.load_agenda(assembly) if i.kind is ItemKind.DECISION]
    if motion_form is None:
        motion_form = MotionForm(formdata=None)
        kind = DecisionKind(motion_form.decision_kind.data or DecisionKind.ORDINARY.value)
        motion_form.secret.data = services.secret_by_default(kind)
        motion_form.secret_shown_for.data = kind.value
    motion_form.item_id.choices = choices(
        (i.id, f"{i.position}. {i.title}") for i in decision_items
    )
    motion_form.parent_id.choices = choices(
        [(0, _("None: a new motion"))]
        + [
            (m.id, m.title)
            for m in motions
            if not m.is_amendment and m.status is MotionStatus.DRAFT
        ]
    )
    _minutes_choices(assembly, motion_form)
    given = services.active_proxies(assembly, grantor=me)
    held = services.active_proxies(assembly, holder=me)
    proxy_form = proxy_form or ProxyForm(formdata=None)
    return render_template(
        "assemblies/assembly.html",
        cooperative=g.cooperative,
        assembly=assembly,
        settings=settings,
        motions=motions,
        item_form=item_form or ItemForm(formdata=None),
        document_form=DocumentForm(formdata=None),
        motion_form=motion_form,
        proxy_form=proxy_form,
        instructable=services.instructable_motions(assembly, motions),
        secret_motions=services.secret_motions(assembly, motions),
        open_elections=services.open_elections(assembly, motions),
        instruction_values=getattr(proxy_form, "instruction_values", {}),
        instruction_errors=getattr(proxy_form, "instruction_errors", {}),
        given_instructions=services.proxy_instructions(given[0]) if given else {},
        attending=services.attendance_of(assembly, me),
        proxy_given=given[0] if given else None,
        proxies_held=held,
        weights=(
            services.member_weights(assembly, [me] + [p.grantor for p in held], settings)
            if settings.weighting is Weighting.PER_SHARE
            else {}
        ),
        item_kinds=ITEM_KIND_LABELS,
        kinds=KIND_LABELS,
        can_organise=_can(ORGANISERS),
        is_chair=_can(CHAIR),
        on_the_day=services.on_the_day(assembly),
        before_the_day=services.before_the_day(assembly),
        tick_error=tick_error,
        voters=services.count_voting_members(g.cooperative)
        if assembly.status is AssemblyStatus.DRAFT and _can(ORGANISERS)
        else None,
        not_invited=services.count_not_invited(assembly)
        if assembly.status is AssemblyStatus.CONVENED and me.is_board
        else 0,
        document_error=document_error or (None, None),
        statuses=ASSEMBLY_STATUS_LABELS,
        choice_labels=CHOICE_LABELS,
    ), status


def _minutes_choices(assembly, form) -> None:
    form.adopts_minutes_of.choices = choices(
        [(0, _("No"))]
        + [
            (a.id, f"{a.title} ({a.starts_at.astimezone(AMSTERDAM):%d-%m-%Y})")
            for a in services.minutes_to_adopt(assembly)
        ]
    )


@bp.get("/<int:assembly_id>")
@member_of
def assembly(slug, assembly_id):
    return _assembly_page(_assembly(assembly_id))


@bp.post("/<int:assembly_id>/items")
@board_of(role=ORGANISERS)
def add_item(slug, assembly_id):
    assembly = _assembly(assembly_id)
    form = ItemForm()
    if form.validate_on_submit():
        try:
            services.add_item(
                assembly,
                title=form.title.data,
                description=form.description.data,
                kind=ItemKind(form.kind.data),
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The item is on the agenda."), "success")
            return _to_assembly(assembly, "agenda")
    return _assembly_page(assembly, item_form=form, status=422)


@bp.post("/<int:assembly_id>/items/<int:agenda_item_id>/move")
@board_of(role=ORGANISERS)
def move_item(slug, assembly_id, agenda_item_id):
    assembly = _assembly(assembly_id)
    try:
        item = services.get_item(assembly, agenda_item_id)
        services.move_item(item, up=request.form.get("direction") != "down", by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
    return _to_assembly(assembly, "agenda")


def _item(assembly, agenda_item_id):
    try:
        return services.get_item(assembly, agenda_item_id)
    except NotFound:
        abort(404)


@bp.route("/<int:assembly_id>/items/<int:agenda_item_id>/edit", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def edit_item(slug, assembly_id, agenda_item_id):
    """Change an item of a draft agenda, remove its documents, or take it off."""
    assembly = _assembly(assembly_id)
    item = _item(assembly, agenda_item_id)
    if assembly.status is not AssemblyStatus.DRAFT:
        flash(str(services.AGENDA_FIXED), "error")
        return _to_assembly(assembly, "agenda")
    form = ItemForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = item.kind.value
    elif form.validate_on_submit():
        try:
            services.update_item(
                item,
                title=form.title.data,
                description=form.description.data,
                kind=ItemKind(form.kind.data),
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
            if error.field == "kind":  # the box shows what the item stays, as the message says
                form.kind.data = item.kind.value
        else:
            db.session.commit()
            flash(_("The agenda item is saved."), "success")
            return _to_assembly(assembly, "agenda")
    return render_template(
        "assemblies/item.html",
        cooperative=g.cooperative,
        assembly=assembly,
        item=item,
        form=form,
        item_kinds=ITEM_KIND_LABELS,
    ), (422 if form.errors or form.form_errors else 200)


def _to_item(assembly, item_id):
    """Back to the item's page (its top, where the message is) while the agenda can
    change, otherwise to the agenda."""
    if assembly.status is not AssemblyStatus.DRAFT:
        return _to_assembly(assembly, "agenda")
    return redirect(
        url_for(
            ".edit_item", slug=g.cooperative.slug, assembly_id=assembly.id, agenda_item_id=item_id
        )
    )


def _already_removed(assembly):
    """A removal sent again (a second tab, the back button): nothing left to remove."""
    flash(_("This was already removed."), "info")
    return _to_assembly(assembly, "agenda")


@bp.post("/<int:assembly_id>/items/<int:agenda_item_id>/remove")
@board_of(role=ORGANISERS)
def remove_item(slug, assembly_id, agenda_item_id):
    assembly = _assembly(assembly_id)
    try:
        item = services.get_item(assembly, agenda_item_id)
    except NotFound:
        return _already_removed(assembly)
    title = item.title
    try:
        services.remove_item(item, by=g.membership)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_item(assembly, agenda_item_id)
    db.session.commit()
    flash(_("“%(title)s” is taken off the agenda.", title=title), "success")
    return _to_assembly(assembly, "agenda")


@bp.post("/<int:assembly_id>/documents/<int:document_id>/remove")
@board_of(role=ORGANISERS)
def remove_document(slug, assembly_id, document_id):
    assembly = _assembly(assembly_id)
    try:
        document = services.get_document(assembly, document_id)
    except NotFound:
        return _already_removed(assembly)
    item_id, name = document.agenda_item_id, document.filename
    try:
        services.remove_document(document, by=g.membership)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s is removed.", name=name), "success")
    return _to_item(assembly, item_id)


@bp.post("/<int:assembly_id>/items/<int:agenda_item_id>/documents")
@board_of(role=ORGANISERS)
def add_document(slug, assembly_id, agenda_item_id):
    assembly = _assembly(assembly_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = request.files.get("file")
        try:
            item = services.get_item(assembly, agenda_item_id)
            data = upload.read(services.MAX_DOCUMENT_BYTES + 1) if upload else b""
            document = services.add_document(
                item, filename=upload.filename if upload else "", data=data, by=g.membership
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            db.session.rollback()
            if assembly.status is AssemblyStatus.CLOSED:  # no file fields on the page
                flash(error.message, "error")
                return _to_assembly(assembly)
            # At the file field of its item, where the page comes back to.
            return _assembly_page(
                assembly, document_error=(agenda_item_id, error.message), status=422
            )
        else:
            db.session.commit()
            flash(_("%(name)s is added.", name=document.filename), "success")
    else:
        flash(_("The form has expired. Reload the page and try again."), "error")
    return _to_assembly(assembly, "agenda")


@bp.get("/<int:assembly_id>/documents/<int:document_id>")
@member_of
def document(slug, assembly_id, document_id):
    assembly = _assembly(assembly_id)
    try:
        found = services.get_document(assembly, document_id)
    except NotFound:
        abort(404)
    response = make_response(found.content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@bp.post("/<int:assembly_id>/convene")
@board_of(role=ORGANISERS)
def convene(slug, assembly_id):
    assembly = _assembly(assembly_id)
    if assembly.status is AssemblyStatus.DRAFT and not _ticked():
        # It mails every member, and fixes the agenda: the board confirms.
        return _assembly_page(
            assembly, tick_error=_("Tick this box to send the invitations."), status=422
        )
    try:
        sent = services.convene(assembly, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
        return _to_assembly(assembly)
    failed = _send_invitations(assembly, sent)
    if len(sent) > failed:
        flash(
            ngettext(
                "The assembly is convened. %(num)s member gets an invitation.",
                "The assembly is convened. %(num)s members get an invitation.",
                len(sent) - failed,
            ),
            "success",
        )
    else:
        flash(_("The assembly is convened."), "success")
    _flash_undelivered(failed, here=False)
    return _to_assembly(assembly)


def _send_invitations(assembly, sent) -> int:
    """Commit the notices of ``sent``, then mail the invitations in batches, each followed
    by a commit of which went out and which did not: when the sending stops halfway, what
    was sent is on record and the rest stays unconfirmed. Returns how many did not go out."""
    # Built before the commit (which expires the members and the assembly they read).
    entries = [
        (emails.convocation(assembly, member), (member.id, member.number)) for member, _ in sent
    ]
    db.session.commit()
    failed = 0
    for start in range(0, len(entries), SENDING_BATCH):
        batch = entries[start : start + SENDING_BATCH]
        failures = mail.send_keyed(batch)
        ids = [member_id for _message, (member_id, _number) in batch]
        services.record_sending(assembly, ids, failures, by=g.membership)
        db.session.commit()
        failed += len(failures)
    return failed


def _flash_undelivered(failed: int, *, here: bool) -> None:
    """``here``: on the invitations page (which lists them)."""
    if not failed:
        return
    if here:
        message = ngettext(
            "The mail with the invitation did not go out to %(num)s member. See below.",
            "The mail with the invitation did not go out to %(num)s members. See below.",
            failed,
        )
    else:
        message = ngettext(
            "The mail with the invitation did not go out to %(num)s member. The "
            "invitations page says who, and lets you send it again.",
            "The mail with the invitation did not go out to %(num)s members. The "
            "invitations page says who, and lets you send it again.",
            failed,
        )
    flash(message, "error")


@bp.get("/<int:assembly_id>/invitations")
@board_of()
def invitations(slug, assembly_id):
    """Who was sent the invitation and what it said: the proof of the convocation."""
    assembly = _assembly(assembly_id)
    notices = services.notices_of(assembly)
    undelivered = [(notice, member) for notice, member in notices if notice.failed_at]
    unconfirmed = [(notice, member) for notice, member in notices if notice.sending_stopped]
    # Who has no invitation: new members, and those whose mail did not go out or was never
    # confirmed (only until the opening: then the invitation can no longer be sent).
    missing = services.not_invited(assembly) if assembly.status is AssemblyStatus.CONVENED else []
    failed = {member.id for _notice, member in undelivered + unconfirmed}
    missing_ids = {member.id for member in missing}
    notice_days = services.governance(g.cooperative).notice_days
    days = services.days_before(assembly)
    sending = [n for n, _m in notices if n.unconfirmed and not n.sending_stopped]
    return render_template(
        "assemblies/invitations.html",
        cooperative=g.cooperative,
        assembly=assembly,
        notices=notices,
        undelivered=undelivered,
        unconfirmed=unconfirmed,
        sending=sending,
        sending_minutes=_minutes_left(sending),
        late_notices=services.late_invitations(assembly, notices, notice_days),
        failures=UNDELIVERED_LABELS,
        agenda=notices[0][0].agenda if notices else [],
        newcomers=[member for member in missing if member.id not in failed],
        send_again=[
            (notice, member)
            for notice, member in undelivered + unconfirmed
            if member.id in missing_ids
        ],
        # An invitation sent now is later than the rules allow: the board should know.
        late=(days, notice_days) if missing and days < notice_days else None,
        can_invite=_can(ORGANISERS),
        item_kinds={k.value: label for k, label in ITEM_KIND_LABELS.items()},
    )


def _minutes_left(sending) -> int:
    """Minutes until the last of the invitations being sent counts as stopped halfway."""
    if not sending:
        return 0
    left = max(n.sent_at for n in sending) + SENDING_TIME - utcnow()
    return max(1, math.ceil(left.total_seconds() / 60))


@bp.post("/<int:assembly_id>/invitations")
@board_of(role=ORGANISERS)
def invite_missing(slug, assembly_id):
    assembly = _assembly(assembly_id)
    try:
        sent = services.invite_missing(assembly, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        failed = _send_invitations(assembly, sent)
        if len(sent) > failed:
            flash(
                ngettext(
                    "%(num)s member gets the invitation.",
                    "%(num)s members get the invitation.",
                    len(sent) - failed,
                ),
                "success",
            )
        elif not sent:
            flash(_("Every member with voting rights has the invitation already."), "info")
        _flash_undelivered(failed, here=True)
    return redirect(url_for(".invitations", slug=slug, assembly_id=assembly_id))


@bp.get("/<int:assembly_id>/invitations/<int:number>/letter")
@board_of()
def invitation_letter(slug, assembly_id, number):
    """The invitation of one member to print: for a member whose mail did not go out, or
    who was admitted since convening."""
    assembly = _assembly(assembly_id)
    member = find_member(g.cooperative, number)
    if member is None or assembly.status is AssemblyStatus.DRAFT:
        abort(404)
    return _letter_page(assembly, member)


def _letter_page(assembly, member, *, tick_error=None, status=200):
    """The invitation to print, with (for the organisers, until the opening) the note
    that the member got it on paper."""
    dated, letter = emails.convocation_letter(assembly, member)
    page = render_template(
        "assemblies/invitation_letter.html",
        cooperative=g.cooperative,
        assembly=assembly,
        member=member,
        dated=dated,
        letter=letter,
        can_invite=_can(ORGANISERS) and assembly.status is AssemblyStatus.CONVENED,
        tick_error=tick_error,
    )
    return page, status


@bp.post("/<int:assembly_id>/invitations/<int:number>/on-paper")
@board_of(role=ORGANISERS)
def invitation_on_paper(slug, assembly_id, number):
    assembly = _assembly(assembly_id)
    member = find_member(g.cooperative, number)
    if member is None or assembly.status is AssemblyStatus.DRAFT:
        abort(404)
    convened = assembly.status is AssemblyStatus.CONVENED  # else the service says why not
    if convened and not _ticked():  # a record of the convocation: not by a stray tap
        error = _("Tick this box if %(name)s got the invitation on paper.", name=member.name)
        return _letter_page(assembly, member, tick_error=error, status=422)
    try:
        services.invitation_on_paper(assembly, member, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Noted: %(name)s got the invitation on paper.", name=member.name), "success")
    return redirect(url_for(".invitations", slug=slug, assembly_id=assembly_id))


@bp.post("/<int:assembly_id>/open")
@board_of(role=CHAIR)
def open_session(slug, assembly_id):
    assembly = _assembly(assembly_id)
    if services.before_the_day(assembly) and not _ticked():
        # Opened by mistake weeks early, the minutes would say so: the chair confirms.
        return _assembly_page(
            assembly, tick_error=_("Tick this box if the meeting begins now."), status=422
        )
    try:
        services.open_session(assembly, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The assembly is open."), "success")
    return _to_assembly(assembly)


@bp.post("/<int:assembly_id>/close")
@board_of(role=CHAIR)
def close_session(slug, assembly_id):
    assembly = _assembly(assembly_id)
    if assembly.status is AssemblyStatus.IN_SESSION and not _ticked():
        # Closing is for good (and mails the results): the chair confirms, and that motions
        # not voted on stay undecided.
        unvoted = any(m.status is MotionStatus.DRAFT for m in services.motions_of(assembly))
        error = (
            _("Tick this box to close the meeting without these votes.")
            if unvoted
            else _("Tick this box to close the meeting.")
        )
        return _assembly_page(assembly, tick_error=error, status=422)
    try:
        services.close_session(assembly, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
        return _to_assembly(assembly)
    decided = [m for m in services.motions_of(assembly) if m.result is not None]
    if decided:
        for member in services.voting_members(g.cooperative):
            mail.after_commit(emails.results(assembly, member, decided))
    db.session.commit()
    flash(_("The assembly is closed."), "success")
    return _to_assembly(assembly)


# Attendance ---------------------------------------------------------------------------------


@bp.get("/<int:assembly_id>/attendance")
@board_of()
def attendance(slug, assembly_id):
    assembly = _assembly(assembly_id)
    query = request.args.get("q", "")[:100]
    found = services.find_members(g.cooperative, query)
    present = services.attendance(assembly)
    proxies = services.active_proxies(assembly)
    return render_template(
        "assemblies/attendance.html",
        cooperative=g.cooperative,
        assembly=assembly,
        query=query,
        found=found,
        present_ids={a.membership_id for a in present},
        present=present,
        advance_voting=services.governance(g.cooperative).advance_voting,
        proxies=proxies,
        # Found members who gave a proxy: checking them in ends it (the page says so).
        given_by={p.grantor_id: p for p in proxies},
        form=CheckInForm(formdata=None),
    )


@bp.post("/<int:assembly_id>/attendance")
@board_of()
def check_in(slug, assembly_id):
    assembly = _assembly(assembly_id)
    form = CheckInForm()
    query = request.form.get("q", "")[:100]
    if not form.validate_on_submit():
        flash(_("Choose a member to check in."), "error")
    else:
        membership = db.session.get(Membership, form.membership_id.data)
        ending = _proxies_ending(assembly, membership) if membership else []
        try:
            services.check_in(assembly, membership, by=g.membership)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s is checked in.", name=membership.name), "success")
            _flash_proxies_ended(ending, name=membership.name)
    return redirect(url_for(".attendance", slug=slug, assembly_id=assembly.id, q=query or None))


@bp.post("/<int:assembly_id>/attendance/<int:number>/undo")
@board_of()
def undo_check_in(slug, assembly_id, number):
    assembly = _assembly(assembly_id)
    member = find_member(g.cooperative, number)
    if member is None:
        abort(404)
    try:
        ended = services.undo_check_in(assembly, member, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The check-in of %(name)s is taken back.", name=member.name), "success")
        for proxy in ended:
            flash(
                _(
                    "The proxy %(grantor)s gave to %(holder)s ended at the check-in, and stays "
                    "ended: %(grantor)s can give a new proxy.",
                    grantor=member.name,
                    holder=proxy.holder.name,
                ),
                "info",
            )
    return redirect(url_for(".attendance", slug=slug, assembly_id=assembly.id))


@bp.post("/<int:assembly_id>/check-in")
@member_of
def check_in_self(slug, assembly_id):
    assembly = _assembly(assembly_id)
    ending = _proxies_ending(assembly, g.membership)
    try:
        services.check_in(assembly, g.membership, by=g.membership, online=True)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("You are checked in. You can vote when a vote is open."), "success")
        _flash_proxies_ended(ending)
    return _to_assembly(assembly)


def _proxies_ending(assembly, grantor) -> list[tuple[str, bool]]:
    """The proxies a check-in ends: (holder's name, whether votes were cast with it)."""
    given = services.active_proxies(assembly, grantor=grantor)
    used = services.proxies_used(given)
    return [(proxy.holder.name, proxy.id in used) for proxy in given]


def _flash_proxies_ended(ending, *, name=None) -> None:
    """Tell who checked in (``name``: someone else) that their proxies ended."""
    for holder, used in ending:
        if name is None:
            message = _(
                "Your proxy to %(holder)s has ended: from now on you vote yourself.",
                holder=holder,
            )
        else:
            message = _(
                "The proxy %(name)s gave to %(holder)s has ended: from now on %(name)s votes "
                "in person.",
                name=name,
                holder=holder,
            )
        if used:
            message += " " + _(
                "The votes %(holder)s already cast with it still count.", holder=holder
            )
        flash(message, "info")


# Proxies ------------------------------------------------------------------------------------


@bp.post("/<int:assembly_id>/proxy")
@member_of
def grant_proxy(slug, assembly_id):
    assembly = _assembly(assembly_id)
    form = ProxyForm()
    instructions, form.instruction_values, form.instruction_errors = _instructions(assembly)
    if form.validate_on_submit() and not form.instruction_errors:
        try:
            proxy = services.grant_proxy(
                assembly,
                g.membership,
                holder_number=form.holder_number.data,
                by=g.membership,
                instructions=instructions,
            )
        except DomainError as error:
            db.session.rollback()
            if error.field and error.field.startswith("instruction-"):
                form.instruction_errors[error.field] = error.message
            else:
                put_on_form(form, error)
        else:
            for member in (proxy.grantor, proxy.holder):
                mail.after_commit(emails.proxy_granted(proxy, assembly, member))
            db.session.commit()
            flash(_("%(name)s now holds your proxy.", name=proxy.holder.name), "success")
            return _to_assembly(assembly, "proxy")
    return _assembly_page(assembly, proxy_form=form, status=422)


def _instructions(assembly):
    """The voting instructions from the proxy form: ``instruction-<motion id>`` is
    for/against/abstain or empty (free). Returns (instructions, values as given, errors
    per field name); a tampered value is an error at its field, nothing is written."""
    instructions, values, errors = {}, {}, {}
    motions = services.motions_of(assembly)
    allowed = {m.id for m in services.instructable_motions(assembly, motions)}
    secret = {m.id for m in services.secret_motions(assembly, motions)}
    elections = {m.id for m in services.open_elections(assembly, motions)}
    for key, value in request.form.items():
        if not key.startswith("instruction-"):
            continue
        values[key] = value
        raw_id = key.removeprefix("instruction-")
        if raw_id.isascii() and raw_id.isdigit() and int(raw_id) in secret:
            errors[key] = str(services.SECRET_NO_INSTRUCTION)
            continue
        if raw_id.isascii() and raw_id.isdigit() and int(raw_id) in elections:
            errors[key] = str(services.ELECTION_NO_INSTRUCTION)
            continue
        if not (raw_id.isascii() and raw_id.isdigit()) or int(raw_id) not in allowed:
            errors[key] = _("This motion cannot get an instruction.")
            continue
        if value == "":
            instructions[int(raw_id)] = None
        elif value in {c.value for c in Choice}:
            instructions[int(raw_id)] = Choice(value)
        else:
            errors[key] = _("Choose for, against, abstain or free.")
    return instructions, values, errors


@bp.post("/<int:assembly_id>/proxy/<int:proxy_id>/revoke")
@member_of
def revoke_proxy(slug, assembly_id, proxy_id):
    assembly = _assembly(assembly_id)
    try:
        proxy = services.get_proxy(assembly, proxy_id)
        services.revoke_proxy(proxy, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        for member in (proxy.grantor, proxy.holder):
            mail.after_commit(emails.proxy_revoked(proxy, assembly, member))
        db.session.commit()
        flash(_("Your proxy is withdrawn."), "success")
    return _to_assembly(assembly, "proxy")


# Motions and votes --------------------------------------------------------------------------


@bp.post("/<int:assembly_id>/motions")
@board_of(role=ORGANISERS)
def add_motion(slug, assembly_id):
    assembly = _assembly(assembly_id)
    form = MotionForm()
    motions = services.motions_of(assembly)
    form.item_id.choices = choices(
        (i.id, i.title) for i in assembly.items if i.kind is ItemKind.DECISION
    )
    form.parent_id.choices = choices(
        [(0, "")] + [(m.id, m.title) for m in motions if not m.is_amendment]
    )
    _minutes_choices(assembly, form)
    valid = form.validate_on_submit()
    if _secret_box_seen(form) and valid:
        try:
            item = services.get_item(assembly, form.item_id.data)
            parent = (
                services.get_motion(assembly, form.parent_id.data) if form.parent_id.data else None
            )
            services.add_motion(
                assembly,
                item=item,
                title=form.title.data,
                text=form.text.data,
                decision_kind=DecisionKind(form.decision_kind.data),
                secret=bool(form.secret.data),
                parent=parent,
                seats=form.seats.data or 1,
                adopts_minutes_of=(
                    services.get_assembly(g.cooperative, form.adopts_minutes_of.data)
                    if form.adopts_minutes_of.data
                    else None
                ),
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The motion is added."), "success")
            return _to_assembly(assembly, "agenda")
    return _assembly_page(assembly, motion_form=form, status=422)


def _secret_box_seen(form) -> bool:
    """Whether the board saw the 'secret ballot' box as it stands for the kind of decision
    chosen. The box shows the usual setting of the kind on the page (secret for an
    election); without JavaScript it keeps that setting when the board picks another
    kind. Then, when the box does not show the new kind's usual setting, it is set to it
    and the form comes back to be checked: a leftover never makes an election open."""
    try:
        kind = DecisionKind(form.decision_kind.data)
    except ValueError:
        return True  # the field's own validation reports it
    shown_for = form.secret_shown_for.data or DecisionKind.ORDINARY.value
    form.secret_shown_for.data = kind.value
    usual = services.secret_by_default(kind)
    if shown_for == kind.value or bool(form.secret.data) is usual:
        return True
    form.secret.data = usual
    form.secret.errors = [
        *form.secret.errors,
        _(
            "You chose another kind of decision, so this box now shows what is usual for "
            "it. Look at it and save again."
        ),
    ]
    return False


def _vote_form(motion, **kwargs):
    if motion.is_election and motion.seats > 1:
        return SeatsVoteForm(**kwargs).set_candidates(motion.candidates, motion.seats)
    if motion.is_election:
        return ElectionVoteForm(**kwargs).set_candidates(motion.candidates)
    return VoteForm(**kwargs)


def _motion_page(
    assembly,
    motion,
    *,
    forms=None,
    paper_form=None,
    candidate_form=None,
    tick_error=None,
    typed_receipt="",
    status=200,
):
    me = g.membership
    held = services.active_proxies(assembly, holder=me)
    voters = [me] + [p.grantor for p in held]
    voted = services.voted_ids(motion, [m.id for m in voters])
    forms = forms or {}
    vote_forms = []
    for member in voters:
        form = forms.get(member.id) or _vote_form(motion, formdata=None)
        form.on_behalf_of.data = "" if member.id == me.id else str(member.id)
        if member.id != me.id:  # the error summary names whose vote it is
            for name in ("choice", "candidate", "candidates"):
                if name in form:
                    form[name].label.text = _("Vote for %(name)s (proxy)", name=member.name)
        vote_forms.append((member, form, member.id in voted))
    instructions = services.instructions_for_holder(motion, me) if held else {}
    settings = services.governance(g.cooperative)
    weighted = settings.weighting is Weighting.PER_SHARE
    weights = services.member_weights(assembly, voters, settings) if weighted else {}
    result = motion.result
    attending = services.attendance_of(assembly, me)
    needs_check_in = assembly.status is AssemblyStatus.IN_SESSION and attending is None
    ballots = services.counted_ballots(motion) if result else []
    # A receipt code looked up in the list (typed with or without dashes or spaces).
    looked_up = "".join(c for c in typed_receipt.upper() if c.isalnum())
    rule = services.decision_rule(settings, motion.decision_kind)
    turnout = (
        services.turnout(motion) if _can(CHAIR) and motion.status is MotionStatus.OPEN else None
    )
    room = services.room_without_vote(motion) if turnout is not None else None
    if paper_form is None and turnout is not None and motion.is_election:
        paper_form = election_paper_form(motion, formdata=None)
        paper_form.paper_blank.data = motion.paper_abstain
        if "ballots" in paper_form:
            paper_form.ballots.data = motion.paper_for
        for candidate, box in zip(motion.candidates, paper_form.candidate_fields, strict=True):
            box.data = candidate.paper_votes
    elif paper_form is None and turnout is not None:
        paper_form = PaperVotesForm(formdata=None)
        paper_form.paper_for.data = motion.paper_for
        paper_form.paper_against.data = motion.paper_against
        paper_form.paper_abstain.data = motion.paper_abstain
    return render_template(
        "assemblies/motion.html",
        cooperative=g.cooperative,
        assembly=assembly,
        motion=motion,
        vote_forms=vote_forms,
        instructions=instructions,
        attending=attending,
        # At the door when the room was counted on paper: no vote here (``cast_vote``).
        counted_on_paper=services.counted_on_paper(
            assembly, motion, in_room=attending is not None and not attending.online
        ),
        result=result,
        open_votes=services.open_votes_of(motion) if result else [],
        ballots=ballots,
        typed_receipt=typed_receipt,
        looked_up=looked_up,
        found=[b for b in ballots if b[0].replace("-", "") == looked_up],
        choices=CHOICE_LABELS,
        kinds=KIND_LABELS,
        majority_labels=MAJORITY_LABELS,
        rule=rule,
        # A second assembly decides without the quorum, when the rules say so.
        no_quorum_as_second=bool(
            rule.quorum_percent and assembly.is_second and settings.second_assembly_without_quorum
        ),
        second_may_decide=bool(
            result
            and not result.quorum_met
            and not assembly.is_second
            and settings.second_assembly_without_quorum
        ),
        weights=weights,
        paper_not_weighed=services.PAPER_NOT_WEIGHED if weighted else None,
        is_chair=_can(CHAIR),
        turnout=turnout,
        paper_form=paper_form,
        candidate_form=candidate_form or CandidateForm(formdata=None),
        voting_possible=services.voting_possible(assembly),
        needs_check_in=needs_check_in,
        # Not checked in: whose proxy votes for them, or where they check in.
        proxy_given=services.active_proxies(assembly, grantor=me) if needs_check_in else [],
        online_check_in=settings.electronic_participation,
        can_organise=_can(ORGANISERS),
        # Why a motion whose vote has not started can no longer change (for the board).
        motion_fixed=services.motion_fixed(motion)
        if _can(ORGANISERS) and motion.status is MotionStatus.DRAFT
        else None,
        candidate_names={c.id: c.name for c in motion.candidates},
        # Closing a vote that members in the room have not all voted in asks for a tick.
        room_without_vote=room.room if room is not None else None,
        not_voted=services.not_voted(motion, room) if room is not None else 0,
        tick_error=tick_error,
        locale=_locale(),
    ), status


@bp.get("/<int:assembly_id>/motions/<int:motion_id>")
@member_of
def motion(slug, assembly_id, motion_id):
    assembly = _assembly(assembly_id)
    return _motion_page(assembly, _motion(assembly, motion_id))


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/receipt")
@member_of
def find_receipt(slug, assembly_id, motion_id):
    """Look up a receipt code in the list of counted ballots: sent in the body of a POST,
    never in an address (which logs, the browser's history and a Referer keep: with the
    member's session they would tie the member to a secret ballot)."""
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    return _motion_page(assembly, motion, typed_receipt=request.form.get("receipt", "")[:40])


@bp.route("/<int:assembly_id>/motions/<int:motion_id>/edit", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def edit_motion(slug, assembly_id, motion_id):
    """Correct a motion's title or text, or take it off, before its vote opens."""
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    back = url_for(".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id)
    fixed = services.motion_fixed(motion)
    if fixed is not None:
        return _fixed_motion(assembly, motion, fixed)
    form = MotionTextForm(obj=motion if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.update_motion(
                motion, title=form.title.data, text=form.text.data, by=g.membership
            )
        except DomainError as error:
            # Changed meanwhile (a vote opened, an instruction came in): the text typed
            # stays on the form, with the reason.
            db.session.rollback()
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The motion is saved."), "success")
            return redirect(back)
    return _motion_edit_page(assembly, motion, form)


def _motion_edit_page(assembly, motion, form, *, tick_error=None):
    return render_template(
        "assemblies/motion_edit.html",
        cooperative=g.cooperative,
        assembly=assembly,
        motion=motion,
        form=form,
        amendments_voted=services.AMENDMENTS_VOTED if services.amendments_voted(motion) else None,
        tick_error=tick_error,
    ), (422 if form.errors or form.form_errors or tick_error else 200)


def _fixed_motion(assembly, motion, fixed):
    """To the motion page, with why the motion can no longer change: the page says it
    itself while the vote has not started (no message twice), otherwise a message."""
    if motion.status is not MotionStatus.DRAFT or assembly.status is AssemblyStatus.CLOSED:
        flash(fixed.message, "error")
    return redirect(
        url_for(".motion", slug=g.cooperative.slug, assembly_id=assembly.id, motion_id=motion.id)
    )


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/remove")
@board_of(role=ORGANISERS)
def remove_motion(slug, assembly_id, motion_id):
    assembly = _assembly(assembly_id)
    try:
        motion = services.get_motion(assembly, motion_id)
    except NotFound:
        return _already_removed(assembly)
    title = motion.title
    try:
        services.remove_motion(motion, by=g.membership, confirmed=_ticked())
    except DomainError as error:
        db.session.rollback()
        if error.field == "confirm":  # members could read it since the invitation
            form = MotionTextForm(formdata=None, obj=motion)
            return _motion_edit_page(assembly, motion, form, tick_error=error.message)
        fixed = services.motion_fixed(motion)
        if fixed is not None:
            return _fixed_motion(assembly, motion, fixed)
        # Amendments came in meanwhile: the edit page says to remove them first, and lists them.
        return redirect(
            url_for(".edit_motion", slug=slug, assembly_id=assembly.id, motion_id=motion_id)
        )
    db.session.commit()
    flash(_("“%(title)s” is taken off the agenda.", title=title), "success")
    return _to_assembly(assembly, "agenda")


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/candidates")
@board_of(role=ORGANISERS)
def add_candidate(slug, assembly_id, motion_id):
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    form = CandidateForm()
    if form.validate_on_submit():
        try:
            services.add_candidate(
                motion, name=form.name.data or "", number=form.number.data, by=g.membership
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The candidate is added."), "success")
            return redirect(
                url_for(".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id)
            )
    return _motion_page(assembly, motion, candidate_form=form, status=422)


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/candidates/<int:candidate_id>/remove")
@board_of(role=ORGANISERS)
def remove_candidate(slug, assembly_id, motion_id, candidate_id):
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    try:
        candidate = services.remove_candidate(motion, candidate_id, by=g.membership)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s is no longer a candidate.", name=candidate.name), "success")
    return redirect(
        url_for(
            ".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id, _anchor="cand-h"
        )
    )


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/open")
@board_of(role=CHAIR)
def open_vote(slug, assembly_id, motion_id):
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    try:
        services.open_vote(motion, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The vote is open."), "success")
    return redirect(url_for(".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id))


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/close")
@board_of(role=CHAIR)
def close_vote(slug, assembly_id, motion_id):
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    # Closing counts the votes for good: with members present or represented who have not
    # voted, the chair confirms how many (the number on the page they ticked).
    shown = request.form.get("not_voted", "")
    confirmed = int(shown) if _ticked() and re.fullmatch(r"[0-9]{1,6}", shown) else 0
    try:
        services.close_vote(motion, by=g.membership, not_voted_confirmed=confirmed)
    except services.NotVotedYet:
        db.session.rollback()
        return _motion_page(
            assembly,
            motion,
            tick_error=_("Members came in who have not voted. Look again, and tick the box.")
            if _ticked()
            else _("Tick this box to close the vote now."),
            status=422,
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The vote is closed and counted."), "success")
    return redirect(url_for(".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id))


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/paper")
@board_of(role=CHAIR)
def paper_votes(slug, assembly_id, motion_id):
    assembly = _assembly(assembly_id)
    motion = _motion(assembly, motion_id)
    form = election_paper_form(motion) if motion.is_election else PaperVotesForm()
    if form.validate_on_submit():
        try:
            if motion.is_election:
                services.set_election_paper_votes(
                    motion,
                    candidates={c.id: form[f"candidate_{c.id}"].data for c in motion.candidates},
                    blank=form.paper_blank.data,
                    ballots=form.ballots.data if "ballots" in form else None,
                    by=g.membership,
                )
            else:
                services.set_paper_votes(
                    motion,
                    for_=form.paper_for.data,
                    against=form.paper_against.data,
                    abstain=form.paper_abstain.data,
                    by=g.membership,
                )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The paper votes are saved."), "success")
            return redirect(
                url_for(".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id)
            )
    return _motion_page(assembly, motion, paper_form=form, status=422)


def _on_behalf_of(value: str):
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= services.MAX_ID:
        raise DomainError(_("You do not hold a valid proxy for this member."))
    member = db.session.get(Membership, int(value))
    if member is None or member.cooperative_id != g.cooperative.id:
        raise DomainError(_("You do not hold a valid proxy for this member."))
    return member


@bp.post("/<int:assembly_id>/motions/<int:motion_id>/vote")
@member_of
def vote(slug, assembly_id, motion_id):
    # One query for the motion, its assembly and what the vote checks (the rules, the
    # voter's attendance and proxies), under the motion's shared status lock.
    try:
        state = services.vote_state(g.cooperative, assembly_id, motion_id, g.membership)
    except NotFound:
        abort(404)
    motion = state.motion
    assembly = motion.assembly
    if assembly.status is AssemblyStatus.DRAFT and not g.membership.is_board:
        abort(404)
    form = _vote_form(motion)
    if form.validate_on_submit():
        candidate_ids = None
        if motion.is_election and motion.seats > 1:
            picked = form.candidates.data
            names = {str(c.id): c.name for c in motion.candidates}
            blank = picked == [BLANK]
            choice = Choice.ABSTAIN if blank else Choice.FOR
            candidate_id, candidate_ids = None, [] if blank else [int(p) for p in picked]
            label = _("Blank vote") if blank else ", ".join(names[p] for p in picked)
        elif motion.is_election:
            picked = form.candidate.data
            choice = Choice.ABSTAIN if picked == BLANK else Choice.FOR
            candidate_id = None if picked == BLANK else int(picked)
            label = (
                _("Blank vote")
                if picked == BLANK
                else dict((str(c.id), c.name) for c in motion.candidates)[picked]
            )
        else:
            choice, candidate_id = Choice(form.choice.data), None
            label = CHOICE_LABELS[choice]
        back = url_for(".motion", slug=slug, assembly_id=assembly.id, motion_id=motion.id)
        for attempt in range(SQLITE_RETRIES + 1):
            try:
                on_behalf_of = _on_behalf_of(form.on_behalf_of.data or "")
                receipt = services.cast_vote(
                    motion,
                    voter=g.membership,
                    choice=choice,
                    on_behalf_of=on_behalf_of,
                    candidate_id=candidate_id,
                    candidate_ids=candidate_ids,
                    state=state,
                )
                _commit_keeping_loaded()
                break
            except DomainError as error:
                db.session.rollback()
                if error.field == "choice":
                    # About what was picked: back on the form, with the picks kept.
                    picked = next(n for n in ("choice", "candidates", "candidate") if n in form)
                    form[picked].errors = [*form[picked].errors, error.message]
                    return _vote_again(assembly, motion, form)
                flash(error.message, "error")
                return redirect(back)
            except OperationalError as error:
                # SQLite lets one writer in at a time and may refuse one that waited too
                # long: try again shortly (reading the state again); never a 500.
                db.session.rollback()
                state = None
                if "locked" not in str(error) or attempt == SQLITE_RETRIES:
                    if "locked" not in str(error):
                        raise
                    flash(_("Many members are voting at this moment. Please try again."), "error")
                    return redirect(back)
                time.sleep(0.02 * (attempt + 1) + random.random() * 0.03)  # noqa: S311
        # The receipt is shown once, on this small page, and nowhere stored next to the
        # voter. It is the answer to the POST itself: a redirect would need the code in a
        # URL or a cookie, and a second request.
        return render_template(
            "assemblies/voted.html",
            cooperative=g.cooperative,
            assembly=assembly,
            motion=motion,
            receipt=receipt,
            on_behalf_of=on_behalf_of,
            choice=label,
        )
    return _vote_again(assembly, motion, form)


def _vote_again(assembly, motion, form):
    """The motion page with this vote form as it was sent, with its errors (422)."""
    key, value = g.membership.id, form.on_behalf_of.data or ""
    if value.isascii() and value.isdigit() and len(value) <= 10:
        key = int(value)
    return _motion_page(assembly, motion, forms={key: form}, status=422)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what is loaded: the receipt page shows what this request
    just read and wrote, and should not read it all again (the user, the cooperatives in
    the menu, the motion)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


# Results ------------------------------------------------------------------------------------


@bp.get("/<int:assembly_id>/projector")
@member_of
def projector(slug, assembly_id):
    assembly = _assembly(assembly_id)
    motions = services.motions_of(assembly)
    running = [m for m in motions if m.status is MotionStatus.OPEN]
    closed = [m for m in motions if m.result is not None]
    counts = {m.id: services.turnout(m) for m in running}
    return render_template(
        "assemblies/projector.html",
        cooperative=g.cooperative,
        assembly=assembly,
        running=running,
        last=closed[-1] if closed else None,
        counts=counts,
        locale=_locale(),
        refresh=PROJECTOR_REFRESH_SECONDS,
    )


@bp.get("/<int:assembly_id>/minutes")
@member_of
def minutes(slug, assembly_id):
    """Draft minutes (notulen): attendance, proxies, the agenda with the decisions and the
    secretary's notes."""
    context = _minutes_context(assembly_id)
    context["can_write"] = (
        _can(ORGANISERS) and services.minutes_notes_fixed(context["assembly"]) is None
    )
    return render_template("assemblies/minutes.html", **context)


@bp.route("/<int:assembly_id>/minutes/notes", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def minutes_notes(slug, assembly_id):
    """The secretary writes, per agenda item, what was said and agreed (the decisions
    are in the minutes already)."""
    assembly = _assembly(assembly_id)
    back = url_for(".minutes", slug=slug, assembly_id=assembly.id)
    fixed = services.minutes_notes_fixed(assembly)
    if fixed is not None and request.method == "GET":
        flash(fixed.message, "error")
        return redirect(back)
    items = list(assembly.items)
    decided = {}
    for motion in services.motions_of(assembly):
        outcome = motion.result.outcome(_locale()) if motion.result else _("not voted on")
        title = f"{_('Amendment:')} {motion.title}" if motion.is_amendment else motion.title
        decided.setdefault(motion.agenda_item_id, []).append(f"{title}: {outcome}")
    hints = {item_id: "; ".join(lines) for item_id, lines in decided.items()}
    form = minutes_notes_form(items, services.MAX_NOTE, hints)
    if form.validate_on_submit():
        try:
            services.update_minutes_notes(
                assembly, {i.id: form[f"note_{i.id}"].data for i in items}, by=g.membership
            )
        except DomainError as error:
            db.session.rollback()
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The notes are in the draft minutes."), "success")
            return redirect(back)
    return render_template(
        "assemblies/minutes_notes.html",
        cooperative=g.cooperative,
        assembly=assembly,
        form=form,
        items=items,
    ), (422 if form.errors or form.form_errors else 200)


def _minutes_context(assembly_id) -> dict:
    assembly = _assembly(assembly_id)
    services.load_agenda(assembly)
    return {
        "cooperative": g.cooperative,
        "assembly": assembly,
        "present": services.attendance(assembly),
        "proxies": services.proxies_of(assembly),
        "motions": services.motions_of(assembly),
        "adopted": services.adopted_minutes(assembly),
        "locale": _locale(),
        "kinds": KIND_LABELS,
        "item_kinds": ITEM_KIND_LABELS,
    }


def _pdf_response(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<int:assembly_id>/minutes.pdf")
@member_of
def minutes_pdf(slug, assembly_id):
    context = _minutes_context(assembly_id)
    return _pdf_response(
        documents.minutes_pdf(**context), _("minutes-%(number)s.pdf", number=assembly_id)
    )


@bp.get("/decisions.pdf")
@member_of
def decisions_pdf(slug):
    data = documents.decisions_pdf(
        cooperative=g.cooperative,
        motions=services.decisions(g.cooperative),
        locale=_locale(),
        kinds=KIND_LABELS,
    )
    return _pdf_response(data, _("decisions-%(slug)s.pdf", slug=slug))


@bp.get("/decisions")
@member_of
def decisions(slug):
    return render_template(
        "assemblies/decisions.html",
        cooperative=g.cooperative,
        motions=services.decisions(g.cooperative),
        locale=_locale(),
        kinds=KIND_LABELS,
    )
