"""`flask coop knowledge …`: the weekly digest (cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from coop.extensions import db

knowledge_cli = AppGroup("knowledge", help="The knowledge network.")


@knowledge_cli.command("digest")
def digest_command():
    """Mail followers of themes what is new and which funding closes within 30 days."""
    from coop.db import today, utcnow
    from coop.knowledge.digest import send_digests

    with current_app.test_request_context(base_url=current_app.config["COOP_PUBLIC_URL"]):
        count = send_digests(now=utcnow(), today=today())
        db.session.commit()
    click.echo(f"{count} digest mails sent.")
