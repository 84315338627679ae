"""Importing members from a CSV file, in two steps: check (a preview of every problem), then
import on confirmation — all rows or none.

- ``parse(content, today=…)`` is pure: it decodes the bytes (UTF-8 with or without BOM, else
  Windows-1252), finds the separator (semicolon, comma or tab), maps the Dutch or English
  headings onto fields and checks every cell. It never touches the database.
- ``check(cooperative, parsed)`` adds what only the database knows (member numbers in use,
  e-mail addresses that are already a member) in a few queries, however many rows.
- ``import_members(cooperative, parsed, by=…, today=…)`` checks again under a lock on the
  cooperative and writes everything with bulk inserts, or raises ``ImportRefused`` and
  writes nothing. It flushes; the caller commits.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``,
see ``register.FORMULA_START``) are refused, not neutralised: the row gets a problem and
nothing is imported. The one exception is a phone number starting with ``+`` (an
international number; the phone pattern allows nothing but digits, spaces and ``+ ( ) -``).
A cell that our own export neutralised (``'=…``, ``'+31…``) is read back without the
apostrophe first, so the export and the import agree.

The uploaded file waits between the two steps in a folder on the server (``save_upload``),
under a random token, tied to the cooperative and the person who uploaded it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, insert, select, update

from coop import audit
from coop.accounts.models import User
from coop.db import utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import MemberKind, Membership, MembershipStatus, MembershipStatusChange
from coop.members.register import FORMULA_START, parse_date
from coop.members.rules import iban_problem, normalise_iban, normalise_postcode

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_NUMBER = 2**31 - 1
EARLIEST = date(1900, 1, 1)
# Rows per INSERT batch, and e-mail addresses or numbers per IN (...) query.
CHUNK = 2000
# Imported accounts have no password until their owner picks one with the password reset.
# Not an argon2 hash, so no password ever matches it.
UNUSABLE_PASSWORD = "!imported"  # noqa: S105 - a marker, not a password


# Columns -----------------------------------------------------------------------------------


def _key(text: str) -> str:
    """Headings and list values compared loosely: case, accents, spaces and punctuation
    do not matter ('E-mail adres' == 'emailadres', 'Coöperatie' == 'cooperatie')."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isalnum() and ch.isascii())


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy string, shown on screen
    dutch: str  # the heading to advise, in Dutch and in English
    english: str
    aliases: tuple[str, ...] = ()
    max_length: int = 200


COLUMNS = (
    Column(
        "number",
        _l("Member number"),
        "lidnummer",
        "number",
        ("nummer", "lidnr", "nr", "membernumber", "memberno", "no"),
    ),
    Column("name", _l("Name"), "naam", "name", ("naamlid", "bedrijfsnaam", "businessname")),
    Column(
        "kind",
        _l("Kind"),
        "soort",
        "kind",
        ("soortlid", "type", "kindofmember", "membertype", "lidsoort"),
    ),
    Column(
        "email",
        _l("E-mail address"),
        "e-mail",
        "email",
        ("emailadres", "emailaddress", "mail", "mailadres"),
        max_length=254,
    ),
    Column("street", _l("Street"), "straat", "street", ("straatnaam", "adres", "address")),
    Column(
        "house_number",
        _l("House number"),
        "huisnummer",
        "house number",
        ("huisnr", "housenumber", "housenr"),
        max_length=20,
    ),
    Column("postcode", _l("Postcode"), "postcode", "postcode", ("postalcode", "zipcode", "zip")),
    Column(
        "city",
        _l("Town or city"),
        "plaats",
        "city",
        ("woonplaats", "town", "townorcity", "stad", "vestigingsplaats"),
        max_length=100,
    ),
    Column(
        "phone",
        _l("Phone number"),
        "telefoon",
        "phone",
        ("telefoonnummer", "tel", "telnr", "phonenumber", "mobiel", "mobile"),
        max_length=30,
    ),
    Column("iban", _l("IBAN"), "iban", "iban", ("rekeningnummer", "bankrekening"), max_length=42),
    Column(
        "kvk_number",
        _l("KvK number"),
        "kvk",
        "kvk",
        ("kvknummer", "kvknr", "kvknumber", "chamberofcommerce"),
        max_length=20,
    ),
    Column(
        "contact_person",
        _l("Contact person"),
        "contactpersoon",
        "contact person",
        ("contact", "contactpersonen"),
    ),
    Column(
        "admitted_on",
        _l("Admission date"),
        "datum toelating",
        "admitted_on",
        (
            "toelatingsdatum",
            "toegelatenop",
            "lidsinds",
            "datumlidmaatschap",
            "admissiondate",
            "admitted",
            "membersince",
        ),
        max_length=40,
    ),
    Column(
        "in_directory",
        _l("In the members' directory"),
        "in ledenlijst",
        "directory",
        ("ledenlijst", "indeledenlijst", "indirectory", "inthemembersdirectory"),
        max_length=20,
    ),
)
COLUMN = {column.key: column for column in COLUMNS}
HEADINGS = {
    _key(heading): column.key
    for column in COLUMNS
    for heading in (column.key, column.dutch, column.english, *column.aliases)
}
REQUIRED = ("name", "email", "kind")

