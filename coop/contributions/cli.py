"""`flask coop contributions …`: billing a year and sending reminders (cron)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from coop.extensions import db

contributions_cli = AppGroup("contributions", help="Contributions (ledenbijdrage).")


def _cooperatives(slug):
    from sqlalchemy import select

    from coop.core.models import Cooperative

    query = select(Cooperative).order_by(Cooperative.id)
    if slug:
        query = query.where(Cooperative.slug == slug)
    found = db.session.scalars(query).all()
    if slug and not found:
        raise click.UsageError(f"There is no cooperative with slug {slug!r}.")
    return found


@contributions_cli.command("bill")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--cooperative", "slug", help="Only this cooperative (slug).")
def bill_command(year, slug):
    """One charge per active member for YEAR; running it again creates nothing."""
    from coop.contributions import services
    from coop.db import today
    from coop.errors import DomainError

    for cooperative in _cooperatives(slug):
        try:
            result = services.bill_year(cooperative, year, today=today())
        except DomainError as error:
            click.echo(f"{cooperative.slug}: {error.message}")
            continue
        db.session.commit()
        click.echo(
            f"{cooperative.slug}: {result.created} charges, "
            f"EUR {result.total_cents / 100:.2f} in total."
        )


@contributions_cli.command("remind")
@click.option("--cooperative", "slug", help="Only this cooperative (slug).")
def remind_command(slug):
    """Mail members whose contribution is overdue, at the cooperative's intervals."""
    from coop import mail
    from coop.contributions import emails, services
    from coop.db import today

    base = current_app.config["COOP_PUBLIC_URL"]
    total = 0
    for cooperative in _cooperatives(slug):
        with current_app.test_request_context(base_url=base):
            charges = services.due_reminders(today(), cooperative)
            for charge in charges:
                mail.after_commit(emails.reminder(charge))
            db.session.commit()
        total += len(charges)
        if charges:
            click.echo(f"{cooperative.slug}: {len(charges)} reminders sent.")
    click.echo(f"{total} reminders in total.")
    sys.stdout.flush()
