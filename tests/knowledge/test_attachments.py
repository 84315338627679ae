"""Files: the type from the content, size limits, content-hash storage, safe downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from coop.extensions import db
from coop.knowledge import services
from coop.knowledge.models import Attachment, Visibility
from tests.factories import KnowledgeItemFactory
from tests.knowledge.conftest import field_error

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ODS = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
PLAIN_ZIP = zipped({"readme.txt": b"hallo"})


def unique(data: bytes, tag: str) -> bytes:
    """The same kind of file, with bytes of its own."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        return zipped({**files, "tag.txt": tag.encode()})
    return data + tag.encode()


@pytest.fixture
def item(author):
    return KnowledgeItemFactory(author_membership=author, visibility=Visibility.PUBLIC)


def upload(client, item, data: bytes, name: str):
    """A multipart body built here, in memory: for large bodies the test client would
    otherwise spool to a temporary file that it never closes."""
    boundary = "----buurtcoop-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        f"/knowledge/{item.id}/files",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def attachments(item) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(Attachment.item_id == item.id)))


@pytest.mark.parametrize(
    ("data", "name", "content_type", "stored_name"),
    [
        (PDF, "plan.pdf", "application/pdf", "plan.pdf"),
        (PNG, "foto.png", "image/png", "foto.png"),
        (JPEG, "foto.JPEG", "image/jpeg", "foto.jpg"),
        (GIF, "plaatje.gif", "image/gif", "plaatje.gif"),
        (WEBP, "beeld.webp", "image/webp", "beeld.webp"),
        (
            DOCX,
            "begroting.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "begroting.docx",
        ),
        (
            XLSX,
            "begroting.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "begroting.xlsx",
        ),
        (ODT, "statuten.odt", "application/vnd.oasis.opendocument.text", "statuten.odt"),
        # JPEG has more than one extension; case does not matter.
        (JPEG, "foto.jpg", "image/jpeg", "foto.jpg"),
        (JPEG, "foto.jfif", "image/jpeg", "foto.jpg"),
        (PDF, "Plan.PDF", "application/pdf", "Plan.pdf"),
        # A name without an extension says nothing about the type: it gets the real one.
        (PDF, "plan", "application/pdf", "plan.pdf"),
        (PDF, "notulen v1.2", "application/pdf", "notulen v1.2.pdf"),
        # A dot that ends no type's extension is part of the name.
        (PDF, "Verslag St.Jozef", "application/pdf", "Verslag St.Jozef.pdf"),
        (PDF, "begroting v2.1b", "application/pdf", "begroting v2.1b.pdf"),
        (PNG, "foto.", "image/png", "foto.png"),
        (PDF, "", "application/pdf", "bestand.pdf"),
    ],
)
def test_allowed_files_are_stored_under_their_hash(
    client, login, author, item, data, name, content_type, stored_name
):
    login(author.user)

    response = upload(client, item, data, name or "x")

    assert response.status_code == 302, field_error(response.text, "file")
    (attachment,) = attachments(item)
    assert attachment.content_type == content_type
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)
    assert services.blob_path(attachment.sha256).read_bytes() == data
    if name:
        assert attachment.filename == stored_name


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "plan.pdf"),
        (b"MZ\x90\x00 windows program", "foto.png"),
        (PLAIN_ZIP, "begroting.docx"),
        (ODS, "tabel.odt"),
        (b"PK\x03\x04 not really a zip", "kapot.xlsx"),
        (b"#!/bin/sh\nrm -rf /\n", "script.sh"),
        (b"<svg onload=alert(1)>", "logo.svg"),
        (b"GIF8", "kort.gif"),
    ],
)
def test_files_that_lie_about_their_type_are_refused(client, login, author, item, data, name):
    login(author.user)

    response = upload(client, item, data, name)

    assert response.status_code == 422
    assert "not allowed" in field_error(response.text, "file") or "niet toegestaan" in (
        field_error(response.text, "file")
    )
    assert attachments(item) == []


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (PDF, "plan.docx", "Dit bestand is geen DOCX-bestand maar een PDF-bestand."),
        (PNG, "foto.jpg", "Dit bestand is geen JPG-bestand maar een PNG-bestand."),
        (JPEG, "foto.png", "Dit bestand is geen PNG-bestand maar een JPEG-bestand."),
        (PNG, "foto.exe", "Dit bestand is geen EXE-bestand maar een PNG-bestand."),
        (DOCX, "begroting.xlsx", "Dit bestand is geen XLSX-bestand maar een DOCX-bestand."),
        (XLSX, "begroting.docx", "Dit bestand is geen DOCX-bestand maar een XLSX-bestand."),
        (ODT, "statuten.pdf", "Dit bestand is geen PDF-bestand maar een ODT-bestand."),
        (GIF, "plaatje.webp", "Dit bestand is geen WEBP-bestand maar een GIF-bestand."),
        (PDF, "plan.pdf.docx", "Dit bestand is geen DOCX-bestand maar een PDF-bestand."),
    ],
)
def test_a_file_whose_name_says_another_type_is_refused(
    client, login, author, item, data, name, message
):
    """The content is an allowed type, but the name says another: the name lies."""
    login(author.user)
    data = unique(data, name)  # bytes no other test stored, so a stored file would show
    services.files_dir().mkdir(parents=True, exist_ok=True)
    stored = set(services.files_dir().iterdir())

    response = upload(client, item, data, name)

    assert response.status_code == 422
    error = field_error(response.text, "file")
    assert error.startswith(message), error
    assert "Geef het een naam die eindigt op ." in error
    assert attachments(item) == []
    assert set(services.files_dir().iterdir()) == stored


