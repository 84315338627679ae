"""The knowledge network's pages, under /knowledge."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from coop import mail
from coop.access import platform_admin, public, signed_in
from coop.db import today
from coop.errors import DomainError, NotFound, put_on_form
from coop.extensions import db
from coop.forms import choices
from coop.knowledge import emails, feeds, rendering, search, services
from coop.knowledge.forms import (
    FORMS,
    FUNDING_KIND_LABELS,
    KIND_HINTS,
    KIND_LABELS,
    TARGET_GROUP_LABELS,
    VISIBILITY_LABELS,
    VISIBILITY_SHORT,
    AnswerForm,
    AttachmentForm,
    FollowForm,
    HideForm,
    HideQuestionForm,
    QuestionForm,
    ReuseForm,
    ThemeForm,
    format_euros,
)
from coop.knowledge.models import ItemKind, TargetGroup, Theme

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")

KINDS = {kind.value: kind for kind in ItemKind}


@bp.app_template_filter("markdown")
def markdown_filter(source):
    return rendering.to_html(source)


@bp.app_context_processor
def labels():
    return {
        "knowledge_labels": {
            "kinds": KIND_LABELS,
            "visibility": VISIBILITY_LABELS,
            "visibility_short": VISIBILITY_SHORT,
            "funding_kinds": FUNDING_KIND_LABELS,
            "target_groups": TARGET_GROUP_LABELS,
        }
    }


def _user():
    return current_user._get_current_object()


def _visible_or_404(item_id):
    try:
        return services.get_visible(item_id, _user())
    except NotFound:
        abort(404)


# The list and search ------------------------------------------------------------------------


def _filters(themes: list[Theme]) -> services.Filters:
    args = request.args
    slug = args.get("theme", "")
    target = args.get("target_group", "")
    return services.Filters(
        q=search.clean_query(args.get("q")),
        kind=KINDS.get(args.get("kind", "")),
        theme=next((theme for theme in themes if theme.slug == slug), None),
        wijk=search.clean_query(args.get("wijk"))[:100],
        target_group=TargetGroup[target] if target in TargetGroup.__members__ else None,
        mine=args.get("mine") == "1" and current_user.is_authenticated,
    )


@bp.get("/")
@public
def index():
    themes = services.all_themes()
    filters = _filters(themes)
    page_number = request.args.get("page", 1, type=int) or 1
    page_number = min(max(page_number, 1), 10_000)
    page = services.listing(_user(), filters, page=page_number, themes=themes)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "knowledge/index.html",
        page=page,
        filters=filters,
        themes=themes,
        wijken=services.wijken(_user()),
        kinds={kind: str(label) for kind, label in KIND_LABELS.items()},  # translated once
        page_args=args,
        follows=filters.theme is not None and services.follows(_user(), filters.theme),
        max_results=format_number(services.MAX_RESULTS),
    )


@bp.get("/<int:item_id>")
@public
def item(item_id):
    return _item_page(_visible_or_404(item_id))


def _item_page(
    item,
    upload_form=None,
    hide_form=None,
    question_form=None,
    answer_form=None,
    hide_question_form=None,
    status=200,
):
    user = _user()
    editable = services.can_edit(item, user)
    moderates = services.can_moderate(item, user)
    item_questions = services.questions(item, user)
    hide_question_forms = {}
    if moderates:
        for question in item_questions:
            for prefix in (f"hq{question.id}", f"ha{question.id}"):
                form = hide_question_form
                if form is None or form._prefix != f"{prefix}-":
                    form = HideQuestionForm(formdata=None, prefix=prefix)
                hide_question_forms[prefix] = form
    answer_forms = {}
    if editable:
        for question in item_questions:
            if answer_form is not None and answer_form._prefix == f"q{question.id}-":
                answer_forms[question.id] = answer_form
            else:
                form = AnswerForm(formdata=None, prefix=f"q{question.id}")
                form.answer.data = question.answer
                answer_forms[question.id] = form
    return render_template(
        "knowledge/item.html",
        item=item,
        can_edit=editable,
        is_author=user.is_authenticated and item.author_id == user.id,
        is_admin=user.is_authenticated and user.is_platform_admin,
        upload_form=upload_form or (AttachmentForm(formdata=None) if editable else None),
        hide_form=hide_form or HideForm(formdata=None),
        amount_text=format_euros,
        questions=item_questions,
        question_form=question_form or QuestionForm(formdata=None),
        answer_forms=answer_forms,
        can_moderate=moderates,
        hide_question_forms=hide_question_forms,
        bookmarked=services.is_bookmarked(item, user),
        reuse_count=services.reuse_count(item) if item.kind is ItemKind.PLAN else 0,
        original=services.original_of(item, user),
    ), status


# Writing ------------------------------------------------------------------------------------


@bp.get("/new")
@signed_in
def new():
    return render_template(
        "knowledge/new.html",
        kinds=KIND_LABELS,
        hints=KIND_HINTS,
        memberships=services.author_memberships(_user()),
    )


def _theme_choices():
    return [(t.id, t.name) for t in services.all_themes()]


@bp.route("/new/<item_kind>", methods=["GET", "POST"])
@signed_in
def create(item_kind):
    kind = KINDS.get(item_kind)
    if kind is None:
        abort(404)
    memberships = services.author_memberships(_user())
    if not memberships:
        flash(_("You can share knowledge once you are a member of a cooperative."), "info")
        return redirect(url_for(".new"))
    form = FORMS[kind]()
    form.cooperative_id.choices = choices(
        (m.cooperative_id, m.cooperative.name) for m in memberships
    )
    form.themes.choices = _theme_choices()
    if request.method == "GET" and not form.wijk.data:
        form.wijk.data = memberships[0].cooperative.wijk
    if form.validate_on_submit():
        try:
            item = services.create(
                kind,
                form.values(),
                author=_user(),
                cooperative_id=form.cooperative_id.data,
                publish=bool(form.publish.data),
            )
        except DomainError as error:
            db.session.rollback()
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _("Your item is published.")
                if not item.is_draft
                else _("Your draft is saved. Only you can see it."),
                "success",
            )
            return redirect(url_for(".item", item_id=item.id))
    return render_template(
        "knowledge/form.html", form=form, kind=kind, kind_label=KIND_LABELS[kind], item=None
    ), (422 if form.errors or form.form_errors else 200)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(item_id):
    item = _visible_or_404(item_id)
    user = _user()
    if not services.can_edit(item, user):
        flash(_("Only the author and the board of the cooperative can change this item."), "error")
        return redirect(url_for(".item", item_id=item.id))
    form = FORMS[item.kind](obj=item)
    del form.cooperative_id
    form.themes.choices = _theme_choices()
    if request.method == "GET":
        form.themes.data = [t.id for t in item.themes]
        form.visibility.data = item.visibility.name
        form.target_group.data = item.target_group.name if item.target_group else ""
        if item.kind is ItemKind.FUNDING:
            form.funding_kind.data = item.funding_kind.name if item.funding_kind else ""
            form.amount_min.data = format_euros(item.amount_min_cents)
            form.amount_max.data = format_euros(item.amount_max_cents)
    if form.validate_on_submit():
        try:
            services.update(
                item,
                form.values(),
                by=user,
                publish=bool(form.publish.data) and item.is_draft,
                draft=bool(form.save_draft.data),
            )
        except DomainError as error:
            db.session.rollback()
            item = _visible_or_404(item_id)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for(".item", item_id=item.id))
    return render_template(
        "knowledge/form.html",
        form=form,
        kind=item.kind,
        kind_label=KIND_LABELS[item.kind],
        item=item,
        is_author=item.author_id == user.id,
    ), (422 if form.errors or form.form_errors else 200)


# Files --------------------------------------------------------------------------------------


@bp.post("/<int:item_id>/files")
@signed_in
def upload(item_id):
    item = _visible_or_404(item_id)
    if not services.can_edit(item, _user()):
        flash(_("Only the author and the board of the cooperative can change this item."), "error")
        return redirect(url_for(".item", item_id=item.id))
    form = AttachmentForm()
    if form.validate_on_submit():
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            form.file.errors = [*form.file.errors, _("Choose a file.")]
        else:
            try:
                attachment = services.add_attachment(
                    item, filename=upload_file.filename, stream=upload_file.stream, by=_user()
                )
            except DomainError as error:
                db.session.rollback()
                item = _visible_or_404(item_id)
                put_on_form(form, error)
            else:
                db.session.commit()
                flash(_("%(name)s is added.", name=attachment.filename), "success")
                return redirect(url_for(".item", item_id=item.id, _anchor="files"))
    return _item_page(item, upload_form=form, status=422)


@bp.get("/<int:item_id>/files/<int:attachment_id>")
@public
def attachment(item_id, attachment_id):
    item = _visible_or_404(item_id)
    try:
        found = services.get_attachment(item, attachment_id)
        path = services.blob_path(found.sha256)
    except (NotFound, ValueError):
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=found.content_type,
        as_attachment=True,
        download_name=found.filename,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:item_id>/files/<int:attachment_id>/delete")
@signed_in
def delete_attachment(item_id, attachment_id):
    item = _visible_or_404(item_id)
    try:
        digest = services.delete_attachment(item, attachment_id, by=_user())
    except NotFound:
        flash(_("This file was already removed."), "info")
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        services.remove_blob_if_unused(digest)
        flash(_("The file is removed."), "success")
    return redirect(url_for(".item", item_id=item.id, _anchor="files"))


# Moderation and themes (platform admins) ----------------------------------------------------


@bp.post("/<int:item_id>/hide")
@platform_admin
def hide(item_id):
    item = _visible_or_404(item_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide(item, reason=form.reason.data, by=_user())
        except DomainError as error:
            db.session.rollback()
            item = _visible_or_404(item_id)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The item is hidden. The author sees your reason."), "success")
            return redirect(url_for(".item", item_id=item.id))
    return _item_page(item, hide_form=form, status=422)


@bp.post("/<int:item_id>/unhide")
@platform_admin
def unhide(item_id):
    item = _visible_or_404(item_id)
    services.unhide(item, by=_user())
    db.session.commit()
    flash(_("The item is visible again."), "success")
    return redirect(url_for(".item", item_id=item.id))


@bp.route("/themes", methods=["GET", "POST"])
@platform_admin
def themes():
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = services.add_theme(
                name_nl=form.name_nl.data, name_en=form.name_en.data, by=_user()
            )
        except DomainError as error:
            db.session.rollback()
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Theme %(name)s is added.", name=theme.name), "success")
            return redirect(url_for(".themes"))
    return render_template("knowledge/themes.html", form=form, themes=services.all_themes()), (
        422 if form.errors or form.form_errors else 200
    )


# Funding: closing soon ----------------------------------------------------------------------


def _theme_from(slug: str) -> Theme | None:
    if not re.fullmatch(r"[a-z0-9-]{1,60}", slug or ""):
        return None
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


@bp.get("/funding")
@public
def funding():
    theme = _theme_from(request.args.get("theme", ""))
    found = services.closing_soon(_user(), today=today(), theme=theme)
    return render_template(
        "knowledge/funding.html",
        funding=found,
        theme=theme,
        themes=services.all_themes(),
        today=today(),
    )


# Following themes ---------------------------------------------------------------------------


@bp.route("/following", methods=["GET", "POST"])
@signed_in
def following():
    user = _user()
    form = FollowForm()
    form.themes.choices = _theme_choices()
    if request.method == "GET":
        form.themes.data = sorted(services.followed_theme_ids(user))
    if form.validate_on_submit():
        try:
            services.set_follows(user, form.themes.data)
        except DomainError as error:
            db.session.rollback()
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your themes are saved."), "success")
            return redirect(url_for(".following"))
    return render_template("knowledge/following.html", form=form), (
        422 if form.errors or form.form_errors else 200
    )


@bp.post("/themes/<theme_slug>/follow")
@signed_in
def follow(theme_slug):
    theme = _theme_from(theme_slug)
    if theme is None:
        abort(404)
    on = request.form.get("follow") == "1"
    services.set_follow(_user(), theme, on)
    db.session.commit()
    flash(
        _("You follow %(theme)s.", theme=theme.name)
        if on
        else _("You no longer follow %(theme)s.", theme=theme.name),
        "success",
    )
    return redirect(url_for(".index", theme=theme.slug))


# Reuse --------------------------------------------------------------------------------------


@bp.route("/<int:item_id>/reuse", methods=["GET", "POST"])
@signed_in
def reuse(item_id):
    item = _visible_or_404(item_id)
    user = _user()
    if item.kind is not ItemKind.PLAN or item.is_draft:
        flash(_("Only a published project plan can be reused."), "error")
        return redirect(url_for(".item", item_id=item.id))
    memberships = services.author_memberships(user)
    if not memberships:
        flash(_("You can reuse a plan once you are a member of a cooperative."), "info")
        return redirect(url_for(".item", item_id=item.id))
    form = ReuseForm()
    form.cooperative_id.choices = choices(
        (m.cooperative_id, m.cooperative.name) for m in memberships
    )
    if form.validate_on_submit():
        try:
            copy = services.reuse(item, by=user, cooperative_id=form.cooperative_id.data)
        except DomainError as error:
            db.session.rollback()
            item = _visible_or_404(item_id)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The plan is copied as a draft. Make it your own, then publish it."), "success")
            return redirect(url_for(".edit", item_id=copy.id))
    return render_template("knowledge/reuse.html", form=form, item=item), (
        422 if form.errors or form.form_errors else 200
    )


# Questions and answers ----------------------------------------------------------------------


@bp.post("/<int:item_id>/questions")
@signed_in
def ask(item_id):
    item = _visible_or_404(item_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.ask(item, body=form.body.data, by=_user())
        except DomainError as error:
            db.session.rollback()
            item = _visible_or_404(item_id)
            put_on_form(form, error)
        else:
            if item.author_id != question.asked_by_id:
                mail.after_commit(emails.question_asked(question, item))
            db.session.commit()
            flash(_("Your question is posted. The author gets an e-mail."), "success")
            return redirect(url_for(".item", item_id=item.id, _anchor="questions"))
    return _item_page(item, question_form=form, status=422)


@bp.post("/<int:item_id>/questions/<int:question_id>/answer")
@signed_in
def answer(item_id, question_id):
    item = _visible_or_404(item_id)
    try:
        question = services.get_question(item, question_id)
    except NotFound:
        abort(404)
    if not services.can_edit(item, _user()):
        flash(_("Only the author and the board of the cooperative can answer."), "error")
        return redirect(url_for(".item", item_id=item.id, _anchor="questions"))
    form = AnswerForm(prefix=f"q{question.id}")
    if form.validate_on_submit():
        try:
            services.answer(question, item, text=form.answer.data, by=_user())
        except DomainError as error:
            db.session.rollback()
            item = _visible_or_404(item_id)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your answer is posted."), "success")
            return redirect(url_for(".item", item_id=item.id, _anchor=f"question-{question.id}"))
    return _item_page(item, answer_form=form, status=422)


def _question_or_404(item, question_id):
    try:
        return services.get_question(item, question_id)
    except NotFound:
        abort(404)


def _question_part():
    part = request.form.get("part", "")
    return part if part in services.QUESTION_PARTS else None


@bp.post("/<int:item_id>/questions/<int:question_id>/hide")
@signed_in
def hide_question(item_id, question_id):
    item = _visible_or_404(item_id)
    question = _question_or_404(item, question_id)
    anchor = f"question-{question.id}"
    part = _question_part()
    if part is None:
        abort(400)
    if not services.can_moderate(item, _user()):
        flash(
            _(
                "Only the author, the board of the cooperative and platform administrators "
                "can hide questions and answers."
            ),
            "error",
        )
        return redirect(url_for(".item", item_id=item.id, _anchor=anchor))
    form = HideQuestionForm(prefix=f"{'hq' if part == 'question' else 'ha'}{question.id}")
    if form.validate_on_submit():
        try:
            services.hide_question(question, item, part=part, reason=form.reason.data, by=_user())
        except DomainError as error:
            db.session.rollback()
            item = _visible_or_404(item_id)
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _("The question is hidden. Its writer sees your reason.")
                if part == "question"
                else _("The answer is hidden. Its writer sees your reason."),
                "success",
            )
            return redirect(url_for(".item", item_id=item.id, _anchor=anchor))
    return _item_page(item, hide_question_form=form, status=422)


@bp.post("/<int:item_id>/questions/<int:question_id>/unhide")
@signed_in
def unhide_question(item_id, question_id):
    item = _visible_or_404(item_id)
    question = _question_or_404(item, question_id)
    part = _question_part()
    if part is None:
        abort(400)
    try:
        services.unhide_question(question, item, part=part, by=_user())
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _("The question is visible again.")
            if part == "question"
            else _("The answer is visible again."),
            "success",
        )
    return redirect(url_for(".item", item_id=item.id, _anchor=f"question-{question.id}"))


# Bookmarks ----------------------------------------------------------------------------------


@bp.post("/<int:item_id>/bookmark")
@signed_in
def bookmark(item_id):
    item = _visible_or_404(item_id)
    on = request.form.get("on") == "1"
    services.set_bookmark(item, _user(), on)
    db.session.commit()
    flash(_("The item is in your bookmarks.") if on else _("The bookmark is removed."), "success")
    return redirect(url_for(".item", item_id=item.id))


@bp.get("/bookmarks")
@signed_in
def bookmarks():
    return render_template("knowledge/bookmarks.html", items=services.bookmarks(_user()))


# Atom feeds (public items only) -------------------------------------------------------------


def _atom(items, title, self_url, page_url):
    return Response(
        feeds.atom(items, title=title, self_url=self_url, page_url=page_url),
        mimetype="application/atom+xml",
    )


@bp.get("/feed.atom")
@public
def feed():
    return _atom(
        services.feed_items(),
        _("Knowledge network"),
        url_for(".feed", _external=True),
        url_for(".index", _external=True),
    )


@bp.get("/kinds/<item_kind>/feed.atom")
@public
def kind_feed(item_kind):
    kind = KINDS.get(item_kind)
    if kind is None:
        abort(404)
    return _atom(
        services.feed_items(kind=kind),
        _("Knowledge network: %(kind)s", kind=KIND_LABELS[kind]),
        url_for(".kind_feed", item_kind=kind.value, _external=True),
        url_for(".index", kind=kind.value, _external=True),
    )


@bp.get("/themes/<theme_slug>/feed.atom")
@public
def theme_feed(theme_slug):
    theme = _theme_from(theme_slug)
    if theme is None:
        abort(404)
    return _atom(
        services.feed_items(theme=theme),
        _("Knowledge network: %(theme)s", theme=theme.name),
        url_for(".theme_feed", theme_slug=theme.slug, _external=True),
        url_for(".index", theme=theme.slug, _external=True),
    )