KINDS = {
    "bewoner": MemberKind.BEWONER,
    "bewoners": MemberKind.BEWONER,
    "resident": MemberKind.BEWONER,
    "ondernemer": MemberKind.ONDERNEMER,
    "ondernemerindewijk": MemberKind.ONDERNEMER,
    "lokaleondernemer": MemberKind.ONDERNEMER,
    "entrepreneur": MemberKind.ONDERNEMER,
    "localentrepreneur": MemberKind.ONDERNEMER,
    "organisatie": MemberKind.ORGANISATIE,
    "organisation": MemberKind.ORGANISATIE,
    "organization": MemberKind.ORGANISATIE,
}
YES = frozenset({"ja", "j", "yes", "y", "1", "x", "waar", "true", "wel"})
NO = frozenset({"", "nee", "n", "no", "0", "onwaar", "false", "niet"})

_PHONE = re.compile(r"[0-9+() -]{6,30}")
_KVK = re.compile(r"[0-9]{8}")
_NUMBER = re.compile(r"[0-9]{1,10}")
_DELIMITERS = (";", ",", "\t")


# Results -----------------------------------------------------------------------------------


@dataclass
class Problem:
    """One problem: ``row`` as the spreadsheet numbers it (the headings are row 1), or None
    for the file as a whole; ``field`` a column key or None; ``value`` what the cell said."""

    row: int | None
    field: str | None
    message: Any
    value: str = ""

    @property
    def label(self):
        return COLUMN[self.field].label if self.field in COLUMN else ""

    def __str__(self) -> str:
        place = []
        if self.row is not None:
            place.append(f"row {self.row}")
        if self.field:
            place.append(str(self.label))
        prefix = ", ".join(place)
        return f"{prefix}: {self.message}" if prefix else str(self.message)


@dataclass(slots=True)
class Row:
    row: int
    name: str = ""
    kind: MemberKind | None = None
    email: str | None = None
    number: int | None = None
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    iban: str | None = None
    kvk_number: str | None = None
    contact_person: str = ""
    admitted_on: date | None = None
    in_directory: bool = False


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field key -> heading in the file
    ignored: list[str] = field(default_factory=list)  # headings we do not use
    encoding: str = ""
    delimiter: str = ""

    @property
    def file_problems(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.row is None]


@dataclass
class Plan:
    """A parsed file checked against the database: what an import would do."""

    parsed: Parsed
    problems: list[Problem]
    existing: dict[str, int]  # e-mail -> id of the existing account

    @property
    def rows(self) -> list[Row]:
        return self.parsed.rows

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def matched_accounts(self) -> int:
        return sum(1 for row in self.rows if row.email in self.existing)

    @property
    def new_accounts(self) -> int:
        return len(self.rows) - self.matched_accounts

    @property
    def given_numbers(self) -> int:
        return sum(1 for row in self.rows if row.number is not None)


@dataclass
class ImportResult:
    count: int
    new_accounts: int
    matched_accounts: int
    numbers: list[int]

    @property
    def first_number(self) -> int | None:
        return min(self.numbers, default=None)

    @property
    def last_number(self) -> int | None:
        return max(self.numbers, default=None)


class ImportRefused(DomainError):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(_l("The file has problems. Nothing is imported."))
        self.problems = problems


# Reading the file --------------------------------------------------------------------------


