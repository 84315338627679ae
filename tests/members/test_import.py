"""Importing members from CSV: reading Dutch spreadsheets, every problem in plain words,
all rows or none, existing accounts matched, member numbers, the pages and the command."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coop import audit
from coop.accounts.models import User
from coop.accounts.passwords import check_password
from coop.audit import AuditEvent
from coop.core.models import Cooperative
from coop.db import utcnow
from coop.extensions import db
from coop.members import importer
from coop.members.models import (
    Function,
    MemberKind,
    Membership,
    MembershipStatus,
    MembershipStatusChange,
)
from coop.members.services import next_member_number
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory, board_member

TODAY = date(2025, 6, 1)
HEADER = ["naam", "soort", "e-mail", "straat", "huisnummer", "postcode", "plaats"]
ANNA = ["Anna de Vries", "bewoner", "anna@example.test", "Damstraat", "1", "3561 AB", "Utrecht"]
BRAM = ["Bram Bakker", "bewoner", "bram@example.test", "Damstraat", "2", "3561ab", "Utrecht"]
KAPSALON = ["Kapsalon Knip", "ondernemer", "knip@example.test", "", "", "3562 CD", "Utrecht"]


def csv_bytes(*rows, header=HEADER, sep=";", encoding="utf-8", bom=False):
    """A CSV file as a spreadsheet saves it (cells quoted where needed)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows([header, *rows])
    data = buffer.getvalue().encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def parse(content: bytes, **kwargs) -> importer.Parsed:
    return importer.parse(content, today=TODAY, allow_test_domains=True, **kwargs)


def problems_of(parsed_or_plan) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.field, str(p.message)) for p in parsed_or_plan.problems]


def only_problem(content: bytes, **kwargs) -> tuple[int | None, str | None, str]:
    parsed = parse(content, **kwargs)
    assert len(parsed.problems) == 1, problems_of(parsed)
    return problems_of(parsed)[0]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path):
    """Uploads go to a folder of this test, not to instance/imports."""
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    yield tmp_path / "imports"
    app.config.pop("IMPORT_FOLDER", None)


