"""Password hashing (argon2) and the password policy."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
COMMON_LIMIT = 20000  # the most common passwords of zxcvbn's list

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    dutch = [
        "wachtwoord",
        "welkom",
        "welkom123",
        "geheim",
        "wachtwoord1",
        "wachtwoord123",
        "voetbal",
        "ajax",
        "feyenoord",
        "utrecht",
        "amsterdam",
        "rotterdam",
        "nederland",
        "holland",
        "koekje",
        "zomer",
        "winter",
        "lente",
        "herfst",
        "welkom01",
        "hallo",
        "hallo123",
        "buurt",
        "buurtcoop",
        "cooperatie",
    ]
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_LIMIT]) | frozenset(dutch)


def _squash(text: str) -> str:
    """Lower case, accents folded ("coöperatie" == "cooperatie"), only letters and digits."""
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKD", text.lower()))


def _personal_words(email: str, words: tuple[str, ...]) -> list[str]:
    """The e-mail address, its local part, the given words and their parts; longest first."""
    local = email.split("@")[0]
    whole = {_squash(text) for text in (email, local, *words)}
    parts = {_squash(part) for text in (local, *words) for part in re.split(r"[\s._+-]+", text)}
    found = {w for w in whole if len(w) >= 3} | {p for p in parts if len(p) >= 4}
    return sorted(found, key=len, reverse=True)


def password_problem(password: str, *, email: str = "", words: tuple[str, ...] = ()) -> str | None:
    """Why a password is refused, or None. Messages are lazy so they translate at display."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > 200:
        return _l("Use at most 200 characters.")
    lowered = password.lower()
    squashed = _squash(password)
    common = _common_passwords()
    if lowered in common or squashed in common or re.sub(r"\d+$", "", lowered) in common:
        return _l("This password is too common. Choose one that is harder to guess.")
    if len(set(lowered)) <= 3:
        return _l("This password is too easy to guess. Use more different characters.")
    # What is left once every personal word is taken out must be a password of its own.
    rest = squashed
    for word in _personal_words(email, words):
        rest = rest.replace(word, "")
    if rest != squashed and (len(rest) < 6 or rest.isdigit() or rest in common):
        return _l("Do not make your password out of your e-mail address or the cooperative's name.")
    return None