def _decode(content: bytes) -> tuple[str | None, str, Any]:
    """(text, encoding, None) or (None, "", message)."""
    if content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return (
            None,
            "",
            _l(
                "This is a spreadsheet workbook, not a CSV file. In your spreadsheet choose "
                "Save as, then CSV UTF-8."
            ),
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return (
            None,
            "",
            _l("This file is saved as UTF-16. Save it as CSV UTF-8 and upload it again."),
        )
    if b"\x00" in content:
        return (
            None,
            "",
            _l("This is not a CSV file. In your spreadsheet choose Save as, then CSV UTF-8."),
        )
    try:
        return content.decode("utf-8-sig"), "UTF-8", None
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252", None
    except UnicodeDecodeError:
        return (
            None,
            "",
            _l("We cannot read the letters in this file. Save it as CSV UTF-8 and try again."),
        )


def _sniff(first_line: str) -> str:
    """The separator: whichever of ; , and tab the heading row holds most (Dutch
    spreadsheets write semicolons, so they win a tie)."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _not_allowed(text: str) -> bool:
    """Control characters and the like, as ``coop.forms.PlainText`` refuses them."""
    if text.isprintable():  # the usual case, fast; it has none of the categories below
        return False
    return any(unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} for ch in text)


def _cell(raw: str) -> str:
    """A cell as typed: trimmed, and without the apostrophe our export puts before text that
    would otherwise be a formula."""
    text = raw.strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) with csv errors turned into a DomainError."""
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise DomainError(
            _l(
                "The file cannot be read as CSV near line %(line)s. Check the quotes.",
                line=reader.line_num,
            ),
        ) from error


def parse(
    content: bytes,
    *,
    today: date,
    allow_test_domains: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Parsed:
    """Read and check a CSV file without the database. Problems with the file as a whole
    (row None) mean there are no rows."""
    parsed = Parsed()

    def fail(message) -> Parsed:
        parsed.problems.append(Problem(None, None, message))
        parsed.rows = []
        return parsed

    if len(content) > max_bytes:
        return fail(
            _l("The file is too large. The limit is %(size)s MB.", size=max_bytes // (1024 * 1024))
        )
    if not content.strip(b" \t\r\n\xef\xbb\xbf"):
        return fail(_l("The file is empty."))
    text, parsed.encoding, problem = _decode(content)
    if text is None:
        return fail(problem)

    first, newline, _rest = text.partition("\n")
    hint = first.strip()
    skip = 0
    if hint.lower().startswith("sep=") and len(hint) == 5:
        # Excel's own hint for the separator, on a line of its own (not a row on screen).
        parsed.delimiter = hint[4]
        skip = len(first) + len(newline)
    else:
        parsed.delimiter = _sniff(first)
    reader = csv.reader(
        io.StringIO(text[skip:], newline=""), delimiter=parsed.delimiter, strict=True
    )

    try:
        return _parse_rows(parsed, reader, today, allow_test_domains, max_rows)
    except DomainError as error:
        return fail(error.message)


def _parse_rows(parsed: Parsed, reader, today: date, allow_test: bool, max_rows: int) -> Parsed:
    records = _records(reader)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        parsed.problems.append(
            Problem(None, None, _l("The first row must hold the column headings."))
        )
        return parsed
    index: dict[str, int] = {}
    for position, heading in enumerate(header[1]):
        heading = heading.strip().lstrip("\ufeff")
        key = HEADINGS.get(_key(heading))
        if key is None:
            if heading:
                parsed.ignored.append(heading)
        elif key in index:
            parsed.problems.append(
                Problem(
                    None,
                    key,
                    _l(
                        "The columns “%(first)s” and “%(second)s” mean the same. Keep one.",
                        first=parsed.columns[key],
                        second=heading,
                    ),
                )
            )
        else:
            index[key] = position
            parsed.columns[key] = heading
    missing = [key for key in REQUIRED if key not in index]
    for key in missing:
        column = COLUMN[key]
        parsed.problems.append(
            Problem(
                None,
                key,
                _l(
                    "The column “%(dutch)s” (or “%(english)s”) is missing. Add it to the "
                    "first row.",
                    dutch=column.dutch,
                    english=column.english,
                ),
            )
        )
    if missing and not index:
        parsed.problems.append(
            Problem(None, None, _l("The first row must hold the column headings."))
        )
    if parsed.problems:
        return parsed

    width = len(header[1])
    seen_rows: dict[tuple, int] = {}
    seen_emails: dict[str, int] = {}
    seen_numbers: dict[int, int] = {}
    count = 0
    # The spreadsheet numbers rows as records (a cell may hold a line break); the csv
    # module counts lines, so count the records ourselves.
    for offset, (_line, record) in enumerate(records, 1):
        row_number = 1 + offset
        if not any(cell.strip() for cell in record):
            continue
        count += 1
        if count > max_rows:
            parsed.problems = [
                Problem(
                    None,
                    None,
                    _l(
                        "The file has more than %(max)s members. Split it into smaller files.",
                        max=max_rows,
                    ),
                )
            ]
            parsed.rows = []
            return parsed
        row, problems = _parse_row(row_number, record, index, width, today, allow_test)
        cells = tuple(_cell(cell) for cell in record[:width])
        if cells in seen_rows:
            problems.append(
                Problem(
                    row_number,
                    None,
                    _l("This row is the same as row %(row)s.", row=seen_rows[cells]),
                )
            )
        else:
            seen_rows[cells] = row_number
            if row.email is not None:
                if row.email in seen_emails:
                    problems.append(
                        Problem(
                            row_number,
                            "email",
                            _l(
                                "This e-mail address is also on row %(row)s.",
                                row=seen_emails[row.email],
                            ),
                            row.email,
                        )
                    )
                else:
                    seen_emails[row.email] = row_number
            if row.number is not None:
                if row.number in seen_numbers:
                    problems.append(
                        Problem(
                            row_number,
                            "number",
                            _l(
                                "This member number is also on row %(row)s.",
                                row=seen_numbers[row.number],
                            ),
                            str(row.number),
                        )
                    )
                else:
                    seen_numbers[row.number] = row_number
        parsed.rows.append(row)
        parsed.problems.extend(problems)
    if not parsed.rows:
        parsed.problems.append(
            Problem(None, None, _l("There are no members in the file, only the headings."))
        )
    return parsed


def _parse_row(
    row_number: int,
    record: list[str],
    index: dict[str, int],
    width: int,
    today: date,
    allow_test: bool,
) -> tuple[Row, list[Problem]]:
    row = Row(row=row_number)
    problems: list[Problem] = []

    def problem(key, message, value=""):
        problems.append(Problem(row_number, key, message, value[:80]))

    if any(cell.strip() for cell in record[width:]):
        problem(
            None,
            _l("This row has more cells than there are headings. Check the separators."),
        )
    values: dict[str, str] = {}
    for key, position in index.items():
        raw = record[position] if position < len(record) else ""
        value = _cell(raw)
        if not value:
            values[key] = ""
            continue
        if _not_allowed(value):
            problem(key, _l("This contains characters that are not allowed."), value)
        elif value.startswith(FORMULA_START) and not (
            key == "phone" and value.startswith("+") and _PHONE.fullmatch(value)
        ):
            problem(
                key,
                _l(
                    "This cell starts with %(char)s, so a spreadsheet would run it as a "
                    "formula. We do not import that. Remove the %(char)s.",
                    char=value[0],
                ),
                value,
            )
        elif len(value) > COLUMN[key].max_length:
            problem(
                key,
                _l("This is too long: at most %(max)s characters.", max=COLUMN[key].max_length),
                value,
            )
        else:
            values[key] = value
            continue
        values[key] = None  # a problem is reported; do not check further

    def given(key) -> str | None:
        """The cell's text; None when it is missing or already has a problem."""
        return values.get(key) or None

    if given("name"):
        row.name = values["name"]
    elif values.get("name") == "":
        problem("name", _l("Fill in this field."))

    if kind := given("kind"):
        row.kind = KINDS.get(_key(kind))
        if row.kind is None:
            problem(
                "kind",
                _l("Unknown kind of member. Use bewoner, ondernemer or organisatie."),
                kind,
            )
    elif values.get("kind") == "":
        problem("kind", _l("Fill in this field."))

    if email := given("email"):
        try:
            row.email = validate_email(
                email, check_deliverability=False, test_environment=allow_test
            ).normalized.lower()
        except EmailNotValidError:
            problem("email", _l("This is not a valid e-mail address."), email)
    elif values.get("email") == "":
        problem("email", _l("Fill in this field."))

    if number := given("number"):
        if _NUMBER.fullmatch(number) and 0 < int(number) <= MAX_NUMBER:
            row.number = int(number)
        else:
            problem("number", _l("A member number is a whole number, like 42."), number)

    for key in ("street", "house_number", "city", "contact_person"):
        if text := given(key):
            setattr(row, key, text)

    if postcode := given("postcode"):
        row.postcode = normalise_postcode(postcode) or ""
        if not row.postcode:
            problem(
                "postcode",
                _l("Write a postcode as 4 digits and 2 letters, like 3561 AB."),
                postcode,
            )
    elif row.kind is MemberKind.BEWONER and values.get("postcode", "") == "":
        problem("postcode", _l("A resident needs a postcode."))

    if phone := given("phone"):
        if _PHONE.fullmatch(phone):
            row.phone = phone
        else:
            problem("phone", _l("Use only digits, spaces and + ( ) -."), phone)

    if iban := given("iban"):
        message = iban_problem(iban)
        if message:
            problem("iban", message, iban)
        else:
            row.iban = normalise_iban(iban)

    if kvk := given("kvk_number"):
        compact = "".join(kvk.split())
        if _KVK.fullmatch(compact):
            row.kvk_number = compact
        else:
            problem("kvk_number", _l("A KvK number has exactly 8 digits."), kvk)

    if admitted := given("admitted_on"):
        day = parse_date(admitted)
        if day is None:
            problem(
                "admitted_on",
                _l("Write the date as day-month-year, for example 1-3-2024."),
                admitted,
            )
        elif day < EARLIEST:
            problem("admitted_on", _l("Choose a date from 1 January 1900 on."), admitted)
        elif day > today:
            problem("admitted_on", _l("The admission date cannot be in the future."), admitted)
        else:
            row.admitted_on = day

    if (directory := given("in_directory")) is not None:
        flag = _key(directory)
        if flag in YES:
            row.in_directory = True
        elif flag not in NO:
            problem("in_directory", _l("Write ja or nee (or yes or no)."), directory)

    return row, problems


# Checking against the database -------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check(cooperative, parsed: Parsed) -> Plan:
    """Add the problems only the database can tell: member numbers in use, people who are
    already a member. One query per 2,000 e-mail addresses and per 2,000 numbers."""
    problems = list(parsed.problems)
    existing: dict[str, int] = {}
    if parsed.file_problems:
        return Plan(parsed=parsed, problems=problems, existing=existing)
    members: set[str] = set()
    emails = [row.email for row in parsed.rows if row.email is not None]
    current = and_(
        Membership.user_id == User.id,
        Membership.cooperative_id == cooperative.id,
        Membership.status != MembershipStatus.ENDED,
    )
    for chunk in _chunks(emails):
        result = db.session.execute(
            select(User.email, User.id, Membership.id)
            .outerjoin(Membership, current)
            .where(User.email.in_(chunk))
        )
        for email, user_id, membership_id in result:
            existing[email] = user_id
            if membership_id is not None:
                members.add(email)
    numbers = [row.number for row in parsed.rows if row.number is not None]
    used: set[int] = set()
    for chunk in _chunks(numbers):
        used.update(
            db.session.scalars(
                select(Membership.number).where(
                    Membership.cooperative_id == cooperative.id, Membership.number.in_(chunk)
                )
            )
        )
    for row in parsed.rows:
        if row.number in used:
            problems.append(
                Problem(
                    row.row,
                    "number",
                    _l("This member number is already in use in this cooperative."),
                    str(row.number),
                )
            )
        if row.email in members:
            problems.append(
                Problem(
                    row.row,
                    "email",
                    _l("This person is already a member of this cooperative."),
                    row.email,
                )
            )
    problems.sort(key=lambda problem: problem.row or 0)
    return Plan(parsed=parsed, problems=problems, existing=existing)


# Importing ---------------------------------------------------------------------------------


def _take_numbers(cooperative, *, at_least: int, count: int) -> list[int]:
    """Raise the cooperative's last member number to ``at_least`` (the highest number in the
    file) and take ``count`` new numbers after it — in one statement, like
    ``services.next_member_number`` does for one."""
    from coop.core.models import Cooperative

    last = Cooperative.last_member_number
    new_last = db.session.execute(
        update(Cooperative)
        .where(Cooperative.id == cooperative.id)
        .values(last_member_number=case((last < at_least, at_least), else_=last) + count)
        .returning(Cooperative.last_member_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(cooperative, ["last_member_number"])
    return list(range(new_last - count + 1, new_last + 1))


def import_members(
    cooperative,
    parsed: Parsed,
    *,
    by,
    today: date,
    source: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import every row or none. ``by`` is the board member (None from the command line).
    Raises ``ImportRefused`` with every problem; then nothing is written."""
    from coop.core.models import Cooperative
    from coop.members.services import _outside

    if parsed.problems or not parsed.rows:
        raise ImportRefused(parsed.problems)
    # Lock the cooperative (PostgreSQL) so that numbers and members do not change between
    # the check and the inserts; SQLite writes one transaction at a time anyway.
    db.session.execute(
        select(Cooperative.id).where(Cooperative.id == cooperative.id).with_for_update()
    )
    plan = check(cooperative, parsed)
    if plan.problems:
        raise ImportRefused(plan.problems)

    rows = parsed.rows
    highest = max((row.number for row in rows if row.number is not None), default=0)
    fresh = iter(
        _take_numbers(
            cooperative,
            at_least=highest,
            count=sum(1 for row in rows if row.number is None),
        )
    )
    numbers = [row.number if row.number is not None else next(fresh) for row in rows]
    now = utcnow()

    user_ids = dict(plan.existing)
    new_users = [row for row in rows if row.email not in user_ids]
    # Core inserts without RETURNING (see coop.core.generate): ids are found by the unique
    # e-mail address and the unique (cooperative, number) afterwards.
    for chunk in _chunks(new_users):
        db.session.execute(
            insert(User.__table__),
            [
                {
                    "email": row.email,
                    "name": row.contact_person or row.name,
                    "password_hash": UNUSABLE_PASSWORD,
                    "email_verified_at": None,
                    "locale": "nl",
                    "is_platform_admin": False,
                    "session_version": 1,
                    "created_at": now,
                }
                for row in chunk
            ],
        )
        user_ids.update(
            db.session.execute(
                select(User.email, User.id).where(User.email.in_([row.email for row in chunk]))
            ).all()
        )

    membership_ids: dict[int, int] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        chunk_numbers = numbers[start : start + CHUNK]
        db.session.execute(
            insert(Membership.__table__),
            [
                {
                    "cooperative_id": cooperative.id,
                    "user_id": user_ids[row.email],
                    "number": number,
                    "kind": row.kind,
                    "status": MembershipStatus.ACTIVE,
                    "name": row.name,
                    "admitted_on": row.admitted_on or today,
                    "created_at": now,
                    "street": row.street,
                    "house_number": row.house_number,
                    "postcode": row.postcode,
                    "city": row.city,
                    "phone": row.phone,
                    "kvk_number": row.kvk_number,
                    "contact_person": row.contact_person,
                    "iban": row.iban,
                    "in_directory": row.in_directory,
                    "outside_area": _outside(cooperative, row.postcode),
                    "end_note": "",
                }
                for row, number in zip(chunk, chunk_numbers, strict=True)
            ],
        )
        found = dict(
            db.session.execute(
                select(Membership.number, Membership.id).where(
                    Membership.cooperative_id == cooperative.id,
                    Membership.number.in_(chunk_numbers),
                )
            ).all()
        )
        membership_ids.update(found)
        # The status history the register as of a date is rebuilt from
        # (what services.record_status writes for one membership).
        db.session.execute(
            insert(MembershipStatusChange.__table__),
            [
                {
                    "membership_id": found[number],
                    "status": MembershipStatus.ACTIVE,
                    "effective_on": row.admitted_on or today,
                    "recorded_at": now,
                }
                for row, number in zip(chunk, chunk_numbers, strict=True)
            ],
        )
        if progress:
            progress(len(chunk))

    existing = set(plan.existing)
    audit.record_many(
        cooperative,
        by,
        "member.imported",
        "Membership",
        [
            (
                membership_ids[number],
                {
                    "number": number,
                    "kind": row.kind.value,
                    "new_account": row.email not in existing,
                },
            )
            for row, number in zip(rows, numbers, strict=True)
        ],
    )
    result = ImportResult(
        count=len(rows),
        new_accounts=len(new_users),
        matched_accounts=len(rows) - len(new_users),
        numbers=numbers,
    )
    audit.record(
        cooperative,
        by,
        "members.imported",
        count=result.count,
        new_accounts=result.new_accounts,
        matched_accounts=result.matched_accounts,
        first_number=result.first_number,
        last_number=result.last_number,
        source=source[:100],
    )
    db.session.flush()
    return result


# Keeping the upload between the two steps --------------------------------------------------

UPLOAD_MAX_AGE = timedelta(hours=2)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass
class Upload:
    token: str
    filename: str
    content: bytes
    created_at: datetime
    result: dict | None = None


def _paths(folder: Path, token: str) -> tuple[Path, Path]:
    return folder / f"{token}.csv", folder / f"{token}.json"


def _write(path: Path, data: bytes) -> None:
    """Readable by the app alone; written under a temporary name, then moved in place."""
    temporary = path.with_name(path.name + ".tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    temporary.replace(path)


def clean_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in base if ch.isprintable())
    return text.strip()[:100] or "import.csv"


def save_upload(
    folder: Path, content: bytes, *, cooperative_id: int, user_id: int, filename: str, now: datetime
) -> str:
    """Keep an uploaded file until it is imported; returns its token. Uploads older than
    ``UPLOAD_MAX_AGE`` are removed on the way."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_expired(folder, now=now)
    token = secrets.token_urlsafe(32)
    data_path, meta_path = _paths(folder, token)
    _write(data_path, content)
    meta = {
        "cooperative_id": cooperative_id,
        "user_id": user_id,
        "filename": clean_filename(filename),
        "created_at": now.isoformat(),
        "sha256": hashlib.sha256(content).hexdigest(),
        "result": None,
    }
    _write(meta_path, json.dumps(meta).encode())
    return token


def _meta(folder: Path, token: str, *, cooperative_id: int, user_id: int, now: datetime):
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    try:
        meta = json.loads(_paths(folder, token)[1].read_bytes())
        created = datetime.fromisoformat(meta["created_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if meta.get("cooperative_id") != cooperative_id or meta.get("user_id") != user_id:
        return None
    if not created <= now < created + UPLOAD_MAX_AGE:
        return None
    return meta


def load_upload(
    folder: Path, token: str, *, cooperative_id: int, user_id: int, now: datetime
) -> Upload | None:
    """The upload behind ``token`` when it belongs to this cooperative and this person and
    has not expired; else None (the same for every reason, so a token reveals nothing)."""
    meta = _meta(folder, token, cooperative_id=cooperative_id, user_id=user_id, now=now)
    if meta is None:
        return None
    content = b""
    if meta.get("result") is None:
        try:
            content = _paths(folder, token)[0].read_bytes()
        except OSError:
            return None
        if hashlib.sha256(content).hexdigest() != meta.get("sha256"):
            return None
    return Upload(
        token=token,
        filename=meta.get("filename", ""),
        content=content,
        created_at=datetime.fromisoformat(meta["created_at"]),
        result=meta.get("result"),
    )


def finish_upload(folder: Path, token: str, result: ImportResult) -> None:
    """After the commit: forget the file, keep what the done page shows."""
    data_path, meta_path = _paths(folder, token)
    try:
        meta = json.loads(meta_path.read_bytes())
    except (OSError, ValueError):
        return
    meta["result"] = {
        "count": result.count,
        "new_accounts": result.new_accounts,
        "matched_accounts": result.matched_accounts,
        "first_number": result.first_number,
        "last_number": result.last_number,
    }
    meta["sha256"] = None
    _write(meta_path, json.dumps(meta).encode())
    data_path.unlink(missing_ok=True)


def remove_expired(folder: Path, *, now: datetime) -> None:
    limit = (now - UPLOAD_MAX_AGE).timestamp()
    for path in _iter_files(folder):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _iter_files(folder: Path) -> Iterable[Path]:
    try:
        return [p for p in folder.iterdir() if p.suffix in (".csv", ".json", ".tmp")]
    except OSError:
        return []
