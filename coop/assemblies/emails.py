"""Mails about assemblies, each in the recipient's language; sent after the commit."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, url_for
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event

from coop import mail
from coop.db import today

ASSEMBLY_HOURS = 2


def convocation_subject(assembly, locale: str) -> str:
    with force_locale(locale or "nl"):
        return str(
            _l(
                "Invitation: general assembly of %(name)s",
                name=assembly.cooperative.name,
            )
        )


def _assembly_url(assembly) -> str:
    return url_for(
        "assemblies.assembly",
        slug=assembly.cooperative.slug,
        assembly_id=assembly.id,
        _external=True,
    )


def _document_url(assembly, document) -> str:
    """The download page of an agenda document (for members, after logging in)."""
    return url_for(
        "assemblies.document",
        slug=assembly.cooperative.slug,
        assembly_id=assembly.id,
        document_id=document.id,
        _external=True,
    )


def ics(assembly) -> bytes:
    """An .ics invitation (one VEVENT)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Buurtcoop//ALV//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"assembly-{assembly.id}@buurtcoop")
    event.add("dtstamp", assembly.convened_at or assembly.created_at)
    event.add("dtstart", assembly.starts_at)
    event.add("dtend", assembly.starts_at + timedelta(hours=ASSEMBLY_HOURS))
    event.add("summary", f"{assembly.title} – {assembly.cooperative.name}")
    if assembly.place:
        event.add("location", assembly.place)
    description = "\n".join(f"{item.position}. {item.title}" for item in assembly.items)
    if assembly.online_url:
        description += f"\n\n{assembly.online_url}"
        event.add("url", assembly.online_url)
    event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()


def convocation_letter(assembly, membership) -> tuple[str, str]:
    """The invitation to print and give on paper, in the member's language: its date line
    (the cooperative's seat and today's date, "Utrecht, 7 december 2026") and its text (the
    text of the mail: its web addresses written out)."""
    with force_locale(membership.user.locale or "nl"):
        dated = format_date(today(), "long")
        seat = assembly.cooperative.seat
        text = render_template(
            "emails/assemblies/convocation.txt",
            assembly=assembly,
            membership=membership,
            url=_assembly_url(assembly),
            document_url=lambda document: _document_url(assembly, document),
        )
    return (f"{seat}, {dated}" if seat else dated), text


def convocation(assembly, membership):
    user = membership.user
    message = mail.mail_to(
        user,
        convocation_subject(assembly, user.locale),
        "assemblies/convocation",
        assembly=assembly,
        membership=membership,
        url=_assembly_url(assembly),
        document_url=lambda document: _document_url(assembly, document),
    )
    message.add_attachment(
        ics(assembly),
        maintype="text",
        subtype="calendar",
        filename="alv.ics",
        params={"charset": "utf-8"},
    )
    return message


def proxy_granted(proxy, assembly, recipient):
    return mail.mail_to(
        recipient.user,
        _l("Proxy for the general assembly of %(name)s", name=assembly.cooperative.name),
        "assemblies/proxy_granted",
        proxy=proxy,
        assembly=assembly,
        recipient=recipient,
        url=_assembly_url(assembly),
    )


def proxy_revoked(proxy, assembly, recipient):
    return mail.mail_to(
        recipient.user,
        _l("Proxy withdrawn for the general assembly of %(name)s", name=assembly.cooperative.name),
        "assemblies/proxy_revoked",
        proxy=proxy,
        assembly=assembly,
        recipient=recipient,
        url=_assembly_url(assembly),
    )


def results(assembly, membership, motions):
    user = membership.user
    return mail.mail_to(
        user,
        _l("Decisions of the general assembly of %(name)s", name=assembly.cooperative.name),
        "assemblies/results",
        assembly=assembly,
        membership=membership,
        motions=motions,
        lang=user.locale or "nl",
        url=_assembly_url(assembly),
    )


def reminder(assembly, membership):
    return mail.mail_to(
        membership.user,
        _l("Tomorrow: general assembly of %(name)s", name=assembly.cooperative.name),
        "assemblies/reminder",
        assembly=assembly,
        membership=membership,
        url=_assembly_url(assembly),
    )
