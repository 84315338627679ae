from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from coop import mail
from coop.access import public, signed_in
from coop.accounts import emails, services
from coop.accounts.errors import AccountError, EmailTaken, NotVerified
from coop.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
)
from coop.core.web import select_locale, set_language_cookie
from coop.errors import DomainError, put_on_form
from coop.extensions import db, limiter
from coop.urls import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _login_email_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()[:254]


def _login_address_key() -> str:
    return "login-addr:" + (request.remote_addr or "unknown")


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _login_limit():
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _mail_limit():
    return current_app.config["MAIL_REQUEST_LIMIT"]


def _mail_email_key() -> str:
    return "mail:" + request.form.get("email", "").strip().lower()[:254]


# Mail-sending forms: a few per hour per address asked for, so nobody floods an inbox.
mail_request_limit = limiter.limit(
    _mail_limit, key_func=_mail_email_key, methods=["POST"], scope="mail-request"
)


def _me():
    """The logged-in User itself: services and the audit log must not get the proxy."""
    return current_user._get_current_object()


def _send_verification(user):
    token = services.verification_token(user)
    url = url_for("accounts.verify", token=token, _external=True)
    mail.after_commit(emails.verify(user, url))


@bp.route("/signup", methods=["GET", "POST"])
@public
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.sign_up(
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                locale=select_locale(),
            )
        except EmailTaken as error:
            # Do not reveal to a stranger which addresses have accounts: mail the owner.
            existing = error.user
            mail.after_commit(
                emails.existing_account(
                    existing.email, existing.locale, url_for("accounts.login", _external=True)
                )
            )
            db.session.commit()
            return redirect(url_for("accounts.check_mail"))
        except DomainError as error:
            put_on_form(form, error)
        else:
            _send_verification(user)
            db.session.commit()
            return redirect(url_for("accounts.check_mail"))
    return render_template("accounts/signup.html", form=form)


@bp.get("/check-mail")
@public
def check_mail():
    return render_template("accounts/check_mail.html")


@bp.get("/verify/<token>")
@public
def verify(token):
    try:
        services.verify_email(token)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.resend"))
    db.session.commit()
    flash(_("Thank you. Your e-mail address is confirmed. You can log in now."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/verify/resend", methods=["GET", "POST"])
@mail_request_limit
@public
def resend():
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_by_email(form.email.data)
        if user is not None and not user.is_verified:
            _send_verification(user)
        db.session.commit()
        flash(
            _("If this address has an account that is not yet confirmed, we sent a new link."),
            "info",
        )
        return redirect(url_for("accounts.check_mail"))
    return render_template("accounts/resend.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    key_func=_login_address_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
@limiter.limit(
    _login_limit,
    key_func=_login_email_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("core.home")))
    form = LoginForm()
    unverified = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except NotVerified as error:
            unverified = True
            put_on_form(form, error)
        except AccountError as error:
            g.login_failed = True
            put_on_form(form, error)
        else:
            db.session.commit()
            session.clear()  # a fresh session on every log-in
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.name or user.email), "success")
            return redirect(safe_next(url_for("core.home")))
    return render_template("accounts/login.html", form=form, unverified=unverified)


@bp.post("/logout")
@signed_in
def logout():
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion in the session
    flash(_("You are logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/reset", methods=["GET", "POST"])
@mail_request_limit
@public
def reset_request():
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_by_email(form.email.data)
        if user is not None:
            url = url_for("accounts.reset", token=services.reset_token(user), _external=True)
            mail.after_commit(emails.reset(user, url))
        db.session.commit()
        flash(
            _(
                "If this address has an account, we sent a link to choose a new password. "
                "The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.check_mail"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(token):
    try:
        services.check_reset_token(token)  # a used or expired link shows no form
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            if error.field is None:
                flash(error.message, "error")
                return redirect(url_for("accounts.reset_request"))
            put_on_form(form, error)
        else:
            db.session.commit()
            session.clear()
            logout_user()
            flash(_("Your new password is saved. Log in with it now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


def _settings(profile=None, email=None, password=None, status=200):
    profile = profile or ProfileForm(
        formdata=None, name=current_user.name, locale=current_user.locale
    )
    return render_template(
        "accounts/settings.html",
        profile_form=profile,
        email_form=email or ChangeEmailForm(formdata=None),
        password_form=password or ChangePasswordForm(formdata=None),
    ), status


@bp.get("/")
@signed_in
def settings():
    return _settings()


@bp.get("/memberships")
@signed_in
def memberships():
    from coop.members.forms import FUNCTION_LABELS, KIND_LABELS
    from coop.members.services import memberships_of

    return render_template(
        "accounts/memberships.html",
        memberships=memberships_of(_me()),
        kinds=KIND_LABELS,
        labels=FUNCTION_LABELS,
    )


@bp.get("/data.json")
@signed_in
def personal_data():
    from coop.members.services import personal_data as collect

    response = jsonify(collect(_me()))
    response.headers["Content-Disposition"] = 'attachment; filename="buurtcoop-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/profile")
@signed_in
def profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(_me(), name=form.name.data)
            services.set_locale(_me(), form.locale.data)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            # The language also stays after logging out, as with the language switch.
            return set_language_cookie(redirect(url_for("accounts.settings")), current_user.locale)
    return _settings(profile=form, status=422)


@bp.post("/email")
@signed_in
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            token = services.request_email_change(
                _me(), new_email=form.new_email.data, password=form.password.data
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            new_email = services.normalise_email(form.new_email.data)
            url = url_for("accounts.confirm_email", token=token, _external=True)
            mail.after_commit(emails.change_email(_me(), new_email, url))
            db.session.commit()
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you click it.",
                    email=new_email,
                ),
                "info",
            )
            return redirect(url_for("accounts.settings"))
    return _settings(email=form, status=422)


@bp.get("/email/confirm/<token>")
@public
def confirm_email(token):
    try:
        services.confirm_email_change(token)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Your new e-mail address is confirmed."), "success")
    return redirect(
        url_for("accounts.settings" if current_user.is_authenticated else "accounts.login")
    )


@bp.post("/password")
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                _me(), current=form.current_password.data, new=form.new_password.data
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            # Keep this session (and its remember-me) with the new session version; the
            # others, and their remember cookies, carry the old version and end.
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            session.clear()
            login_user(_me(), remember=remember_cookie in request.cookies)
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("accounts.settings"))
    return _settings(password=form, status=422)
