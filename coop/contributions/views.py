import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from coop import mail
from coop.access import board_of, member_of
from coop.contributions import emails, sepa, services
from coop.contributions.forms import (
    BillForm,
    ChooseAmountForm,
    ContributionSettingsForm,
    MandateForm,
    PlanForm,
    SepaExportForm,
    SepaResultsForm,
    WaiveForm,
    parse_days,
)
from coop.contributions.rules import contribution_period, contribution_year_of
from coop.db import today
from coop.errors import DomainError, put_on_form
from coop.extensions import db
from coop.members.forms import KIND_LABELS
from coop.members.models import Function, MemberKind

bp = Blueprint("contributions", __name__, url_prefix="/c/<slug>/contributions")
TREASURER = (Function.TREASURER,)


def _year() -> int:
    raw = request.args.get("year", "")
    if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return contribution_year_of(today(), g.cooperative.fy_start_month or 1)


@bp.app_template_global()
def contribution_period_of(cooperative, year: int):
    """(first day, last day) of a contribution year: the cooperative's financial year."""
    return contribution_period(year, cooperative.fy_start_month or 1)


def _charge(charge_id):
    try:
        return services.get_charge(g.cooperative, charge_id)
    except DomainError:
        abort(404)


@bp.get("/")
@board_of(role=TREASURER)
def overview(slug):
    year = _year()
    data = services.overview(g.cooperative, year, today=today())
    return render_template(
        "contributions/overview.html",
        cooperative=g.cooperative,
        year=year,
        data=data,
        chart=services.overview_chart(data),
        kinds=KIND_LABELS,
        bill_form=BillForm(formdata=None, year=year),
        has_plans=bool(services.plans(g.cooperative, year)),
        charges=services.year_charges(g.cooperative, year, limit=200),
    )


@bp.get("/<int:year>.csv")
@board_of(role=TREASURER)
def export(slug, year):
    if not 2000 <= year <= 2100:
        abort(404)
    cooperative = g.cooperative

    def generate():
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            ["member_number", "name", "member_kind", "reference", "amount_eur", "reduced",
             "status", "due_on", "received_eur", "received_on", "waived_reason"]
        )  # fmt: skip
        for row in services.export_rows(cooperative, year):
            number, name, kind, ref, amount, reduced, status, due, paid, got_on, why = row
            writer.writerow(
                [number, _safe(name), kind.value if kind else "", ref, f"{amount / 100:.2f}",
                 "yes" if reduced else "no", status.value, due.isoformat(), f"{paid / 100:.2f}",
                 got_on.isoformat() if got_on else "", _safe(why)]
            )  # fmt: skip
            if out.tell() > 64_000:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="contributions-{year}.csv"'},
    )