def test_the_refusal_is_in_the_users_language(client, login, author, item):
    author.user.locale = "en"
    db.session.flush()
    login(author.user)

    response = upload(client, item, PDF, "plan.docx")

    assert response.status_code == 422
    assert field_error(response.text, "file") == (
        "This file is not a DOCX file but a PDF file. Give it a name that ends in .pdf, "
        "or choose the right file."
    )


def test_an_empty_file_is_refused(client, login, author, item):
    login(author.user)

    response = upload(client, item, b"", "leeg.pdf")

    assert response.status_code == 422
    assert field_error(response.text, "file")
    assert attachments(item) == []


def test_no_file_at_all(client, login, author, item):
    login(author.user)

    response = client.post(f"/knowledge/{item.id}/files", data={})

    assert response.status_code == 422
    assert field_error(response.text, "file")


def test_a_file_over_10_mb_is_refused(client, login, author, item):
    login(author.user)

    response = upload(client, item, PDF + b"0" * (10 * 1024 * 1024), "groot.pdf")

    assert response.status_code == 422
    assert "10 MB" in field_error(response.text, "file")
    assert attachments(item) == []


def test_a_file_of_exactly_10_mb_is_fine(client, login, author, item):
    login(author.user)

    response = upload(client, item, PDF.ljust(10 * 1024 * 1024, b"0"), "precies.pdf")

    assert response.status_code == 302


def test_a_request_over_the_upload_limit_gets_a_clear_page(client, login, author, item):
    login(author.user)

    response = upload(client, item, PDF + b"0" * (17 * 1024 * 1024), "enorm.pdf")

    assert response.status_code == 413


def test_the_same_content_twice_is_stored_once(client, login, author, item):
    login(author.user)

    upload(client, item, PDF, "een.pdf")
    upload(client, item, PDF, "twee.pdf")

    first, second = attachments(item)
    assert first.sha256 == second.sha256
    assert [p.name for p in services.files_dir().iterdir() if p.name == first.sha256] == [
        first.sha256
    ]


def test_downloads_are_attachments_with_a_safe_name(client, login, author, item):
    login(author.user)
    upload(client, item, PDF, "/home/anna/<Begroting> 2025: ë?.pdf")
    (attachment,) = attachments(item)
    client.delete_cookie("session")

    response = client.get(f"/knowledge/{item.id}/files/{attachment.id}")

    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition
    assert attachment.filename == "_Begroting_ 2025_ ë_.pdf"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_the_item_page_lists_files_with_the_name_as_text(client, login, author, item):
    login(author.user)
    upload(client, item, PNG, "<img src=x onerror=alert(1)>.png")

    page = client.get(f"/knowledge/{item.id}").text

    assert "<img src=x onerror=alert(1)>" not in page
    assert "img src=x onerror=alert(1)_.png" in page or "&lt;img" in page


def test_the_author_removes_a_file_and_its_bytes_go(client, login, author, item):
    login(author.user)
    unique = PDF + b"% only here\n"
    upload(client, item, unique, "weg.pdf")
    (attachment,) = attachments(item)
    path = services.blob_path(attachment.sha256)
    assert path.exists()

    response = client.post(f"/knowledge/{item.id}/files/{attachment.id}/delete")

    assert response.status_code == 302
    assert attachments(item) == []
    assert not path.exists()
    again = client.post(f"/knowledge/{item.id}/files/{attachment.id}/delete")
    assert again.status_code == 302


def test_bytes_shared_with_another_file_stay(client, login, author, item):
    login(author.user)
    upload(client, item, PDF, "een.pdf")
    upload(client, item, PDF, "twee.pdf")
    first, _ = attachments(item)

    client.post(f"/knowledge/{item.id}/files/{first.id}/delete")

    assert services.blob_path(first.sha256).exists()


@pytest.mark.parametrize("role", ["member", "other_member", "no_membership", "platform_admin"])
def test_only_editors_add_or_remove_files(client, login, people, author, item, role):
    login(author.user)
    upload(client, item, PDF, "plan.pdf")
    (attachment,) = attachments(item)
    client.delete_cookie("session")
    login(people[role])

    added = upload(client, item, PNG, "foto.png")
    removed = client.post(f"/knowledge/{item.id}/files/{attachment.id}/delete")

    assert added.status_code == 302
    assert removed.status_code == 302
    assert [a.id for a in attachments(item)] == [attachment.id]
    assert db.session.scalar(select(func.count()).select_from(Attachment)) >= 1


def test_the_board_may_add_files(client, login, people, item):
    login(people["board"])

    assert upload(client, item, PDF, "plan.pdf").status_code == 302
    assert len(attachments(item)) == 1
