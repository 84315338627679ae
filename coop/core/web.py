"""Request plumbing: language, formatting, security headers, error pages."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from flask import Flask, g, has_request_context, render_template, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    get_locale,
    get_translations,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import pass_eval_context
from markupsafe import Markup
from sqlalchemy import and_, bindparam, event, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import defer, joinedload, lazyload, load_only, with_expression

from coop.errors import Gone
from coop.extensions import db, login_manager

LANGUAGE_COOKIE = "lang"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    forced = g.get("force_language")
    if forced in languages:
        return forced
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE) if request else None
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def set_language_cookie(response, locale: str):
    from flask import current_app

    response.set_cookie(
        LANGUAGE_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def money(cents: int | None) -> str:
    if cents is None:
        return ""
    return format_currency(cents / 100, "EUR")


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "d MMMM y HH:mm")
    return format_date(value, "long")


WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def configure_sqlite(engine: Engine) -> None:
    """How the app uses an SQLite database (nothing for other databases): foreign keys,
    a write-ahead log, and transactions that SQLAlchemy begins, a writing request's with
    SQLite's write lock.

    Per engine, not for every Engine: a transaction listener on all engines would make
    SQLAlchemy dispatch events around every statement on PostgreSQL too (3% of a vote)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, connection_record):
        # Let SQLAlchemy manage transactions so SAVEPOINT works; enforce foreign keys.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Wait up to 30 s for the one write lock (writing requests take it when they begin).
        cursor.execute("PRAGMA busy_timeout=30000")
        # Write-ahead log: readers do not block the writer and a commit syncs one file
        # (still every commit: synchronous stays FULL). An in-memory database ignores it.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection):
        # A request that may write takes SQLite's one write lock when its transaction
        # begins (waiting up to busy_timeout for it): a transaction that read first and
        # wrote later would be refused at once when another writer came in between.
        writing = has_request_context() and request.method in WRITING_METHODS
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _load_user(user_id: str):
    """The signed-in person, with their memberships that did not end (the menu and the
    access checks need them on every page): one query instead of two."""
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit() or len(ident) > 18:
        return None
    rows = _user_rows(int(ident))
    if not rows or rows[0][0].session_version != int(version):
        return None
    if has_request_context():
        g.nav_memberships = _memberships(rows)
    return rows[0][0]


def _user_rows(user_id: int) -> list:
    """(user, membership or None) rows of ``_user_statement``.

    The statement reads only what every page needs of a membership and its cooperative
    (names, numbers, status). Their other columns (address, contact details, the
    cooperative's texts) are marked expired, as after a commit: the first one a page reads
    loads all of them in one query. Left deferred, each would load with a query of its own."""
    rows = db.session.execute(_user_statement(), {"user_id": user_id}).all()
    for _, membership in rows:
        if membership is not None:
            for instance in (membership, membership.cooperative):
                # Only what is not loaded (a loaded column may hold a change); the
                # state's documented set of expired keys, cheaper than session.expire().
                state = inspect(instance)
                state.expired_attributes.update(_details(type(instance)).difference(state.dict))
    return rows


def _memberships(rows) -> list:
    return [membership for _, membership in rows if membership is not None]


@cache
def _user_statement():
    """The user and their memberships that did not end, with cooperatives and board
    functions; built once per process."""
    from coop.accounts.models import User
    from coop.core.models import Cooperative
    from coop.members.models import Membership, MembershipStatus

    return (
        select(User, Membership)
        .outerjoin(
            Membership,
            and_(Membership.user_id == User.id, Membership.status != MembershipStatus.ENDED),
        )
        # Outer joins all the way: a person without memberships is still found.
        .options(
            joinedload(Membership.cooperative, innerjoin=False).load_only(
                *_every_page(Cooperative)
            ),
            with_expression(Membership.function_names, _function_names(Membership)),
            lazyload(Membership.functions),  # read only when changed (function_set)
            load_only(*_every_page(Membership)),
            # Read at log-in and password changes only, by their own queries.
            defer(User.password_hash),
        )
        .where(User.id == bindparam("user_id"))
        .order_by(Membership.id)
    )