@pytest.fixture
def english(app):
    """Problem messages in English, whatever the default language."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


# Reading the file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", False), ("utf-8", True), ("cp1252", False)],
    ids=["utf-8", "utf-8 with BOM", "windows-1252"],
)
def test_reads_dutch_spreadsheet_files(encoding, bom):
    row = ["Coöperatie Öztürk & Zonen", "organisatie", "oz@example.test", "", "", "", "Utrecht"]
    parsed = parse(csv_bytes(ANNA, row, encoding=encoding, bom=bom))
    assert parsed.problems == []
    assert [r.name for r in parsed.rows] == ["Anna de Vries", "Coöperatie Öztürk & Zonen"]
    assert parsed.delimiter == ";"
    assert parsed.encoding == ("Windows-1252" if encoding == "cp1252" else "UTF-8")
    assert parsed.columns["name"] == "naam"  # a BOM does not stick to the first heading


def test_cp1252_bytes_are_really_cp1252():
    row = ["Öztürk", "bewoner", "o@example.test", "", "", "3561 AB", ""]
    content = csv_bytes(row, encoding="cp1252")
    assert "Öztürk".encode("cp1252") in content
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert parse(content).rows[0].name == "Öztürk"


def test_commas_are_sniffed_and_quotes_respected():
    row = ["de Vries, Anna", "bewoner", "anna@example.test", "Damstraat, achterom", "1"]
    content = csv_bytes([*row, "3561 AB", "Utrecht"], sep=",")
    assert b'"de Vries, Anna"' in content
    parsed = parse(content)
    assert parsed.delimiter == ","
    assert parsed.problems == []
    assert parsed.rows[0].name == "de Vries, Anna"
    assert parsed.rows[0].street == "Damstraat, achterom"


def test_excel_separator_line_is_understood():
    content = b"sep=,\r\n" + csv_bytes(ANNA, sep=",")
    parsed = parse(content)
    assert parsed.problems == []
    assert parsed.rows[0].row == 2  # Excel does not show the sep= line as a row


def test_english_headings_and_every_field():
    header = [
        "Number",
        "Name",
        "Kind",
        "E-mail",
        "Street",
        "House number",
        "Postcode",
        "City",
        "Phone",
        "IBAN",
        "KvK",
        "Contact person",
        "admitted_on",
        "Directory",
        "Notes",
    ]
    row = [
        "7",
        "Buurthuis De Boog",
        "organisation",
        "Boog@Example.test",
        "Kanaalstraat",
        "12a",
        "3531cd",
        "Utrecht",
        "+31 30 123 45 67",
        "NL91 ABNA 0417 1643 00",
        "1234 5678",
        "Els Visser",
        "01-03-2024",
        "Ja",
        "anything",
    ]
    parsed = parse(csv_bytes(row, header=header))
    assert parsed.problems == []
    assert parsed.ignored == ["Notes"]
    [member] = parsed.rows
    assert member.number == 7
    assert member.kind is MemberKind.ORGANISATIE
    assert member.email == "boog@example.test"
    assert member.postcode == "3531 CD"
    assert member.phone == "+31 30 123 45 67"
    assert member.iban == "NL91ABNA0417164300"
    assert member.kvk_number == "12345678"
    assert member.contact_person == "Els Visser"
    assert member.admitted_on == date(2024, 3, 1)
    assert member.in_directory is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1-3-2024", date(2024, 3, 1)),
        ("2024-03-01", date(2024, 3, 1)),
        ("1/3/2024", date(2024, 3, 1)),
    ],
)
def test_dates_day_month_year_or_iso(value, expected):
    header = [*HEADER, "datum toelating"]
    assert parse(csv_bytes([*ANNA, value], header=header)).rows[0].admitted_on == expected


def test_missing_required_columns_are_named(english):
    parsed = parse(csv_bytes(["Anna", "anna@example.test"], header=["naam", "email"]))
    assert parsed.rows == []
    [(row, field, message)] = problems_of(parsed)
    assert (row, field) == (None, "kind")
    assert message == "The column “soort” (or “kind”) is missing. Add it to the first row."


def test_a_file_without_headings_says_so(english):
    parsed = parse(csv_bytes(ANNA, header=["Anna", "bewoner", "x@example.test"]))
    messages = [message for _row, _field, message in problems_of(parsed)]
    assert "The first row must hold the column headings." in messages
    assert len([m for m in messages if "is missing" in m]) == 3


def test_two_columns_for_the_same_field(english):
    row, field, message = only_problem(csv_bytes(header=[*HEADER, "E-mailadres"]))
    assert (row, field) == (None, "email")
    assert "“e-mail” and “E-mailadres”" in message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "The file is empty."),
        (b" \r\n\r\n", "The file is empty."),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file."),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook, not a CSV file"),
        ("naam;soort\r\n".encode("utf-16"), "saved as UTF-16"),
        (b"naam;soort;e-mail\r\nA\x81\x8d;bewoner;\xc3(@x\r\n", "cannot read the letters"),
        (csv_bytes(), "no members in the file, only the headings"),
        (csv_bytes() + b";;;;;;\r\n;;\r\n", "no members in the file, only the headings"),
        (b'naam;soort;e-mail\r\n"Anna;bewoner;a@example.test\r\n', "cannot be read as CSV"),
    ],
    ids=[
        "empty",
        "blank lines",
        "only a BOM",
        "binary",
        "xlsx",
        "utf-16",
        "undecodable",
        "only headings",
        "only empty rows",
        "broken quotes",
    ],
)
def test_files_that_cannot_be_imported(english, content, fragment):
    row, field, message = only_problem(content)
    assert row is None
    assert fragment in message
    assert parse(content).rows == []


def test_size_and_row_limits(english):
    content = csv_bytes(ANNA, BRAM, KAPSALON)
    assert "too large" in only_problem(content, max_bytes=len(content) - 1)[2]
    assert "more than 2 members" in only_problem(content, max_rows=2)[2]
    assert parse(content, max_rows=3).problems == []


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("postcode", "1234", "4 digits and 2 letters"),
        ("postcode", "0123 AB", "4 digits and 2 letters"),
        ("kvk", "1234567", "exactly 8 digits"),
        ("kvk", "1234567A", "exactly 8 digits"),
        ("iban", "NL91 ABNA 0417 1643 01", "This IBAN is not correct"),
        ("e-mail", "anna.example.test", "not a valid e-mail address"),
        ("e-mail", "", "Fill in this field."),
        ("soort", "huurder", "Use bewoner, ondernemer or organisatie"),
        ("soort", "", "Fill in this field."),
        ("naam", "", "Fill in this field."),
        ("datum toelating", "31-02-2024", "day-month-year"),
        ("datum toelating", "1-3-24", "day-month-year"),
        ("datum toelating", "1-1-1850", "from 1 January 1900"),
        ("datum toelating", "2-6-2025", "cannot be in the future"),
        ("lidnummer", "abc", "whole number"),
        ("lidnummer", "0", "whole number"),
        ("lidnummer", "99999999999", "whole number"),
        ("in ledenlijst", "misschien", "Write ja or nee"),
        ("telefoon", "bel me", "Use only digits"),
        ("naam", "x" * 201, "at most 200 characters"),
        ("straat", "Dam\x1bstraat", "characters that are not allowed"),
        ("naam", "Anna\nde Vries", "characters that are not allowed"),
    ],
)
def test_every_cell_problem_in_plain_words(english, column, value, fragment):
    header = [h for h in HEADER if h != column] + [column]
    cells = dict(zip(HEADER, ANNA, strict=True))
    cells[column] = value
    content = csv_bytes([cells.get(h, "") for h in header], header=header)
    row, field, message = only_problem(content)
    assert row == 2
    assert field == importer.HEADINGS[importer._key(column)]
    assert fragment in message


def test_a_resident_needs_a_postcode_others_do_not(english):
    resident = [*ANNA[:5], "", "Utrecht"]
    entrepreneur = [*KAPSALON[:5], "", "Utrecht"]
    parsed = parse(csv_bytes(resident, entrepreneur))
    assert problems_of(parsed) == [(2, "postcode", "A resident needs a postcode.")]


def test_problems_carry_spreadsheet_row_numbers(english):
    bad = [*BRAM[:5], "1234", "Utrecht"]
    # an empty row is still a row in the spreadsheet, and is not a member
    parsed = parse(csv_bytes(ANNA, [""] * 7, bad))
    assert [r.row for r in parsed.rows] == [2, 4]
    assert [(p.row, p.field, p.value) for p in parsed.problems] == [(4, "postcode", "1234")]


def test_more_cells_than_headings(english):
    row, field, message = only_problem(csv_bytes([*ANNA, "", "surprise"]))
    assert (row, field) == (2, None)
    assert "more cells than there are headings" in message
    assert parse(csv_bytes([*ANNA, "", ""])).problems == []


def test_duplicates_within_the_file(english):
    anna_again = [*ANNA[:2], "ANNA@example.test", *ANNA[3:]]
    header = ["lidnummer", *HEADER]
    parsed = parse(
        csv_bytes(["1", *ANNA], ["1", *ANNA], ["2", *anna_again], ["2", *BRAM], header=header)
    )
    assert problems_of(parsed) == [
        (3, None, "This row is the same as row 2."),
        (4, "email", "This e-mail address is also on row 2."),
        (5, "number", "This member number is also on row 4."),
    ]


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://evil.test";"Klik")', "+SUM(1;2)", "-2+3", "@SUM(A1)", "'=1+1"]
)
def test_formula_cells_are_refused(english, value):
    cells = [value, *ANNA[1:]]
    row, field, message = only_problem(csv_bytes(cells))
    assert (row, field) == (2, "name")
    assert "run it as a formula" in message
    assert "We do not import that." in message


def test_formula_check_agrees_with_the_export():
    """What register.neutralise writes comes back as it was: a phone number starting with +
    (neutralised to '+31…) is a phone number, and text neutralised there is refused here."""
    from coop.members.register import neutralise

    header = [*HEADER, "telefoon"]
    for phone in ("+31 6 1234 5678", neutralise("+31 6 1234 5678")):
        parsed = parse(csv_bytes([*ANNA, phone], header=header))
        assert parsed.problems == []
        assert parsed.rows[0].phone == "+31 6 1234 5678"
    refused = parse(csv_bytes([neutralise("=1+1"), *ANNA[1:]]))
    assert [p.field for p in refused.problems] == ["name"]
    # A tab or a space before the formula does not hide it.
    assert [p.field for p in parse(csv_bytes(["\t=1+1", *ANNA[1:]])).problems] == ["name"]


# Checking against the database -----------------------------------------------------------


@pytest.fixture
def coop():
    return CooperativeFactory(slug="overvecht", postcode_ranges=[[3561, 3564]])


@pytest.fixture
def secretary(coop):
    """The secretary, who reads the pages in English (the tests match English text)."""
    return board_member(coop, Function.SECRETARY, user=UserFactory(locale="en"))


def plan_for(coop, content):
    return importer.check(coop, parse(content))


def test_number_in_use_and_people_who_are_already_members(english, coop):
    member = MembershipFactory(cooperative=coop, user=UserFactory(email="anna@example.test"))
    header = ["lidnummer", *HEADER]
    content = csv_bytes(["", *ANNA], [str(member.number), *BRAM], header=header)
    assert problems_of(plan_for(coop, content)) == [
        (2, "email", "This person is already a member of this cooperative."),
        (3, "number", "This member number is already in use in this cooperative."),
    ]


def test_a_former_member_or_a_member_elsewhere_can_be_imported(coop):
    anna = UserFactory(email="anna@example.test")
    MembershipFactory(
        cooperative=coop, user=anna, status=MembershipStatus.ENDED, ended_on=date(2024, 12, 31)
    )
    MembershipFactory(user=UserFactory(email="bram@example.test"))  # another cooperative
    plan = plan_for(coop, csv_bytes(ANNA, BRAM, KAPSALON))
    assert plan.problems == []
    assert (plan.matched_accounts, plan.new_accounts) == (2, 1)


def test_checking_takes_a_few_queries_whatever_the_number_of_rows(coop, queries):
    rows = [
        [f"Lid {i}", "bewoner", f"lid{i}@example.test", "", "", "3561 AB", ""] for i in range(500)
    ]
    header = ["lidnummer", *HEADER]
    parsed = parse(csv_bytes(*([str(i + 1), *r] for i, r in enumerate(rows)), header=header))
    before = queries.count
    importer.check(coop, parsed)
    assert queries.count - before <= 2


# Importing -------------------------------------------------------------------------------------


def import_file(coop, content, by=None):
    return importer.import_members(coop, parse(content), by=by, today=TODAY, source="leden.csv")


def test_import_creates_members_accounts_history_and_audit(coop, secretary):
    header = [*HEADER, "datum toelating", "iban", "in ledenlijst"]
    rows = [
        [*ANNA, "1-3-2020", "NL91 ABNA 0417 1643 00", "ja"],
        [*KAPSALON[:6], "Amersfoort", "", "", "nee"],
        [*BRAM[:5], "3811 AB", "Amersfoort", "", "", ""],
    ]
    result = import_file(coop, csv_bytes(*rows, header=header), by=secretary)
    db.session.expire_all()
    assert (result.count, result.new_accounts, result.matched_accounts) == (3, 3, 0)
    members = db.session.scalars(
        select(Membership)
        .where(Membership.cooperative_id == coop.id, Membership.id != secretary.id)
        .order_by(Membership.number)
    ).all()
    anna, knip, bram = members
    assert [m.name for m in members] == ["Anna de Vries", "Kapsalon Knip", "Bram Bakker"]
    assert [m.kind for m in members] == [
        MemberKind.BEWONER,
        MemberKind.ONDERNEMER,
        MemberKind.BEWONER,
    ]
    assert all(m.status is MembershipStatus.ACTIVE for m in members)
    assert anna.admitted_on == date(2020, 3, 1)
    assert knip.admitted_on == TODAY
    assert anna.iban == "NL91ABNA0417164300"
    assert (anna.in_directory, knip.in_directory) == (True, False)
    assert bram.postcode == "3811 AB"
    assert bram.outside_area is True
    assert anna.outside_area is False
    # New accounts: no usable password, address not yet confirmed.
    assert anna.user.email == "anna@example.test"
    assert anna.user.email_verified_at is None
    assert not check_password(anna.user.password_hash, "")
    assert not check_password(anna.user.password_hash, importer.UNUSABLE_PASSWORD)
    # Status history: ACTIVE from the admission date.
    history = db.session.execute(
        select(
            MembershipStatusChange.membership_id,
            MembershipStatusChange.status,
            MembershipStatusChange.effective_on,
        )
        .where(MembershipStatusChange.membership_id.in_([m.id for m in members]))
        .order_by(MembershipStatusChange.membership_id)
    ).all()
    assert history == [
        (anna.id, MembershipStatus.ACTIVE, date(2020, 3, 1)),
        (knip.id, MembershipStatus.ACTIVE, TODAY),
        (bram.id, MembershipStatus.ACTIVE, TODAY),
    ]
    # Audit: one event per membership and one for the import, chained.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.cooperative_id == coop.id).order_by(AuditEvent.seq)
    ).all()
    imported = [e for e in events if e.action == "member.imported"]
    assert [e.subject_id for e in imported] == [anna.id, knip.id, bram.id]
    assert all(e.actor_id == secretary.user_id for e in imported)
    assert imported[0].data == {"number": anna.number, "kind": "bewoner", "new_account": True}
    [summary] = [e for e in events if e.action == "members.imported"]
    assert summary.data["count"] == 3
    assert summary.data["source"] == "leden.csv"
    assert events[-1] is summary
    assert audit.verify().ok


