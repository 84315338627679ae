"""Statutes pages: the board's drafts, proposal, deed and history; the statutes in force
for members and applicants (public)."""

from __future__ import annotations

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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coop.access import board_of, load_cooperative, public
from coop.errors import DomainError, NotFound, put_on_form
from coop.extensions import db
from coop.forms import choices
from coop.members.models import Function
from coop.statutes import documents, emails, services
from coop.statutes.forms import (
    DeedForm,
    ProposeForm,
    PublishForm,
    StartDraftForm,
    StartFromSharedForm,
    parameters_form,
)
from coop.statutes.models import StatutesStatus

bp = Blueprint("statutes", __name__, url_prefix="/c/<slug>/statutes")

ORGANISERS = (Function.CHAIR, Function.SECRETARY)


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "nl"


def _statutes(statutes_id):
    try:
        return services.get(g.cooperative, statutes_id)
    except NotFound:
        abort(404)


def _can_organise() -> bool:
    return any(g.membership.has_function(f) for f in ORGANISERS)


def _file(data: bytes, filename: str, mimetype: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# The board's overview ----------------------------------------------------------------------


def _index_page(start_form=None, shared_form=None, status=200):
    cooperative = g.cooperative
    versions = services.latest_versions()
    start_form = start_form or StartDraftForm(formdata=None)
    start_form.template_version_id.choices = choices(
        (v.id, f"{v.title(_lang())} ({_('version')} {v.version})") for v in versions
    )
    shared = services.published_elsewhere(cooperative)
    shared_form = shared_form or StartFromSharedForm(formdata=None)
    shared_form.based_on_id.choices = choices(
        (s.id, f"{s.cooperative.name} ({_('version')} {s.number})") for s in shared
    )
    return render_template(
        "statutes/index.html",
        cooperative=cooperative,
        current=services.in_force(cooperative),
        draft=services.open_draft(cooperative),
        history=services.history(cooperative),
        versions=versions,
        start_form=start_form,
        shared_form=shared_form,
        shared=shared,
        can_organise=_can_organise(),
        status_labels=STATUS_LABELS,
        lang=_lang(),
    ), status


STATUS_LABELS = {
    StatutesStatus.DRAFT: _l("Draft"),
    StatutesStatus.PROPOSED: _l("Proposed"),
    StatutesStatus.ADOPTED: _l("Adopted"),
    StatutesStatus.IN_FORCE: _l("In force"),
    StatutesStatus.SUPERSEDED: _l("Superseded"),
}


@bp.get("/")
@board_of()
def index(slug):
    return _index_page()


@bp.post("/new")
@board_of(role=ORGANISERS)
def start(slug):
    form = StartDraftForm()
    if form.validate_on_submit():
        try:
            version = services.get_template_version(form.template_version_id.data)
            statutes = services.start_draft(
                g.cooperative, template_version=version, by=g.membership
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("A new draft of the statutes is ready. Fill in the choices."), "success")
            return redirect(url_for(".edit", slug=slug, statutes_id=statutes.id))
    return _index_page(start_form=form, status=422)


@bp.post("/new-from-shared")
@board_of(role=ORGANISERS)
def start_shared(slug):
    form = StartFromSharedForm()
    if form.validate_on_submit():
        try:
            based_on = services.get_shared(form.based_on_id.data)
            statutes = services.start_draft(g.cooperative, based_on=based_on, by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("A new draft of the statutes is ready. Fill in the choices."), "success")
            return redirect(url_for(".edit", slug=slug, statutes_id=statutes.id))
    return _index_page(shared_form=form, status=422)


# Drafts ------------------------------------------------------------------------------------


def _edit_page(statutes, form, *, preview=None, status=200):
    return render_template(
        "statutes/edit.html",
        cooperative=g.cooperative,
        statutes=statutes,
        form=form,
        preview=preview,
        lang=_lang(),
    ), status


def _put_on_parameters_form(form, error: DomainError) -> None:
    """Every parameter that fails the schema gets its message; another error as usual."""
    if isinstance(error, services.InvalidParameters):
        for key, message in error.errors.items():
            form[key].errors = [*form[key].errors, str(message)]
    else:
        put_on_form(form, error)


@bp.route("/<int:statutes_id>/edit", methods=["GET", "POST"])
@board_of(role=ORGANISERS)
def edit(slug, statutes_id):
    statutes = _statutes(statutes_id)
    if statutes.status is not StatutesStatus.DRAFT:
        flash(_("Only a draft can be changed."), "error")
        return redirect(url_for(".show", slug=slug, statutes_id=statutes.id))
    if request.method == "GET":
        return _edit_page(statutes, parameters_form(values=statutes.parameters))
    form = parameters_form(formdata=request.form)
    if not form.validate_on_submit():
        return _edit_page(statutes, form, status=422)
    values = form.values()
    if request.form.get("action") == "preview":
        try:
            preview = services.document(statutes, _lang(), services.check_parameters(values))
        except DomainError as error:
            _put_on_parameters_form(form, error)
            return _edit_page(statutes, form, status=422)
        return _edit_page(statutes, form, preview=preview)
    try:
        services.update_draft(statutes, values, by=g.membership)
    except DomainError as error:
        _put_on_parameters_form(form, error)
        return _edit_page(statutes, form, status=422)
    db.session.commit()
    flash(_("The draft is saved."), "success")
    return redirect(url_for(".show", slug=slug, statutes_id=statutes.id))


@bp.post("/<int:statutes_id>/delete")
@board_of(role=ORGANISERS)
def delete(slug, statutes_id):
    statutes = _statutes(statutes_id)
    try:
        services.delete_draft(statutes, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".show", slug=slug, statutes_id=statutes.id))
    db.session.commit()
    flash(_("The draft is deleted."), "success")
    return redirect(url_for(".index", slug=slug))


