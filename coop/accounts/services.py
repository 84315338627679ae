"""Account rules: sign-up, log-in, verification, reset, changes. Services flush, never commit."""

from __future__ import annotations

import hashlib

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from coop import audit
from coop.accounts.errors import (
    AccountError,
    BadToken,
    EmailTaken,
    InvalidCredentials,
    NotVerified,
)
from coop.accounts.models import User
from coop.accounts.passwords import (
    check_password,
    hash_password,
    needs_rehash,
    password_problem,
)
from coop.db import utcnow
from coop.extensions import db

VERIFY = "verify-email"
RESET = "reset-password"
CHANGE_EMAIL = "change-email"


def normalise_email(raw: str) -> str:
    try:
        return validate_email(
            raw.strip(),
            check_deliverability=False,
            test_environment=current_app.config["EMAIL_ALLOW_TEST_DOMAINS"],
        ).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(_l("This is not a valid e-mail address."), field="email") from error


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def check_new_password(password: str, *, email: str, words: tuple[str, ...] = (), field="password"):
    problem = password_problem(password, email=email, words=words)
    if problem:
        raise AccountError(problem, field=field)


def sign_up(*, email: str, password: str, name: str, locale: str, words=()) -> User:
    email = normalise_email(email)
    # The password is checked and hashed before looking for an existing account, so that
    # a taken address answers exactly like a new one: same errors, same work.
    check_new_password(password, email=email, words=tuple(words))
    password_hash = hash_password(password)
    existing = find_by_email(email)
    if existing is not None:
        raise EmailTaken(
            _l("There is already an account with this e-mail address. Log in instead."),
            field="email",
            user=existing,
        )
    user = User(
        email=email,
        name=name.strip(),
        password_hash=password_hash,
        locale=locale if locale in current_app.config["LANGUAGES"] else "nl",
    )
    db.session.add(user)
    db.session.flush()
    audit.record(None, user, "account.signed_up", user)
    return user


def authenticate(*, email: str, password: str) -> User:
    user = find_by_email(email)
    if not check_password(user.password_hash if user else None, password):
        raise InvalidCredentials(_l("The e-mail address or password is not correct."))
    if not user.is_verified:
        raise NotVerified(
            _l("First confirm your e-mail address with the link we sent you."), field="email"
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    for membership in _active_memberships(user):
        if membership.is_board:
            audit.record(membership.cooperative, user, "board.logged_in", user)
    db.session.flush()
    return user


def _active_memberships(user: User):
    from coop.members.models import Membership, MembershipStatus

    return db.session.scalars(
        select(Membership).where(
            Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE
        )
    ).all()


# Tokens -----------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(user: User) -> str:
    """Changes when the password changes, which makes a reset token single-use."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str, **extra) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user), **extra})


def read_token(token: str, purpose: str, max_age: int) -> tuple[User, dict]:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise BadToken(_l("This link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise BadToken(_l("This link is not valid. Ask for a new one.")) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user):
        raise BadToken(_l("This link has already been used or is no longer valid."))
    return user, data


def verify_email(token: str) -> User:
    user, data = read_token(token, VERIFY, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if data.get("e") != user.email:
        raise BadToken(_l("This link is not valid. Ask for a new one."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record(None, user, "account.verified", user)
        db.session.flush()
    return user


def verification_token(user: User) -> str:
    return make_token(user, VERIFY, e=user.email)


def reset_token(user: User) -> str:
    return make_token(user, RESET)


def check_reset_token(token: str) -> User:
    """The account a reset link is for; BadToken when it expired or was used."""
    user, _data = read_token(token, RESET, current_app.config["PASSWORD_RESET_MAX_AGE"])
    return user


def reset_password(token: str, new_password: str) -> User:
    user = check_reset_token(token)
    check_new_password(new_password, email=user.email)
    _set_password(user, new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the mail reached them
    audit.record(None, user, "account.password_reset", user)
    db.session.flush()
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1


def change_password(user: User, *, current: str, new: str) -> None:
    if not check_password(user.password_hash, current):
        raise AccountError(_l("Your current password is not correct."), field="current_password")
    check_new_password(new, email=user.email, field="new_password")
    _set_password(user, new)
    audit.record(None, user, "account.password_changed", user)
    db.session.flush()


def request_email_change(user: User, *, new_email: str, password: str) -> str:
    """Check and return a token for the confirmation mail to the new address."""
    if not check_password(user.password_hash, password):
        raise AccountError(_l("Your password is not correct."), field="password")
    try:
        new_email = normalise_email(new_email)
    except AccountError as error:
        error.field = "new_email"
        raise
    if new_email == user.email:
        raise AccountError(_l("This is already your e-mail address."), field="new_email")
    if find_by_email(new_email) is not None:
        raise AccountError(
            _l("Another account already uses this e-mail address."), field="new_email"
        )
    # Bound to the current address too: once the address changes, older links stop working.
    return make_token(user, CHANGE_EMAIL, e=new_email, o=user.email)


def confirm_email_change(token: str) -> User:
    user, data = read_token(token, CHANGE_EMAIL, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if data.get("o") != user.email:
        raise BadToken(_l("This link has already been used or is no longer valid."))
    new_email = data.get("e")
    if not new_email or find_by_email(new_email) is not None:
        raise BadToken(_l("This e-mail address can no longer be used."))
    user.email = new_email
    user.email_verified_at = utcnow()
    audit.record(None, user, "account.email_changed", user)
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_l("This language is not available."), field="locale")
    user.locale = locale
    db.session.flush()


def update_profile(user: User, *, name: str) -> None:
    user.name = name.strip()
    db.session.flush()