def test_existing_accounts_are_matched_not_duplicated(coop):
    anna = UserFactory(email="anna@example.test", name="Anna")
    elsewhere = MembershipFactory(user=UserFactory(email="bram@example.test")).user
    users_before = count(User)
    result = import_file(coop, csv_bytes([*ANNA[:2], "Anna@Example.TEST", *ANNA[3:]], BRAM))
    assert (result.new_accounts, result.matched_accounts) == (0, 2)
    assert count(User) == users_before
    user_ids = set(
        db.session.scalars(select(Membership.user_id).where(Membership.cooperative_id == coop.id))
    )
    assert user_ids == {anna.id, elsewhere.id}
    db.session.refresh(anna)
    assert anna.name == "Anna"  # the account itself is left alone


def test_member_numbers_given_or_next_never_reused(coop):
    for _ in range(3):
        MembershipFactory(cooperative=coop)  # numbers 1, 2, 3
    assert coop.last_member_number == 3
    header = ["lidnummer", *HEADER]
    rows = [["", *ANNA], ["10", *BRAM], ["", *KAPSALON]]
    result = import_file(coop, csv_bytes(*rows, header=header))
    assert result.numbers == [11, 10, 12]
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).last_member_number == 12
    assert next_member_number(coop) == 13


def test_a_free_number_below_the_last_is_used(coop):
    MembershipFactory(cooperative=coop, number=1)
    coop.last_member_number = 5
    db.session.flush()
    header = ["lidnummer", *HEADER]
    result = import_file(coop, csv_bytes(["3", *ANNA], ["", *BRAM], header=header))
    assert result.numbers == [3, 6]
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).last_member_number == 6