# One version -------------------------------------------------------------------------------


def _show_page(statutes, *, propose_form=None, deed_form=None, publish_form=None, status=200):
    items = services.agenda_items_for_proposal(g.cooperative)
    propose_form = propose_form or ProposeForm(
        formdata=None,
        title=_("Amendment of the statutes (version %(number)s)", number=statutes.number),
    )
    propose_form.agenda_item_id.choices = choices(
        (item.id, f"{item.assembly.title} – {item.position}. {item.title}") for item in items
    )
    current = services.in_force(g.cooperative)
    return render_template(
        "statutes/show.html",
        cooperative=g.cooperative,
        statutes=statutes,
        document=services.document(statutes, _lang()),
        current=current,
        propose_form=propose_form,
        deed_form=deed_form or DeedForm(formdata=None),
        publish_form=publish_form or PublishForm(formdata=None),
        agenda_items=items,
        can_organise=_can_organise(),
        status_labels=STATUS_LABELS,
        lang=_lang(),
    ), status


@bp.get("/<int:statutes_id>")
@board_of()
def show(slug, statutes_id):
    return _show_page(_statutes(statutes_id))


@bp.get("/<int:statutes_id>/statuten.pdf")
@board_of()
def pdf(slug, statutes_id):
    statutes = _statutes(statutes_id)
    data = documents.statutes_pdf(statutes, _lang())
    return _file(data, f"statuten-{g.cooperative.slug}-{statutes.number}.pdf", "application/pdf")


@bp.get("/<int:statutes_id>/statuten.docx")
@board_of()
def docx(slug, statutes_id):
    statutes = _statutes(statutes_id)
    data = documents.statutes_docx(statutes, _lang())
    return _file(data, f"statuten-{g.cooperative.slug}-{statutes.number}.docx", DOCX_TYPE)


@bp.get("/compare")
@board_of()
def compare(slug):
    versions = services.history(g.cooperative)
    by_id = {s.id: s for s in versions}
    old = by_id.get(request.args.get("a", type=int))
    new = by_id.get(request.args.get("b", type=int))
    if old is None or new is None:
        # Sensible defaults: the version in force (or the oldest) against the newest.
        current = services.in_force(g.cooperative)
        new = new or (versions[0] if versions else None)
        old = old or current or (versions[-1] if versions else None)
    pairs = services.compare(old, new, _lang()) if old and new else []
    return render_template(
        "statutes/compare.html",
        cooperative=g.cooperative,
        versions=versions,
        old=old,
        new=new,
        pairs=pairs,
        status_labels=STATUS_LABELS,
    )