def _safe(text: str) -> str:
    """No formulas in spreadsheets (CSV injection)."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.post("/bill")
@board_of(role=TREASURER)
def bill(slug):
    form = BillForm()
    if form.validate_on_submit():
        try:
            result = services.bill_year(
                g.cooperative, form.year.data, today=today(), by=g.membership
            )
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                _(
                    "%(count)s charges made for %(year)s.",
                    count=result.created,
                    year=form.year.data,
                ),
                "success",
            )
        return redirect(url_for(".overview", slug=slug, year=form.year.data))
    flash(
        " ".join(map(str, form.year.errors)) or _("Choose a year between 2000 and 2100."), "error"
    )
    return redirect(url_for(".overview", slug=slug))


def _plans_page(plan_form=None, settings_form=None, status=200):
    year = _year()
    settings = services.settings_for(g.cooperative)
    settings_form = settings_form or ContributionSettingsForm(
        formdata=None,
        obj=settings,
        reminder_days=", ".join(str(d) for d in settings.reminder_days),
    )
    return render_template(
        "contributions/plans.html",
        cooperative=g.cooperative,
        year=year,
        plans=services.plans(g.cooperative, year),
        kinds=KIND_LABELS,
        plan_form=plan_form or PlanForm(formdata=None, year=year),
        settings_form=settings_form,
    ), status


@bp.route("/plans", methods=["GET", "POST"])
@board_of(role=TREASURER)
def plans(slug):
    if request.method == "GET":
        page = _plans_page()
        db.session.commit()
        return page
    form = PlanForm()
    if form.validate_on_submit():
        try:
            services.save_plan(
                g.cooperative,
                year=form.year.data,
                kind=MemberKind(form.kind.data),
                full_cents=form.full.cents,
                reduced_cents=form.reduced.cents,
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The contribution is saved."), "success")
            return redirect(url_for(".plans", slug=slug, year=form.year.data))
    return _plans_page(plan_form=form, status=422)


@bp.post("/settings")
@board_of(role=TREASURER)
def settings(slug):
    form = ContributionSettingsForm()
    if form.validate_on_submit():
        services.update_settings(
            g.cooperative,
            allow_reduced=form.allow_reduced.data,
            pro_rata=form.pro_rata.data,
            due_days=form.due_days.data,
            reminder_days=parse_days(form.reminder_days.data),
            sepa_creditor_id=form.sepa_creditor_id.data or "",
            by=g.membership,
        )
        db.session.commit()
        flash(_("The settings are saved."), "success")
        return redirect(url_for(".plans", slug=slug))
    return _plans_page(settings_form=form, status=422)


@bp.route("/charges/<int:charge_id>/waive", methods=["GET", "POST"])
@board_of(role=TREASURER)
def waive(slug, charge_id):
    charge = _charge(charge_id)
    form = WaiveForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.waive(charge, reason=form.reason.data, by=g.membership)
            except DomainError as error:
                put_on_form(form, error)
            else:
                db.session.commit()
                flash(_("The charge is waived."), "success")
                return redirect(
                    url_for(".overview", slug=slug, year=charge.contribution_year or today().year)
                )
    return render_template(
        "contributions/waive.html", cooperative=g.cooperative, charge=charge, form=form
    ), status


@bp.post("/charges/<int:charge_id>/amount")
@member_of
def choose_amount(slug, charge_id):
    charge = _charge(charge_id)
    back = url_for("payments.mine", slug=slug)
    if charge.membership_id != g.membership.id:
        flash(_("Only the member can choose the amount."), "error")
        return redirect(back)
    form = ChooseAmountForm()
    if not form.validate_on_submit():
        abort(400)
    reduced = request.form.get("reduced") == "1"
    try:
        services.choose_amount(charge, reduced=reduced, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your contribution is changed."), "success")
    return redirect(back)


# SEPA direct debit without Stripe ---------------------------------------------------------------


@bp.route("/mandate", methods=["GET", "POST"])
@member_of
def mandate(slug):
    form = MandateForm()
    if request.method == "GET":
        form = MandateForm(formdata=None, holder_name=g.membership.name, iban=g.membership.iban)
    text = sepa.consent_text(g.cooperative)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                sepa.sign_mandate(
                    g.membership,
                    iban=form.iban.data,
                    holder_name=form.holder_name.data,
                    consent=text,
                    today=today(),
                )
            except DomainError as error:
                put_on_form(form, error)
            else:
                db.session.commit()
                flash(
                    _("Thank you. Your contribution will be collected from your account."),
                    "success",
                )  # noqa: E501
                return redirect(url_for(".mandate", slug=slug))
    return render_template(
        "contributions/mandate.html",
        cooperative=g.cooperative,
        form=form,
        consent_text=text,
        current=sepa.active_mandate(g.membership),
    ), status


def _sepa_page(form=None, status=200):
    return render_template(
        "contributions/sepa.html",
        cooperative=g.cooperative,
        batches=sepa.batches(g.cooperative),
        form=form or SepaExportForm(formdata=None),
    ), status


@bp.get("/sepa")
@board_of(role=TREASURER)
def sepa_batches(slug):
    return _sepa_page()


@bp.post("/sepa")
@board_of(role=TREASURER)
def sepa_export(slug):
    form = SepaExportForm()
    if form.validate_on_submit():
        try:
            batch = sepa.export_batch(
                g.cooperative, collection_on=form.collection_on.data, today=today(),
                by=g.membership,
            )  # fmt: skip
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The batch is ready: %(count)s debits.", count=batch.count), "success")
            return redirect(url_for(".sepa_batches", slug=slug))
    return _sepa_page(form, status=422)


def _batch(batch_id):
    try:
        return sepa.get_batch(g.cooperative, batch_id)
    except DomainError:
        abort(404)


@bp.get("/sepa/<int:batch_id>.xml")
@board_of(role=TREASURER)
def sepa_file(slug, batch_id):
    batch = _batch(batch_id)
    return Response(
        batch.xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="pain008-{batch.id}.xml"'},
    )


@bp.route("/sepa/<int:batch_id>", methods=["GET", "POST"])
@board_of(role=TREASURER)
def sepa_results(slug, batch_id):
    batch = _batch(batch_id)
    form = SepaResultsForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                lines = sepa.parse_results(form.results.data)
                reversed_charges = sepa.record_results(batch, lines, on=today(), by=g.membership)
            except DomainError as error:
                put_on_form(form, error)
            else:
                for charge in reversed_charges:
                    mail.after_commit(emails.debit_reversed(charge))
                db.session.commit()
                flash(_("The results are booked."), "success")
                return redirect(url_for(".sepa_results", slug=slug, batch_id=batch_id))
    from coop.contributions.models import SepaDebit

    debits = db.session.scalars(
        select(SepaDebit).where(SepaDebit.batch_id == batch.id).order_by(SepaDebit.id).limit(500)
    ).all()
    return render_template(
        "contributions/sepa_batch.html", cooperative=g.cooperative, batch=batch, debits=debits,
        form=form,
    ), status  # fmt: skip
