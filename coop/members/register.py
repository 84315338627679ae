"""The member register (ledenregister): search, filters, the register as of a date
(peildatum), a member's history, the members' directory, and export to CSV and XLSX.

The register as of a date D is rebuilt from the status history only: a membership is on
it when its latest ``MembershipStatusChange`` with ``effective_on <= D`` is ACTIVE or
SUSPENDED, and it shows that status. Today's ``Membership.status`` plays no part then.

Like a service, nothing here reads the request: the views pass the query arguments in.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, event, func, or_, select
from sqlalchemy.engine import Engine

from coop.accounts.models import User
from coop.audit import AuditEvent, scope_of
from coop.extensions import db
from coop.members.models import (
    Application,
    MemberKind,
    Membership,
    MembershipStatus,
    MembershipStatusChange,
)

PAGE_SIZE = 50
# Numbers and pages come from URLs; beyond a 32-bit key nothing can exist, and SQLite
# refuses integers past 64 bits outright.
MAX_NUMBER = 2**31 - 1
EARLIEST = date(1900, 1, 1)
MAX_SEARCH = 100

KIND_LABELS = {
    MemberKind.BEWONER: _l("Resident"),
    MemberKind.ONDERNEMER: _l("Local entrepreneur"),
    MemberKind.ORGANISATIE: _l("Organisation"),
}
STATUS_LABELS = {
    MembershipStatus.ACTIVE: _l("Active"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.ENDED: _l("Ended"),
}
# What happened, in words, for a member's history (audit actions about a membership).
EVENT_LABELS = {
    "application.received": _l("Application received"),
    "application.question_asked": _l("The board asked a question"),
    "application.rejected": _l("Application rejected"),
    "member.admitted": _l("Admitted as member"),
    "member.imported": _l("Added to the register by an import"),
    "member.details_changed": _l("Details changed"),
    "member.function_granted": _l("Function given"),
    "member.function_revoked": _l("Function taken away"),
    "member.resigned": _l("Resigned"),
    "member.end_date_changed": _l("End date changed"),
    "member.ended_by_board": _l("Membership ended by the board"),
    "member.ended": _l("Membership ended"),
    "member.anonymised": _l("Anonymised"),
}
ON_REGISTER = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)
# The status filter: what the board picks, and which statuses it means.
STATUS_FILTERS: dict[str, tuple[Any, tuple[MembershipStatus, ...] | None]] = {
    "current": (_l("Members (active and suspended)"), ON_REGISTER),
    "active": (_l("Active"), (MembershipStatus.ACTIVE,)),
    "suspended": (_l("Suspended"), (MembershipStatus.SUSPENDED,)),
    "ended": (_l("Former members"), (MembershipStatus.ENDED,)),
    "all": (_l("Everyone, former members too"), None),
}
SORTS = {
    "number": _l("Member number"),
    "name": _l("Name"),
    "admitted_on": _l("Admission date"),
}
ORDERS = {"asc": _l("Ascending"), "desc": _l("Descending")}

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_AREA = re.compile(r"[1-9][0-9]{3}")


# Case-insensitive search -------------------------------------------------------------------
#
# PostgreSQL's ILIKE folds every letter. SQLite's LIKE and lower() fold only A-Z, so a search
# with other letters ("öztürk") goes through Python's casefold there.


@event.listens_for(Engine, "connect")
def _sqlite_casefold(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(
            "coop_casefold",
            1,
            lambda value: value.casefold() if isinstance(value, str) else value,
            deterministic=True,
        )


def _contains(column, text: str) -> ColumnElement[bool]:
    if text.isascii() or db.session.get_bind().dialect.name != "sqlite":
        return column.icontains(text, autoescape=True)
    return func.coop_casefold(column).contains(text.casefold(), autoescape=True)


# Parameters ----------------------------------------------------------------------------------


@dataclass
class RegisterQuery:
    """What the board asked for, checked. ``problems`` maps a field to a message; a field
    with a problem is left out of the query (the rest still applies)."""

    q: str = ""
    kind: MemberKind | None = None
    status: str = "current"
    area: str = ""
    wijk: str = ""
    # The wijk's postcode ranges (4-digit numbers), when a wijk is chosen.
    wijk_ranges: list = field(default_factory=list)
    admitted_from: date | None = None
    admitted_to: date | None = None
    as_of: date | None = None
    sort: str = "number"
    order: str = "asc"
    page: int = 1
    typed: dict[str, str] = field(default_factory=dict)
    problems: dict[str, Any] = field(default_factory=dict)

    def args(self, **changes) -> dict[str, str]:
        """The query arguments that reproduce this query (for links), without defaults."""
        values = {
            "q": self.q,
            "kind": self.kind.value if self.kind else "",
            "status": "" if self.status == "current" else self.status,
            "area": self.area,
            "wijk": self.wijk,
            "admitted_from": self.admitted_from.isoformat() if self.admitted_from else "",
            "admitted_to": self.admitted_to.isoformat() if self.admitted_to else "",
            "as_of": self.as_of.isoformat() if self.as_of else "",
            "sort": "" if self.sort == "number" else self.sort,
            "order": "" if self.order == "asc" else self.order,
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in values.items() if value}

    def filters(self) -> dict[str, str]:
        """What an export was made with, for the audit log."""
        return {key: value for key, value in self.args().items() if key != "page"}


def clean_text(value: str | None, limit: int = MAX_SEARCH) -> str:
    """One line of printable text: control characters (NUL, which PostgreSQL refuses, among
    them) become spaces, runs of spaces one space."""
    text = "".join(ch if ch.isprintable() else " " for ch in (value or "")[: limit * 4])
    return " ".join(text.split())[:limit]


def parse_date(raw: str) -> date | None:
    """``2024-03-01`` (what a date field sends) or ``1-3-2024`` (how people write it, also
    with / or .); None when it is neither."""
    text = raw.strip()
    if not text.isascii():
        return None
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DUTCH_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def page_number(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return min(max(int(text[:10]), 1), MAX_NUMBER)


def wijken(cooperative) -> dict[str, tuple[str, list]]:
    """The wijken the register can be filtered by: the cooperative's own and those of its
    member cooperatives (a stadscoöperatie), each with the postcode ranges it serves."""
    from coop.core.models import Cooperative

    found = db.session.scalars(
        select(Cooperative)
        .where(or_(Cooperative.id == cooperative.id, Cooperative.parent_id == cooperative.id))
        .order_by(Cooperative.wijk, Cooperative.name)
    ).all()
    return {
        c.slug: (c.wijk or c.name, [list(r) for r in c.postcode_ranges])
        for c in found
        if c.postcode_ranges
    }


def parse(
    args: Mapping[str, str], *, today: date, wijken: Mapping[str, tuple[str, list]] | None = None
) -> RegisterQuery:
    """Check the register's query arguments. Unknown values for the lists (kind, status,
    wijk, sort, order, page) fall back to the default; dates and the postcode area that
    cannot be used get a message."""
    query = RegisterQuery()
    wijken = wijken or {}
    wijk = args.get("wijk", "")
    if wijk in wijken:
        query.wijk, query.wijk_ranges = wijk, wijken[wijk][1]
    typed = {key: clean_text(args.get(key), 40) for key in ("area", "admitted_from", "admitted_to")}
    typed["as_of"] = clean_text(args.get("as_of"), 40)
    typed["q"] = query.q = clean_text(args.get("q"))
    query.typed = typed

    kind = args.get("kind", "")
    query.kind = next((k for k in MemberKind if k.value == kind), None)
    status = args.get("status", "")
    query.status = status if status in STATUS_FILTERS else "current"
    sort = args.get("sort", "")
    query.sort = sort if sort in SORTS else "number"
    order = args.get("order", "")
    query.order = order if order in ORDERS else "asc"
    query.page = page_number(args.get("page", ""))

    if typed["area"]:
        if _AREA.fullmatch(typed["area"]):
            query.area = typed["area"]
        else:
            query.problems["area"] = _l("Give the 4 digits of a postcode, for example 3561.")

    for name in ("admitted_from", "admitted_to", "as_of"):
        if not typed[name]:
            continue
        day = parse_date(typed[name])
        if day is None:
            query.problems[name] = _l("Write the date as day-month-year, for example 1-3-2024.")
        elif day < EARLIEST:
            query.problems[name] = _l("Choose a date from 1 January 1900 on.")
        elif name == "as_of" and day > today:
            query.problems[name] = _l(
                "The register cannot show the future. Choose today or an earlier date."
            )
        else:
            setattr(query, name, day)
    if query.admitted_from and query.admitted_to and query.admitted_from > query.admitted_to:
        query.problems["admitted_to"] = _l("The end of the period is before its start.")
        query.admitted_to = None
    return query


# Queries -------------------------------------------------------------------------------------


def status_as_of(day: date):
    """The status a membership had on ``day``: its latest change effective on or before it."""
    change = MembershipStatusChange
    return (
        select(change.status)
        .where(change.membership_id == Membership.id, change.effective_on <= day)
        .order_by(change.effective_on.desc(), change.id.desc())
        .limit(1)
        .correlate(Membership)
        .scalar_subquery()
    )


REGISTER_COLUMNS = (
    Membership.id,
    Membership.number,
    Membership.name,
    Membership.kind,
    Membership.admitted_on,
    Membership.ended_on,
    Membership.ends_on,
    Membership.street,
    Membership.house_number,
    Membership.postcode,
    Membership.city,
    Membership.outside_area,
)


def _statement(cooperative, query: RegisterQuery, columns, *, with_email=False) -> Select:
    """Rows of the register for ``query`` (unsorted), with the status as ``status``: today's
    status, or the status on ``query.as_of``."""
    status = status_as_of(query.as_of) if query.as_of else Membership.status
    inner = select(*columns, status.label("status")).where(
        Membership.cooperative_id == cooperative.id
    )
    if with_email:
        inner = inner.join(User, User.id == Membership.user_id)
    if query.q:
        found = [
            _contains(Membership.name, query.q),
            _contains(Membership.street, query.q),
            _contains(Membership.contact_person, query.q),
        ]
        compact = query.q.replace(" ", "").upper()
        if compact:
            found.append(
                func.replace(Membership.postcode, " ", "").startswith(compact, autoescape=True)
            )
        if query.q.isascii() and query.q.isdigit() and int(query.q) <= MAX_NUMBER:
            found.append(Membership.number == int(query.q))
        inner = inner.where(or_(*found))
    if query.kind is not None:
        inner = inner.where(Membership.kind == query.kind)
    if query.area:
        inner = inner.where(Membership.postcode.startswith(query.area))
    if query.wijk:
        digits = func.substr(Membership.postcode, 1, 4)
        inner = inner.where(
            or_(*(digits.between(f"{low:04d}", f"{high:04d}") for low, high in query.wijk_ranges))
        )
    if query.admitted_from is not None:
        inner = inner.where(Membership.admitted_on >= query.admitted_from)
    if query.admitted_to is not None:
        inner = inner.where(Membership.admitted_on <= query.admitted_to)
    statuses = STATUS_FILTERS[query.status][1]
    if query.as_of is None:
        if statuses is not None:
            inner = inner.where(Membership.status.in_(statuses))
        return inner
    # As of a date, the status is computed per row: filter on it one level up. A membership
    # without any change on or before that date was not a member yet.
    rows = inner.subquery("register")
    outer = select(rows)
    if statuses is None:
        return outer.where(rows.c.status.is_not(None))
    return outer.where(rows.c.status.in_(statuses))


def _ordered(statement: Select, query: RegisterQuery) -> Select:
    columns = statement.selected_columns
    key = {
        "number": columns.number,
        "name": func.lower(columns.name),
        "admitted_on": columns.admitted_on,
    }[query.sort]
    key = key.desc() if query.order == "desc" else key.asc()
    return statement.order_by(key, columns.number)


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)


def _count(statement: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def _paginate(statement: Select, order, page: int) -> Page:
    """Two queries: the total, then one page (a page past the end shows the last one)."""
    total = _count(statement)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    rows = db.session.execute(
        order(statement).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(rows=rows, total=total, page=page, pages=pages)


def register_page(cooperative, query: RegisterQuery) -> Page:
    """One page of the register: two queries, whatever the number of members."""
    statement = _statement(cooperative, query, REGISTER_COLUMNS)
    result = _paginate(statement, lambda s: _ordered(s, query), query.page)
    query.page = result.page
    return result


def count(cooperative, query: RegisterQuery) -> int:
    return _count(_statement(cooperative, query, (Membership.id,)))


def find_member(cooperative, number: int) -> Membership | None:
    if not 0 < number <= MAX_NUMBER:
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.cooperative_id == cooperative.id, Membership.number == number
        )
    )


def status_history(membership: Membership) -> list[MembershipStatusChange]:
    return db.session.scalars(
        select(MembershipStatusChange)
        .where(MembershipStatusChange.membership_id == membership.id)
        .order_by(MembershipStatusChange.effective_on, MembershipStatusChange.id)
    ).all()


def audit_history(cooperative, membership: Membership) -> tuple[list[AuditEvent], dict]:
    """Every audit event about the membership (and its application), oldest first, with the
    people who did them by user id."""
    applications = select(Application.id).where(
        Application.membership_id == membership.id,
        Application.cooperative_id == cooperative.id,
    )
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.cooperative_id == cooperative.id,
            AuditEvent.scope == scope_of(cooperative),
            or_(
                (AuditEvent.subject_type == "Membership")
                & (AuditEvent.subject_id == membership.id),
                (AuditEvent.subject_type == "Application")
                & AuditEvent.subject_id.in_(applications),
            ),
        )
        .order_by(AuditEvent.seq)
    ).all()
    actor_ids = {event.actor_id for event in events if event.actor_id}
    actors = (
        {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return events, actors


@dataclass
class DirectoryEntry:
    """What a member in the directory shows: name and kind, and what they chose."""

    name: str
    kind: MemberKind
    number: int = 0  # to give them a proxy, the assembly's form asks for it
    email: str = ""
    phone: str = ""
    address: str = ""


def directory_page(cooperative, *, q: str = "", page: int = 1) -> Page:
    """Active members who chose to be in the members' directory, by name. Details a member
    did not choose to show never leave this function."""
    statement = (
        select(
            Membership.number,
            Membership.name,
            Membership.kind,
            Membership.directory_email,
            Membership.directory_phone,
            Membership.directory_address,
            Membership.street,
            Membership.house_number,
            Membership.postcode,
            Membership.city,
            Membership.phone,
            User.email,
        )
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.cooperative_id == cooperative.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.in_directory.is_(True),
        )
    )
    if q:
        statement = statement.where(_contains(Membership.name, q))
    result = _paginate(
        statement, lambda s: s.order_by(func.lower(Membership.name), Membership.number), page
    )
    result.rows = [
        DirectoryEntry(
            name=row.name,
            kind=row.kind,
            number=row.number,
            email=row.email if row.directory_email else "",
            phone=row.phone if row.directory_phone else "",
            address=(
                " ".join(
                    part
                    for part in (f"{row.street} {row.house_number}".strip(), row.postcode, row.city)
                    if part
                )
                if row.directory_address
                else ""
            ),
        )
        for row in result.rows
    ]
    return result


def mask_iban(iban: str | None) -> str:
    """``NL91 •••• •••• ••43 00``: enough to recognise it, not enough to use it."""
    if not iban:
        return ""
    compact = "".join(iban.split()).upper()
    if len(compact) <= 8:
        return compact
    hidden = compact[:4] + "•" * (len(compact) - 8) + compact[-4:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))


# Export --------------------------------------------------------------------------------------

EXPORT_BATCH = 1000
# (column key, heading)
EXPORT_COLUMNS = (
    ("number", _l("Member number")),
    ("name", _l("Name")),
    ("kind", _l("Kind of member")),
    ("status", _l("Status")),
    ("admitted_on", _l("Admission date")),
    ("ended_on", _l("Last day of membership")),
    ("street", _l("Street")),
    ("house_number", _l("House number")),
    ("postcode", _l("Postcode")),
    ("city", _l("Town or city")),
    ("phone", _l("Phone number")),
    ("email", _l("E-mail address")),
    ("kvk_number", _l("KvK number")),
    ("contact_person", _l("Contact person")),
    ("in_directory", _l("In the members' directory")),
)
EXPORT_SELECT = (
    Membership.number,
    Membership.name,
    Membership.kind,
    Membership.admitted_on,
    Membership.ended_on,
    Membership.street,
    Membership.house_number,
    Membership.postcode,
    Membership.city,
    Membership.phone,
    User.email,
    Membership.kvk_number,
    Membership.contact_person,
    Membership.in_directory,
)

# A spreadsheet runs a cell that starts with one of these as a formula (or DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_rows(cooperative, query: RegisterQuery) -> Iterator[list]:
    """The register for ``query`` as plain values (export order), read in batches: the rows
    stream from the database (server-side cursor on PostgreSQL) and memory stays flat.

    The statement and the labels are made now; the query runs at the first ``next()``, so
    iterate inside the response (``stream_with_context``)."""
    statement = _ordered(_statement(cooperative, query, EXPORT_SELECT, with_email=True), query)
    kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    statuses = {status: str(label) for status, label in STATUS_LABELS.items()}
    return _export_stream(statement, query.as_of, kinds, statuses, (_("yes"), _("no")))


def _export_stream(statement, as_of, kinds, statuses, yes_no) -> Iterator[list]:
    yes, no = yes_no
    result = db.session.execute(statement.execution_options(yield_per=EXPORT_BATCH))
    try:
        for row in result:
            # As of a date, an end that came later was not known yet.
            known = as_of is None or row.status is MembershipStatus.ENDED
            yield [
                row.number,
                row.name,
                kinds.get(row.kind, ""),
                statuses.get(row.status, ""),
                row.admitted_on,
                row.ended_on if known else None,
                row.street,
                row.house_number,
                row.postcode,
                row.city,
                row.phone,
                row.email,
                row.kvk_number or "",
                row.contact_person,
                yes if row.in_directory else no,
            ]
    finally:
        result.close()


def headings() -> list[str]:
    return [str(label) for _key, label in EXPORT_COLUMNS]


def csv_chunks(rows: Iterable[list], header: list[str], *, batch: int = 500) -> Iterator[bytes]:
    """CSV as Dutch Excel opens it: UTF-8 with a byte order mark, semicolons, CRLF, dates as
    2024-03-01. Yields one piece per ``batch`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(value) for value in header])
    for index, row in enumerate(rows, 1):
        writer.writerow(
            [value.isoformat() if isinstance(value, date) else neutralise(value) for value in row]
        )
        if index % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


XLSX_WIDTHS = (10, 28, 18, 12, 14, 14, 24, 10, 10, 16, 16, 30, 12, 24, 12)
XLSX_PIECE = 64 * 1024


def xlsx_chunks(rows: Iterable[list], header: list[str], *, title: str) -> Iterator[bytes]:
    """An XLSX workbook built with openpyxl's write-only mode (rows go to a temporary file as
    they come, not into memory), then sent in pieces."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    def cell(value):
        if isinstance(value, str):
            # Control characters are not allowed in the file format; text that looks like a
            # formula or an error code must stay text.
            value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
            if value in ERROR_CODES:
                value = "'" + value
        return value

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(title))
    for index, width in enumerate(XLSX_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([cell(value) for value in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while piece := handle.read(XLSX_PIECE):
            yield piece


def _sheet_title(title: str) -> str:
    """Sheet names: at most 31 characters, none of : \\ / ? * [ ]."""
    cleaned = re.sub(r"[:\\/?*\[\]]", " ", title).strip() or "Sheet"
    return cleaned[:31]


def export_filename(base: str, slug: str, day: date, extension: str) -> str:
    """``ledenregister-overvecht-2026-03-01.csv``: letters, digits and dashes only."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{base}-{slug}").strip("-").lower() or "export"
    return f"{stem[:80]}-{day.isoformat()}.{extension}"