@bp.post("/<int:statutes_id>/propose")
@board_of(role=ORGANISERS)
def propose(slug, statutes_id):
    statutes = _statutes(statutes_id)
    form = ProposeForm()
    form.agenda_item_id.choices = []
    if form.validate_on_submit():
        try:
            item = services.get_agenda_item(g.cooperative, form.agenda_item_id.data)
            comparison = documents.comparison_pdf(statutes, "nl")
            services.propose(
                statutes, item=item, title=form.title.data, comparison_pdf=comparison,
                by=g.membership,
            )  # fmt: skip
        except DomainError as error:
            db.session.rollback()
            statutes = _statutes(statutes_id)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The statutes are on the agenda as a motion."), "success")
            return redirect(url_for(".show", slug=slug, statutes_id=statutes.id))
    return _show_page(statutes, propose_form=form, status=422)


@bp.post("/<int:statutes_id>/withdraw")
@board_of(role=ORGANISERS)
def withdraw(slug, statutes_id):
    statutes = _statutes(statutes_id)
    try:
        services.withdraw(statutes, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The proposal is withdrawn; the statutes are a draft again."), "success")
    return redirect(url_for(".show", slug=slug, statutes_id=statutes.id))


@bp.post("/<int:statutes_id>/deed")
@board_of(role=ORGANISERS)
def deed(slug, statutes_id):
    statutes = _statutes(statutes_id)
    form = DeedForm()
    if form.validate_on_submit():
        try:
            services.record_deed(statutes, deed_on=form.deed_on.data, by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            if statutes.status is StatutesStatus.IN_FORCE:
                emails.send_in_force(statutes)
            db.session.commit()
            if statutes.status is StatutesStatus.IN_FORCE:
                flash(
                    _("The statutes are in force. The rules of the cooperative follow them now."),
                    "success",
                )
            else:
                flash(_("The deed date is saved. The statutes take effect on that day."), "success")
            return redirect(url_for(".show", slug=slug, statutes_id=statutes.id))
    return _show_page(statutes, deed_form=form, status=422)


@bp.post("/<int:statutes_id>/publish")
@board_of(role=ORGANISERS)
def publish(slug, statutes_id):
    statutes = _statutes(statutes_id)
    form = PublishForm()
    if form.validate_on_submit():
        title = _("Statutes of %(name)s", name=g.cooperative.name)
        link = url_for(".current", slug=slug, _external=True)
        body = _(
            'The statutes of %(name)s, made with the model text "%(template)s". '
            "Read them here: %(link)s",
            name=g.cooperative.name,
            template=statutes.template_version.title(_lang()),
            link=link,
        )
        try:
            item = services.publish(
                statutes, by=g.membership, title=title,
                summary=form.summary.data or title, body=body,
            )  # fmt: skip
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The statutes are shared on the knowledge network."), "success")
            return redirect(url_for("knowledge.item", item_id=item.id))
    return _show_page(statutes, publish_form=form, status=422)


# For members and applicants ----------------------------------------------------------------


@bp.get("/current")
@public
def current(slug):
    cooperative = load_cooperative(slug)
    statutes = services.in_force(cooperative)
    return render_template(
        "statutes/current.html",
        cooperative=cooperative,
        statutes=statutes,
        document=services.document(statutes, _lang()) if statutes else None,
        lang=_lang(),
    )


@bp.get("/current.pdf")
@public
def current_pdf(slug):
    cooperative = load_cooperative(slug)
    statutes = services.in_force(cooperative)
    if statutes is None:
        flash(_("This cooperative has no statutes in force in Buurtcoop yet."), "info")
        return redirect(url_for(".current", slug=slug))
    data = documents.statutes_pdf(statutes, _lang())
    return _file(data, f"statuten-{cooperative.slug}.pdf", "application/pdf")
