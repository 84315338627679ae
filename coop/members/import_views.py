"""Importing members from a CSV file (board): upload → preview → confirm → done.

The routes sit on the members blueprint (``coop.members.views.bp``); that module imports
this one at its end. The uploaded file waits on the server under a random token that only
the person who uploaded it, in the same cooperative, can use (``importer.save_upload``).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy.exc import IntegrityError

from coop.access import board_of
from coop.db import today, utcnow
from coop.extensions import db
from coop.forms import FlaskForm
from coop.members import importer
from coop.members.forms import KIND_LABELS
from coop.members.views import DECIDERS, bp

PREVIEW_PROBLEMS = 1000  # problems listed on the page; the count says how many there are
PREVIEW_ROWS = 10


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l("At most 5 MB and 20,000 members."),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "txt"], _l("Choose a CSV file (a name ending in .csv).")),
        ],
    )


class ImportConfirmForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the point."""


def _folder() -> Path:
    configured = current_app.config.get("IMPORT_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def _parse(content: bytes) -> importer.Parsed:
    return importer.parse(
        content,
        today=today(),
        allow_test_domains=current_app.config["EMAIL_ALLOW_TEST_DOMAINS"],
    )


def _upload_or_none(token: str) -> importer.Upload | None:
    return importer.load_upload(
        _folder(),
        token,
        cooperative_id=g.cooperative.id,
        user_id=current_user.id,
        now=utcnow(),
    )


def _gone(slug: str):
    flash(_("This upload is no longer available. Upload the file again."), "error")
    return redirect(url_for(".import_upload", slug=slug))


def _upload_page(form, status=200):
    return render_template(
        "members/import_upload.html",
        cooperative=g.cooperative,
        form=form,
        columns=importer.COLUMNS,
        required=importer.REQUIRED,
        max_rows=importer.MAX_ROWS,
    ), status


@bp.route("/import", methods=["GET", "POST"])
@board_of(role=DECIDERS)
def import_upload(slug):
    form = ImportUploadForm()
    if form.validate_on_submit():
        storage = form.file.data
        content = storage.read(importer.MAX_BYTES + 1)
        parsed = _parse(content)
        if parsed.file_problems:
            form.file.errors = [*form.file.errors, *(p.message for p in parsed.file_problems)]
            return _upload_page(form, status=422)
        token = importer.save_upload(
            _folder(),
            content,
            cooperative_id=g.cooperative.id,
            user_id=current_user.id,
            filename=storage.filename,
            now=utcnow(),
        )
        return redirect(url_for(".import_preview", slug=slug, token=token))
    return _upload_page(form, status=422 if form.errors else 200)


def _preview_page(upload: importer.Upload, plan: importer.Plan, status=200):
    return render_template(
        "members/import_preview.html",
        cooperative=g.cooperative,
        upload=upload,
        plan=plan,
        parsed=plan.parsed,
        problems=plan.problems[:PREVIEW_PROBLEMS],
        sample=plan.rows[:PREVIEW_ROWS],
        labels={column.key: column.label for column in importer.COLUMNS},
        kinds=KIND_LABELS,
        next_number=max(
            [g.cooperative.last_member_number or 0]
            + [row.number for row in plan.rows if row.number is not None]
        )
        + 1,
        form=ImportConfirmForm(formdata=None),
    ), status


@bp.get("/import/<token>")
@board_of(role=DECIDERS)
def import_preview(slug, token):
    upload = _upload_or_none(token)
    if upload is None:
        return _gone(slug)
    if upload.result is not None:
        return redirect(url_for(".import_done", slug=slug, token=token))
    plan = importer.check(g.cooperative, _parse(upload.content))
    return _preview_page(upload, plan)


@bp.post("/import/<token>/confirm")
@board_of(role=DECIDERS)
def import_confirm(slug, token):
    form = ImportConfirmForm()
    upload = _upload_or_none(token)
    if upload is None or upload.result is not None:
        return _gone(slug)
    if not form.validate_on_submit():
        return redirect(url_for(".import_preview", slug=slug, token=token))
    parsed = _parse(upload.content)
    try:
        result = importer.import_members(
            g.cooperative, parsed, by=g.membership, today=today(), source=upload.filename
        )
        db.session.commit()
    except importer.ImportRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        plan = importer.Plan(parsed=parsed, problems=refused.problems, existing={})
        return _preview_page(upload, plan, status=422)
    except IntegrityError:
        # Someone admitted a member or made an account with one of these addresses at the
        # same moment: nothing was written; the preview shows the new state.
        db.session.rollback()
        flash(_("The register changed while importing. Nothing is imported. Try again."), "error")
        return redirect(url_for(".import_preview", slug=slug, token=token))
    importer.finish_upload(_folder(), token, result)
    return redirect(url_for(".import_done", slug=slug, token=token))


@bp.get("/import/<token>/done")
@board_of(role=DECIDERS)
def import_done(slug, token):
    upload = _upload_or_none(token)
    if upload is None:
        return _gone(slug)
    if upload.result is None:
        return redirect(url_for(".import_preview", slug=slug, token=token))
    return render_template(
        "members/import_done.html",
        cooperative=g.cooperative,
        upload=upload,
        result=upload.result,
    )