def _nothing_written(coop, users_before, events_before):
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 0
    assert count(User) == users_before
    assert count(AuditEvent) == events_before
    assert db.session.get(Cooperative, coop.id).last_member_number == 0


def test_one_bad_row_and_nothing_is_written(coop):
    users_before, events_before = count(User), count(AuditEvent)
    content = csv_bytes(ANNA, [*BRAM[:5], "1234", "Utrecht"], KAPSALON)
    with pytest.raises(importer.ImportRefused) as refused:
        import_file(coop, content)
    assert [(p.row, p.field) for p in refused.value.problems] == [(3, "postcode")]
    _nothing_written(coop, users_before, events_before)


def test_a_conflict_found_in_the_database_writes_nothing(coop):
    MembershipFactory(cooperative=coop, number=2)
    users_before, events_before = count(User), count(AuditEvent)
    header = ["lidnummer", *HEADER]
    with pytest.raises(importer.ImportRefused) as refused:
        import_file(coop, csv_bytes(["", *ANNA], ["2", *BRAM], header=header))
    assert [(p.row, p.field) for p in refused.value.problems] == [(3, "number")]
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 1
    assert count(User) == users_before
    assert count(AuditEvent) == events_before
    assert db.session.get(Cooperative, coop.id).last_member_number == 0