def _function_names(membership):
    """A membership's function names, comma-separated ("" for none): one column instead
    of a joined collection."""
    from coop.members.models import MembershipFunction

    names = func.aggregate_strings(MembershipFunction.function, ",")
    return (
        select(func.coalesce(names, ""))
        .where(MembershipFunction.membership_id == membership.id)
        .scalar_subquery()
    )


# What the menu and the access checks of every page read of a membership and its
# cooperative; the other columns are their details (see ``_user_rows``).
EVERY_PAGE = {
    "Membership": ("id", "cooperative_id", "user_id", "number", "kind", "status", "name"),
    "Cooperative": ("id", "slug", "name", "parent_id"),
}


@cache
def _every_page(model) -> tuple:
    return tuple(getattr(model, key) for key in EVERY_PAGE[model.__name__])


@cache
def _details(model) -> frozenset[str]:
    return frozenset(c.key for c in inspect(model).column_attrs) - set(EVERY_PAGE[model.__name__])


def nav_memberships():
    """The signed-in person's memberships that did not end (for the menu, and for the
    access checks of ``coop.access``): loaded with the user, or once per request when
    the user signed in during it."""
    if not current_user.is_authenticated:
        return []
    if "nav_memberships" not in g:
        g.nav_memberships = _memberships(_user_rows(current_user.id))
    return g.nav_memberships


def _page_translations():
    """The translations of this request, for the templates' ``_()``: Flask-Babel's,
    kept in the slot Flask-Babel keeps for them (``babel_translations`` on its request
    state, which ``refresh()`` clears and ``force_locale`` sets aside and restores), so
    a page with dozens of texts looks them up once instead of once per text."""
    state = g.get("_flask_babel")
    translations = getattr(state, "babel_translations", None)
    if translations is None:
        translations = get_translations()
        state = g.get("_flask_babel")
        if state is not None:
            state.babel_translations = translations
    return translations


@pass_eval_context
def _template_gettext(eval_context, string: str, **variables) -> str:
    """Jinja's new-style ``_()``: translated, marked safe where the template escapes, and
    always a format string (``%%`` is one ``%``), its variables escaped by Markup."""
    translated = _page_translations().ugettext(string)
    if eval_context.autoescape:
        translated = Markup(translated)  # noqa: S704 - our catalogue, as Jinja's gettext does
    return translated % variables


def _function_label(function) -> str:
    from coop.members.forms import FUNCTION_LABELS

    return FUNCTION_LABELS[function]


def init_app(app: Flask) -> None:
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # ``_()`` as the extension's new-style gettext does it, in one call instead of three
    # (its alias looks up ``gettext``, which calls the function above): a page has dozens.
    app.jinja_env.globals["_"] = _template_gettext
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals["nav_memberships"] = nav_memberships
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["function_label"] = _function_label

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


ERRORS = {
    400: (_l("Something went wrong with your request"), _l("Please go back and try again.")),
    403: (_l("No access"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist (any more).")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is too large. Send a smaller file or less text.")),
    429: (
        _l("Too many attempts"),
        _l("You tried too often. Wait 15 minutes and then try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Sorry. Please try again later. Nothing you entered was saved halfway."),
    ),
}


def register_error_pages(app: Flask) -> None:
    def render_error(code: int, detail=None):
        title, text = ERRORS[code]
        return render_template("core/error.html", code=code, title=title, text=detail or text), code

    for code in ERRORS:
        if code != 500:
            app.register_error_handler(code, lambda error, code=code: render_error(code))

    @app.errorhandler(Gone)
    def gone(error):
        db.session.rollback()
        return render_error(404)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _l(
                "This form has expired or was not sent from this site. "
                "Reload the page and try again."
            ),
        )
