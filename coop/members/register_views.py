"""The member register for the board, a member's page, the export and the members'
directory. Routes on the members blueprint."""

from __future__ import annotations

from flask import Response, abort, g, render_template, request, stream_with_context
from flask_babel import gettext as _

from coop import audit
from coop.access import board_of, member_of
from coop.db import today
from coop.extensions import db
from coop.members import register
from coop.members.forms import FUNCTION_LABELS
from coop.members.register import KIND_LABELS, ORDERS, SORTS, STATUS_FILTERS, STATUS_LABELS
from coop.members.views import bp

EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _query():
    return register.parse(request.args, today=today(), wijken=register.wijken(g.cooperative))


@bp.get("/")
@board_of()
def register_page(slug):
    wijken = register.wijken(g.cooperative)
    query = register.parse(request.args, today=today(), wijken=wijken)
    page = register.register_page(g.cooperative, query)
    return render_template(
        "members/register.html",
        cooperative=g.cooperative,
        query=query,
        page=page,
        wijken=wijken,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        status_filters=STATUS_FILTERS,
        sorts=SORTS,
        orders=ORDERS,
        today=today(),
    ), (422 if query.problems else 200)


@bp.get("/export.<fmt>")
@board_of()
def register_export(slug, fmt):
    if fmt not in EXPORTS:
        abort(404)
    query = _query()
    day = query.as_of or today()
    title = _("Member register")
    filename = register.export_filename(_("member-register"), g.cooperative.slug, day, fmt)
    audit.record(
        g.cooperative,
        g.membership,
        "register.exported",
        format=fmt,
        as_of=day.isoformat(),
        filters=query.filters(),
    )
    db.session.commit()
    rows = register.export_rows(g.cooperative, query)
    if fmt == "csv":
        chunks = register.csv_chunks(rows, register.headings())
    else:
        chunks = register.xlsx_chunks(rows, register.headings(), title=title)
    response = Response(stream_with_context(chunks), mimetype=EXPORTS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:number>")
@board_of()
def member(slug, number):
    membership = register.find_member(g.cooperative, number)
    if membership is None:
        abort(404)
    events, actors = register.audit_history(g.cooperative, membership)
    return render_template(
        "members/member.html",
        cooperative=g.cooperative,
        membership=membership,
        history=register.status_history(membership),
        events=events,
        actors=actors,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        functions=FUNCTION_LABELS,
        event_labels=register.EVENT_LABELS,
        iban=register.mask_iban(membership.iban),
    )


@bp.get("/directory")
@member_of
def directory(slug):
    q = register.clean_text(request.args.get("q"))
    page = register.directory_page(
        g.cooperative, q=q, page=register.page_number(request.args.get("page", ""))
    )
    return render_template(
        "members/directory.html",
        cooperative=g.cooperative,
        page=page,
        q=q,
        kinds=KIND_LABELS,
        in_directory=g.membership.in_directory,
    )
