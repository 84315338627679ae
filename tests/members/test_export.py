"""Export of the register to CSV and XLSX: what Dutch spreadsheets open, neutralised
formulas, the register as of a date, and an audit event for every export."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from coop.audit import AuditEvent
from coop.members import register
from coop.members.models import EndReason, Function, MemberKind, MembershipStatus
from tests.factories import CooperativeFactory, MembershipFactory, UserFactory, board_member


@pytest.fixture
def coop():
    coop = CooperativeFactory(slug="overvecht")
    MembershipFactory(
        cooperative=coop,
        name='=HYPERLINK("http://evil.test","klik")',
        street="@SUM(A1:A2)",
        user=UserFactory(email="formule@example.test"),
        admitted_on=date(2021, 1, 1),
    )
    MembershipFactory(
        cooperative=coop,
        name="Bakkerij Öztürk",
        kind=MemberKind.ONDERNEMER,
        kvk_number="12345678",
        postcode="3531 CJ",
        phone="+31 6 12345678",
        admitted_on=date(2022, 6, 1),
    )
    MembershipFactory(
        cooperative=coop,
        name="Kees Brouwer",
        admitted_on=date(2019, 1, 1),
        status=MembershipStatus.ENDED,
        ended_on=date(2024, 12, 31),
        end_reason=EndReason.RESIGNED,
    )
    return coop


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert b"\r\n" in body
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_opens_in_dutch_excel_and_neutralises_formulas(client, login, coop):
    login(board_member(coop, Function.SECRETARY).user)
    response = client.get(f"/c/{coop.slug}/members/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ledenregister-overvecht-')
    rows = _csv(response)
    assert rows[0][:4] == ["Lidnummer", "Naam", "Soort lid", "Status"]
    by_name = {row[1]: row for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.test","klik")' in by_name
    formula_row = by_name['\'=HYPERLINK("http://evil.test","klik")']
    assert "'@SUM(A1:A2)" in formula_row
    assert "formule@example.test" in formula_row
    # A phone number with + stays readable but cannot run either.
    bakker = by_name["Bakkerij Öztürk"]
    assert bakker[2] == "Ondernemer in de wijk"
    assert "12345678" in bakker
    assert "'+31 6 12345678" in bakker
    assert "Kees Brouwer" not in by_name  # today's register: current members
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_export_follows_the_filters_and_the_date(client, login, coop):
    login(board_member(coop, Function.SECRETARY).user)
    rows = _csv(client.get(f"/c/{coop.slug}/members/export.csv?as_of=2020-06-01"))
    assert [row[1] for row in rows[1:]] == ["Kees Brouwer"]
    assert rows[1][3] == "Actief"
    assert rows[1][5] == ""  # his end was not known on that date
    rows = _csv(client.get(f"/c/{coop.slug}/members/export.csv?status=ended"))
    assert [(row[1], row[5]) for row in rows[1:]] == [("Kees Brouwer", "2024-12-31")]
    rows = _csv(client.get(f"/c/{coop.slug}/members/export.csv?kind=ondernemer"))
    assert [row[1] for row in rows[1:]] == ["Bakkerij Öztürk"]


def test_xlsx_export_is_a_workbook_with_text_cells(client, login, coop):
    login(board_member(coop, Function.SECRETARY).user)
    response = client.get(f"/c/{coop.slug}/members/export.xlsx?status=all")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Lidnummer"
    assert len(rows) == 1 + 4  # heading, three members and the secretary
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.test","klik")' in names
    assert "Kees Brouwer" in names
    kees = rows[1 + names.index("Kees Brouwer")]
    assert kees[3] == "Beëindigd"


def test_every_export_is_in_the_audit_log(client, login, coop):
    secretary = board_member(coop, Function.SECRETARY)
    login(secretary.user)
    client.get(f"/c/{coop.slug}/members/export.csv?kind=bewoner&as_of=1-1-2022")
    event = client_events(coop)[-1]
    assert event.action == "register.exported"
    assert event.actor_id == secretary.user_id
    assert event.data["format"] == "csv"
    assert event.data["as_of"] == "2022-01-01"
    assert event.data["filters"] == {"kind": "bewoner", "as_of": "2022-01-01"}


def client_events(coop):
    from coop.extensions import db

    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.cooperative_id == coop.id).order_by(AuditEvent.seq)
    ).all()


def test_unknown_export_format_is_not_found(client, login, coop):
    login(board_member(coop, Function.SECRETARY).user)
    assert client.get(f"/c/{coop.slug}/members/export.pdf").status_code == 404


def test_export_in_english_has_english_headings(client, login, coop):
    user = board_member(coop, Function.SECRETARY).user
    user.locale = "en"
    from coop.extensions import db

    db.session.flush()
    login(user)
    response = client.get(f"/c/{coop.slug}/members/export.csv")
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="member-register-overvecht-'
    )
    assert _csv(response)[0][:2] == ["Member number", "Name"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("gewoon", "gewoon"),
        (12, 12),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert register.neutralise(value) == expected


def test_export_streams_in_pieces():
    rows = ([i, f"Lid {i}"] for i in range(1200))
    pieces = list(register.csv_chunks(rows, ["Nummer", "Naam"], batch=500))
    assert len(pieces) == 3  # 500, 500 and the last 200 rows
    assert b"".join(pieces).decode("utf-8-sig").count("\r\n") == 1201
