"""`flask coop assemblies remind`: the reminder mail the day before an assembly (daily)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from coop import mail
from coop.assemblies import emails, services
from coop.db import today
from coop.extensions import db

assemblies_cli = AppGroup("assemblies", help="General assemblies (ALV).")


@assemblies_cli.command("remind")
def remind_command():
    """Mail the members of every assembly that takes place tomorrow (once)."""
    # Links in the mail point at COOP_PUBLIC_URL: there is no web request here.
    with current_app.test_request_context(base_url=current_app.config["COOP_PUBLIC_URL"]):
        sent = 0
        for assembly in services.due_reminders(today()):
            for member in services.remind(assembly):
                mail.after_commit(emails.reminder(assembly, member))
                sent += 1
        db.session.commit()
    click.echo(f"{sent} reminder(s) sent.")
