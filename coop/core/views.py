from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select, text

from coop.access import board_of, load_cooperative, member_of, membership_of, platform_admin, public
from coop.audit import AuditEvent, scope_of
from coop.core import services
from coop.core.audit_labels import ACTION_LABELS
from coop.core.forms import CooperativeForm, PublicDetailsForm
from coop.core.models import Cooperative
from coop.core.web import set_language_cookie
from coop.errors import DomainError, put_on_form
from coop.extensions import db
from coop.forms import choices
from coop.urls import page_to_show, safe_next

bp = Blueprint("core", __name__)

AUDIT_PAGE_SIZE = 50


@bp.get("/")
@public
def home():
    cooperatives = db.session.scalars(
        select(Cooperative).where(Cooperative.parent_id.is_(None)).order_by(Cooperative.name)
    ).all()
    children = db.session.scalars(
        select(Cooperative).where(Cooperative.parent_id.is_not(None)).order_by(Cooperative.name)
    ).all()
    by_parent: dict[int, list[Cooperative]] = {}
    for child in children:
        by_parent.setdefault(child.parent_id, []).append(child)
    return render_template("core/home.html", cooperatives=cooperatives, by_parent=by_parent)


@bp.get("/c/<slug>/")
@public
def cooperative(slug):
    coop = load_cooperative(slug)
    children = db.session.scalars(
        select(Cooperative).where(Cooperative.parent_id == coop.id).order_by(Cooperative.name)
    ).all()
    membership = membership_of(current_user, coop)
    return render_template(
        "core/cooperative.html", cooperative=coop, children=children, membership=membership
    )


@bp.get("/c/<slug>/dashboard")
@member_of
def dashboard(slug):
    from coop.assemblies.services import coming_assemblies

    return render_template(
        "core/dashboard.html",
        cooperative=g.cooperative,
        membership=g.membership,
        assemblies=coming_assemblies(g.cooperative),
    )


@bp.route("/c/<slug>/details", methods=["GET", "POST"])
@board_of()
def edit_details(slug):
    coop = g.cooperative
    form = PublicDetailsForm(obj=coop)
    if form.validate_on_submit():
        try:
            services.update(coop, form.data, by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The public details are saved."), "success")
            return redirect(url_for("core.cooperative", slug=coop.slug))
    return render_template("core/edit_details.html", cooperative=coop, form=form)


@bp.get("/c/<slug>/audit")
@board_of()
def audit_log(slug):
    coop = g.cooperative
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(AuditEvent).where(AuditEvent.scope == scope_of(coop))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = db.session.scalars(
        query.order_by(AuditEvent.seq.desc())
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
    ).all()
    from coop.accounts.models import User

    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return render_template(
        "core/audit_log.html",
        cooperative=coop,
        events=events,
        labels=ACTION_LABELS,
        actors=actors,
        page=page,
        pages=max((total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE, 1),
    )


# Platform administration -------------------------------------------------------------------


def _cooperative_form(coop=None):
    form = CooperativeForm(obj=coop)
    form.parent_id.choices = choices(
        [(0, _l("None (independent or city cooperative)")), *services.parent_choices(exclude=coop)]
    )
    if coop is not None and request.method == "GET":
        form.legal_form.data = coop.legal_form.name
        form.parent_id.data = coop.parent_id or 0
        form.postcode_ranges.data = coop.postcode_ranges_text
    return form


@bp.get("/admin/cooperatives")
@platform_admin
def admin_cooperatives():
    rows = db.session.scalars(select(Cooperative).order_by(Cooperative.name)).all()
    return render_template("core/admin_cooperatives.html", cooperatives=rows)


@bp.route("/admin/cooperatives/new", methods=["GET", "POST"])
@platform_admin
def admin_new_cooperative():
    form = _cooperative_form()
    if form.validate_on_submit():
        try:
            coop = services.create(form.data, by=current_user)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Cooperative %(name)s is created.", name=coop.name), "success")
            return redirect(url_for("core.cooperative", slug=coop.slug))
    return render_template("core/admin_cooperative_form.html", form=form, cooperative=None)


@bp.route("/admin/cooperatives/<slug>/edit", methods=["GET", "POST"])
@platform_admin
def admin_edit_cooperative(slug):
    coop = load_cooperative(slug)
    form = _cooperative_form(coop)
    if form.validate_on_submit():
        try:
            services.update(coop, form.data, by=current_user, fields=services.ALL_FIELDS)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The cooperative is saved."), "success")
            return redirect(url_for("core.cooperative", slug=coop.slug))
    return render_template("core/admin_cooperative_form.html", form=form, cooperative=coop)


# Language and health ----------------------------------------------------------------------


@bp.post("/language")
@public
def set_language():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    g.force_language = locale
    home = url_for("core.home")
    response = redirect(page_to_show(safe_next(home), home))
    return set_language_cookie(response, locale)


@bp.get("/privacy")
@public
def privacy():
    return render_template("core/privacy.html")


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        current_app.logger.exception("health check failed")
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status
