"""`flask assemblies remind`: the reminder mail the day before an assembly (run daily)."""

from __future__ import annotations

import click
from flask import Blueprint

from coop import mail
from coop.assemblies import emails, services
from coop.db import today
from coop.extensions import db


def register(bp: Blueprint) -> None:
    @bp.cli.command("remind")
    @click.option("--server-name", default=None, help="Host name for the links in the mail.")
    def remind_command(server_name):
        """Mail the members of every assembly that takes place tomorrow (once)."""
        from flask import current_app

        if server_name:
            current_app.config["SERVER_NAME"] = server_name
        with current_app.test_request_context():
            sent = 0
            for assembly in services.due_reminders(today()):
                for member in services.remind(assembly):
                    mail.after_commit(emails.reminder(assembly, member))
                    sent += 1
            db.session.commit()
        click.echo(f"{sent} reminder(s) sent.")