# Keeping the upload between the two steps ------------------------------------------------------


def test_an_upload_belongs_to_one_person_in_one_cooperative(import_folder):
    now = utcnow()
    token = importer.save_upload(
        import_folder, b"abc", cooperative_id=1, user_id=2, filename="../../x/leden.csv", now=now
    )
    upload = importer.load_upload(import_folder, token, cooperative_id=1, user_id=2, now=now)
    assert upload.content == b"abc"
    assert upload.filename == "leden.csv"
    for coop_id, user_id in ((1, 3), (9, 2)):
        assert (
            importer.load_upload(
                import_folder, token, cooperative_id=coop_id, user_id=user_id, now=now
            )
            is None
        )
    late = now + importer.UPLOAD_MAX_AGE + timedelta(seconds=1)
    assert importer.load_upload(import_folder, token, cooperative_id=1, user_id=2, now=late) is None
    for bad in ("../" + token, token[:-1], token + "a", "", "x" * 43 + "/"):
        assert (
            importer.load_upload(import_folder, bad, cooperative_id=1, user_id=2, now=now) is None
        )


def test_a_changed_file_is_not_trusted(import_folder):
    now = utcnow()
    token = importer.save_upload(
        import_folder, b"abc", cooperative_id=1, user_id=2, filename="a.csv", now=now
    )
    (import_folder / f"{token}.csv").write_bytes(b"abd")
    assert importer.load_upload(import_folder, token, cooperative_id=1, user_id=2, now=now) is None


