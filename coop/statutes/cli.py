"""`flask coop statutes sync-library` and `flask coop statutes take-effect`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from coop.db import today
from coop.extensions import db

statutes_cli = AppGroup("statutes", help="Statutes: the model texts and entry into force.")


@statutes_cli.command("sync-library")
def sync_library_command():
    """Load the model texts of coop/statutes/library into the database (idempotent)."""
    from coop.statutes import services

    added = services.sync_library()
    db.session.commit()
    for version in added:
        click.echo(f"added {version.template.slug} version {version.version}")
    click.echo(f"{len(added)} new template version(s).")


@statutes_cli.command("take-effect")
def take_effect_command():
    """Adopted statutes whose deed date has come take effect (run daily; idempotent)."""
    from coop.statutes import emails, services

    # Links in the mail point at COOP_PUBLIC_URL: there is no web request here.
    with current_app.test_request_context(base_url=current_app.config["COOP_PUBLIC_URL"]):
        done = services.take_effect_due(today())
        for statutes in done:
            emails.send_in_force(statutes)
        db.session.commit()
    click.echo(f"{len(done)} statutes took effect.")
