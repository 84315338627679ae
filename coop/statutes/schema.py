"""The parameters of a model text: type, label and help (Dutch and English through
Babel), default and validation. One list, shared by the board's form, the services and
the renderer."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

MEMBER_KINDS = ("resident", "entrepreneur", "organisation")
LIABILITIES = ("UA", "BA", "WA")
WEIGHTINGS = ("member", "share")
MIN_NOTICE_DAYS = 7


@dataclass(frozen=True)
class Param:
    key: str
    type: str  # str, text, kinds, int, optional_int, fraction, bool, choice, month
    label: Any
    help: Any
    default: Any
    required: bool = False
    min: int | None = None
    max: int | None = None
    max_length: int = 200
    choices: tuple = field(default_factory=tuple)


def _kind_labels():
    return {
        "resident": _l("Residents"),
        "entrepreneur": _l("Local entrepreneurs"),
        "organisation": _l("Neighbourhood organisations"),
    }


def choice_labels(param: Param) -> list[tuple[str, Any]]:
    if param.type == "kinds":
        labels = _kind_labels()
        return [(kind, labels[kind]) for kind in MEMBER_KINDS]
    if param.key == "liability":
        return [
            ("UA", _l("U.A. – members are not liable for debts (most common)")),
            ("BA", _l("B.A. – members' liability is limited")),
            ("WA", _l("W.A. – members are liable for all debts")),
        ]
    if param.key == "vote_weighting":
        return [
            ("member", _l("One member, one vote")),
            ("share", _l("Votes by number of shares")),
        ]
    return [(value, value) for value in param.choices]


def _quorum(kind_label):
    return _l(
        "Quorum for %(kind)s (percent of the members)",
        kind=kind_label,
    )


_KIND_WORDS = {
    "ordinary": _l("ordinary decisions"),
    "statutes": _l("amending the statutes"),
    "dissolution": _l("dissolution"),
    "election": _l("elections"),
}

PARAMS: tuple[Param, ...] = (
    Param(
        "name",
        "str",
        _l("Name of the cooperative"),
        _l("Without U.A. or B.A.: the text adds the liability form itself."),
        "",
        required=True,
        max_length=150,
    ),
    Param(
        "seat",
        "str",
        _l("Seat (municipality)"),
        _l("For example Utrecht."),
        "",
        True,
        max_length=100,
    ),
    Param(
        "purpose",
        "text",
        _l("Purpose"),
        _l("What the cooperative is for, in your own words. One paragraph."),
        "",
        required=True,
        max_length=2000,
    ),
    Param(
        "member_kinds",
        "kinds",
        _l("Who can become a member"),
        _l("Choose at least one."),
        list(MEMBER_KINDS),
        required=True,
    ),
    Param(
        "minimum_shares",
        "int",
        _l("Minimum number of shares per member"),
        _l("0 means membership without shares."),
        1,
        min=0,
        max=100,
    ),
    Param(
        "notice_days",
        "int",
        _l("Notice period for a general assembly (days)"),
        _l("At least 7 days (the legal minimum)."),
        14,
        min=MIN_NOTICE_DAYS,
        max=90,
    ),
    *(
        Param(
            f"quorum_{kind}",
            "int",
            _quorum(words),
            _l("0 means no quorum."),
            0,
            min=0,
            max=100,
        )
        for kind, words in _KIND_WORDS.items()
    ),
    *(
        Param(
            f"majority_{kind}",
            "fraction",
            _l("Majority for %(kind)s", kind=words),
            _l('"1/2" means more than half; any other fraction means at least that part.'),
            default,
        )
        for (kind, words), default in zip(
            _KIND_WORDS.items(), ("1/2", "2/3", "2/3", "1/2"), strict=True
        )
    ),
    Param(
        "blank_votes_count",
        "bool",
        _l("Blank votes count as votes cast"),
        "",
        False,
    ),
    Param(
        "second_assembly_without_quorum",
        "bool",
        _l("A second assembly may decide without a quorum"),
        "",
        True,
    ),
    Param(
        "proxies_per_holder",
        "int",
        _l("Proxies one member may hold"),
        _l("0 means no voting by proxy."),
        1,
        min=0,
        max=5,
    ),
    Param(
        "vote_weighting",
        "choice",
        _l("Votes"),
        "",
        "member",
        choices=WEIGHTINGS,
    ),
    Param(
        "share_vote_cap",
        "optional_int",
        _l("Most votes one member can have"),
        _l("Only with votes by number of shares. Leave empty for no limit."),
        None,
        min=1,
        max=100,
    ),
    Param(
        "electronic_participation",
        "bool",
        _l("Members may take part in the assembly online"),
        "",
        False,
    ),
    Param("advance_voting", "bool", _l("Members may vote in advance"), "", False),
    Param(
        "financial_year_start",
        "month",
        _l("First month of the financial year"),
        "",
        1,
        min=1,
        max=12,
    ),
    Param("liability", "choice", _l("Liability of the members"), "", "UA", choices=LIABILITIES),
    Param(
        "resignation_notice_weeks",
        "int",
        _l("Notice for resigning (weeks)"),
        "",
        4,
        min=0,
        max=52,
    ),
)

BY_KEY = {param.key: param for param in PARAMS}
FRACTION = re.compile(r"^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$")


def defaults(template_defaults: dict | None = None) -> dict:
    values = {
        param.key: list(param.default) if isinstance(param.default, list) else param.default
        for param in PARAMS
    }
    for key, value in (template_defaults or {}).items():
        if key in BY_KEY:
            values[key] = value
    return values


def _plain(value: str, *, multiline: bool) -> bool:
    allowed = "\n\r\t" if multiline else ""
    return not any(
        char not in allowed and unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"}
        for char in value
    )


def parse_fraction(value) -> Fraction | None:
    match = FRACTION.match(str(value or ""))
    if not match:
        return None
    numerator, denominator = int(match[1]), int(match[2])
    if denominator == 0:
        return None
    return Fraction(numerator, denominator)


def _int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    if re.fullmatch(r"-?\d{1,6}", text):
        return int(text)
    return None


def _check(param: Param, value) -> tuple[Any, Any]:
    """(clean value, None) or (None, message)."""
    kind = param.type
    if kind in ("str", "text"):
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None, _l("Fill this in.")
        if len(text) > param.max_length:
            return None, _l("Use at most %(max)s characters.", max=param.max_length)
        if not _plain(text, multiline=kind == "text"):
            return None, _l("This contains characters that are not allowed.")
        if kind == "text":
            text = " ".join(text.split())  # one paragraph
        return text, None
    if kind == "kinds":
        given = value if isinstance(value, list | tuple) else []
        kinds = [k for k in MEMBER_KINDS if k in given]
        if not kinds or len(kinds) != len(set(given)):
            return None, _l("Choose at least one kind of member.")
        return kinds, None
    if kind in ("int", "month"):
        number = _int(value)
        if number is None:
            return None, _l("Give a whole number.")
        if not param.min <= number <= param.max:
            if param.key == "notice_days" and number < param.min:
                return None, _l(
                    "The notice period is at least %(days)s days (the legal minimum).",
                    days=MIN_NOTICE_DAYS,
                )
            return None, _l("Give a number from %(min)s to %(max)s.", min=param.min, max=param.max)
        return number, None
    if kind == "optional_int":
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, None
        number = _int(value)
        if number is None or not param.min <= number <= param.max:
            return None, _l(
                "Give a number from %(min)s to %(max)s, or leave it empty.",
                min=param.min,
                max=param.max,
            )
        return number, None
    if kind == "fraction":
        fraction = parse_fraction(value)
        if fraction is None:
            return None, _l('Give a fraction such as "1/2", "2/3" or "3/4".')
        if not Fraction(1, 2) <= fraction <= 1:
            return None, _l("A majority is at least one half and at most all the votes.")
        match = FRACTION.match(str(value))
        return f"{int(match[1])}/{int(match[2])}", None
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, _l("Choose yes or no.")
    if kind == "choice":
        if value in param.choices:
            return value, None
        return None, _l("Choose one of the options.")
    raise ValueError(kind)  # pragma: no cover - a mistake in PARAMS


def validate(values: dict) -> tuple[dict, dict]:
    """Check every parameter: (clean values, {key: message}). Unknown keys are ignored."""
    clean, errors = {}, {}
    for param in PARAMS:
        value, problem = _check(param, values.get(param.key, param.default))
        if problem is not None:
            errors[param.key] = problem
        else:
            clean[param.key] = value
    if (
        "share_vote_cap" not in errors
        and clean.get("share_vote_cap") is not None
        and clean.get("vote_weighting") != "share"
    ):
        errors["share_vote_cap"] = _l("A limit only applies when votes go by shares.")
    return clean, errors