def test_old_uploads_are_removed(import_folder):
    import os

    now = utcnow()
    old = importer.save_upload(
        import_folder, b"old", cooperative_id=1, user_id=2, filename="a.csv", now=now
    )
    stale = (now - importer.UPLOAD_MAX_AGE - timedelta(minutes=1)).timestamp()
    for path in import_folder.glob(f"{old}.*"):
        os.utime(path, (stale, stale))
    importer.save_upload(import_folder, b"new", cooperative_id=1, user_id=2, filename="b", now=now)
    assert not list(import_folder.glob(f"{old}.*"))
    assert len(list(import_folder.glob("*.csv"))) == 1


# The pages -------------------------------------------------------------------------------------


def upload(client, slug, content, filename="leden.csv"):
    return client.post(
        f"/c/{slug}/members/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    match = re.search(r"/members/import/([A-Za-z0-9_-]{43})$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def test_upload_preview_confirm_done(client, login, coop, secretary, import_folder):
    MembershipFactory(user=UserFactory(email="bram@example.test"))  # an account elsewhere
    login(secretary.user)
    page = client.get(f"/c/{coop.slug}/members/applications").get_data(as_text=True)
    assert f"/c/{coop.slug}/members/import" in page
    assert client.get(f"/c/{coop.slug}/members/import").status_code == 200

    response = upload(client, coop.slug, csv_bytes(ANNA, BRAM, KAPSALON, encoding="cp1252"))
    assert response.status_code == 302
    token = token_of(response)
    assert count(Membership, Membership.cooperative_id == coop.id) == 1  # only the secretary

    preview = client.get(f"/c/{coop.slug}/members/import/{token}")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "We found no problems" in text
    assert "Anna de Vries" in text
    assert f"/c/{coop.slug}/members/import/{token}/confirm" in text

    done = client.post(f"/c/{coop.slug}/members/import/{token}/confirm")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/import/{token}/done")
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 4
    assert not (import_folder / f"{token}.csv").exists()  # the file is gone after the import

    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Forgot your password?" in page
    assert "/account/reset" in page
    # Confirming twice imports nothing twice.
    again = client.post(f"/c/{coop.slug}/members/import/{token}/confirm")
    assert again.status_code == 302
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 4


def test_the_preview_lists_problems_and_confirming_writes_nothing(client, login, coop, secretary):
    login(secretary.user)
    content = csv_bytes(
        ANNA, [*BRAM[:5], "1234", "Utrecht"], ['=HYPERLINK("http://evil.test")', *KAPSALON[1:]]
    )
    token = token_of(upload(client, coop.slug, content))
    page = client.get(f"/c/{coop.slug}/members/import/{token}").get_data(as_text=True)
    assert "Problems found: 2. Nothing is imported." in page
    assert "4 digits and 2 letters" in page
    assert "run it as a formula" in page
    assert "=HYPERLINK(&#34;http://evil.test&#34;)" in page  # shown as text
    assert f"/import/{token}/confirm" not in page
    response = client.post(f"/c/{coop.slug}/members/import/{token}/confirm")
    assert response.status_code == 422
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 1


@pytest.mark.parametrize(
    ("content", "filename", "fragment"),
    [
        (b"", "leden.csv", "The file is empty."),
        (b"PK\x03\x04\x14\x00", "leden.csv", "not a CSV file"),
        (csv_bytes(ANNA), "leden.xlsx", "a name ending in .csv"),
        (csv_bytes(header=["naam"]), "leden.csv", "The column “soort” (or “kind”) is missing."),
    ],
)
def test_unusable_files_are_refused_on_the_upload_form(
    client, login, coop, secretary, import_folder, content, filename, fragment
):
    login(secretary.user)
    response = upload(client, coop.slug, content, filename)
    assert response.status_code == 422
    assert fragment in response.get_data(as_text=True)
    assert not import_folder.exists() or not list(import_folder.iterdir())


def test_another_board_or_person_cannot_use_the_upload(client, login, coop, secretary):
    login(secretary.user)
    token = token_of(upload(client, coop.slug, csv_bytes(ANNA)))
    other_coop = CooperativeFactory(slug="lombok")
    other_board = board_member(other_coop, Function.SECRETARY, Function.ADMIN)
    colleague = board_member(coop, Function.CHAIR)
    treasurer = board_member(coop, Function.TREASURER)

    client.delete_cookie("session")
    login(other_board.user)
    # Their own cooperative's URL: the token is not theirs.
    for method, path in (
        ("GET", f"/c/lombok/members/import/{token}"),
        ("POST", f"/c/lombok/members/import/{token}/confirm"),
    ):
        response = client.open(path, method=method)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/c/lombok/members/import")
    # The first cooperative's URL: they are not on its board.
    assert client.post(f"/c/{coop.slug}/members/import/{token}/confirm").status_code == 403

    client.delete_cookie("session")
    login(colleague.user)  # on the same board, but did not upload it
    response = client.post(f"/c/{coop.slug}/members/import/{token}/confirm")
    assert response.headers["Location"].endswith(f"/c/{coop.slug}/members/import")

    client.delete_cookie("session")
    login(treasurer.user)  # the board, but not a function that admits members
    assert client.get(f"/c/{coop.slug}/members/import").status_code == 403

    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 3  # the board only
    assert count(Membership, Membership.cooperative_id == other_coop.id) == 1


def test_confirming_needs_the_csrf_token(app, client, login, coop, secretary, csrf):
    login(secretary.user)
    page = client.get(f"/c/{coop.slug}/members/import").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/c/{coop.slug}/members/import",
        data={"file": (io.BytesIO(csv_bytes(ANNA)), "leden.csv"), "csrf_token": csrf_token},
        content_type="multipart/form-data",
    )
    token = token_of(response)
    assert client.post(f"/c/{coop.slug}/members/import/{token}/confirm").status_code == 400
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 1
    response = client.post(
        f"/c/{coop.slug}/members/import/{token}/confirm", data={"csrf_token": csrf_token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 2


# The command line ------------------------------------------------------------------------------


def test_cli_dry_run_then_import(app, coop, tmp_path):
    path = tmp_path / "leden.csv"
    path.write_bytes(csv_bytes(ANNA, BRAM, KAPSALON, bom=True))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["coop", "members", "import", coop.slug, str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "OK: 3 members can be imported" in dry.output
    assert count(Membership, Membership.cooperative_id == coop.id) == 0

    result = runner.invoke(args=["coop", "members", "import", coop.slug, str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 members, numbers 1 to 3" in result.output
    assert "Forgot your password?" in result.output
    db.session.expire_all()
    assert count(Membership, Membership.cooperative_id == coop.id) == 3
    events = db.session.scalars(
        select(AuditEvent.actor_id).where(AuditEvent.action == "members.imported")
    ).all()
    assert events == [None]


def test_cli_prints_problems_and_fails(app, coop, tmp_path):
    path = tmp_path / "leden.csv"
    path.write_bytes(csv_bytes(ANNA, [*BRAM[:5], "1234", "Utrecht"], ANNA))
    result = app.test_cli_runner().invoke(args=["coop", "members", "import", coop.slug, str(path)])
    assert result.exit_code == 1
    assert "row 3, " in result.output
    assert "[1234]" in result.output
    assert "row 4: " in result.output
    assert "2 problems; nothing imported." in result.output
    assert count(Membership, Membership.cooperative_id == coop.id) == 0


def test_cli_unknown_cooperative(app, tmp_path):
    path = tmp_path / "leden.csv"
    path.write_bytes(csv_bytes(ANNA))
    result = app.test_cli_runner().invoke(args=["coop", "members", "import", "nope", str(path)])
    assert result.exit_code == 2
    assert "no cooperative" in result.output
