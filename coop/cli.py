"""Command-line tasks: `flask coop …` and `flask translate …`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from config import ROOT
from coop.extensions import db

coop_cli = AppGroup("coop", help="Buurtcoop tasks (demo data, audit, generated data).")
audit_cli = AppGroup("audit", help="The audit log.")
translate_cli = AppGroup("translate", help="Translations (Dutch and English).")
coop_cli.add_command(audit_cli)


@coop_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no cooperatives.")
def demo_command(if_empty):
    """Create (idempotently) the Utrecht demo and print the demo log-ins."""
    from coop.core import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has data; no demo data loaded.")
        return
    logins = demo.load()
    db.session.commit()
    click.echo("Demo data is ready. Log in at http://127.0.0.1:5000/account/login with:")
    for role, email, password in logins:
        click.echo(f"  {role:<38} {email:<32} {password}")


@audit_cli.command("verify")
def audit_verify():
    """Check every hash chain; print OK or the first broken link."""
    from coop import audit

    result = audit.verify()
    if result.ok:
        click.echo(f"OK: {result.events} events in {result.chains} chains")
    else:
        click.echo(f"BROKEN: {result.problem}")
        sys.exit(1)


members_cli = AppGroup("members", help="Memberships.")
coop_cli.add_command(members_cli)


def _add_domain_commands() -> None:
    """Commands that live in their domain's package: `flask coop assemblies …`,
    `flask coop contributions …`, `flask coop knowledge …`."""
    from coop.assemblies.cli import assemblies_cli
    from coop.contributions.cli import contributions_cli
    from coop.knowledge.cli import knowledge_cli
    from coop.statutes.cli import statutes_cli

    for group in (assemblies_cli, contributions_cli, knowledge_cli, statutes_cli):
        coop_cli.add_command(group)


_add_domain_commands()


@members_cli.command("process-endings")
def process_endings():
    """End memberships whose last day has passed (run daily from cron)."""
    from coop.db import today
    from coop.members.services import process_due_endings

    count = process_due_endings(today())
    db.session.commit()
    click.echo(f"{count} memberships ended.")


@members_cli.command("import")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file; write nothing.")
def import_members_command(slug, path, dry_run):
    """Import members from a CSV file into a cooperative: all rows or none."""
    from flask import current_app
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from coop.core.models import Cooperative
    from coop.db import today
    from coop.members import importer

    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if cooperative is None:
        raise click.UsageError(f"There is no cooperative with slug {slug!r}.")
    with path.open("rb") as handle:
        content = handle.read(importer.MAX_BYTES + 1)
    parsed = importer.parse(
        content,
        today=today(),
        allow_test_domains=current_app.config["EMAIL_ALLOW_TEST_DOMAINS"],
    )
    plan = importer.check(cooperative, parsed)
    if plan.problems:
        for problem in plan.problems:
            value = f"  [{problem.value}]" if problem.value else ""
            click.echo(f"{problem}{value}", err=True)
        click.echo(f"{len(plan.problems)} problems; nothing imported.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(
            f"OK: {len(plan.rows)} members can be imported "
            f"({plan.new_accounts} new accounts, {plan.matched_accounts} existing). "
            "Nothing written (--dry-run)."
        )
        return
    try:
        with click.progressbar(length=len(plan.rows), label="Members") as bar:
            result = importer.import_members(
                cooperative, parsed, by=None, today=today(), source=path.name, progress=bar.update
            )
        db.session.commit()
    except importer.ImportRefused as refused:
        db.session.rollback()
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        click.echo("The register changed during the import; nothing imported.", err=True)
        sys.exit(1)
    except IntegrityError:
        db.session.rollback()
        click.echo("The register changed during the import; nothing imported.", err=True)
        sys.exit(1)
    click.echo(
        f"Imported {result.count} members, numbers {result.first_number} to "
        f"{result.last_number} ({result.new_accounts} new accounts, "
        f"{result.matched_accounts} existing)."
    )
    if result.new_accounts:
        click.echo(
            "New accounts have no password: they choose one with 'Forgot your password?' "
            "on the log-in page."
        )


@coop_cli.command("generate")
@click.option("--cooperatives", "k", default=3, show_default=True, type=click.IntRange(1, 1000))
@click.option("--members", "n", default=1000, show_default=True, type=click.IntRange(0, 5_000_000))
@click.option("--seed", default=1, show_default=True)
def generate_command(k, n, seed):
    """Bulk-create realistic cooperatives and members (for benchmarks)."""
    from coop.core import generate

    with click.progressbar(length=n, label="Members") as bar:
        result = generate.generate(k, n, seed=seed, progress=bar.update)
    db.session.commit()
    click.echo(f"Created {len(result.cooperatives)} cooperatives and {result.members} members.")


def _babel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def fill_english(path) -> None:
    """English is the source language: an empty English msgstr is its msgid."""
    from babel.messages.pofile import read_po, write_po

    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = (message.id[0], message.id[1])
        elif not message.string:
            message.string = message.id
        if message.fuzzy and message.string:
            message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)


@translate_cli.command("update")
def translate_update():
    """Extract messages and update the Dutch and English catalogues."""
    pot = ROOT / "messages.pot"
    translations = ROOT / "translations"
    # From the project folder, so that the catalogues name files by relative paths.
    with contextlib.chdir(ROOT):
        _babel(
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-w",
            "100",
            "--sort-by-file",
            "--ignore-dirs",
            ".* .venv",
            "-o",
            str(pot),
            ".",
        )
    for locale in ("nl", "en"):
        po = translations / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel(
                "update",
                "-i",
                str(pot),
                "-d",
                str(translations),
                "-l",
                locale,
                "-w",
                "100",
                "--no-fuzzy-matching",
            )
        else:
            _babel("init", "-i", str(pot), "-d", str(translations), "-l", locale, "-w", "100")
    fill_english(translations / "en" / "LC_MESSAGES" / "messages.po")
    pot.unlink()
    click.echo("Catalogues updated. Translate the empty Dutch messages, then run compile.")


@translate_cli.command("compile")
def translate_compile():
    """Compile the catalogues (.po -> .mo)."""
    _babel("compile", "-d", str(ROOT / "translations"), "--statistics")


def register_cli(app: Flask) -> None:
    app.cli.add_command(coop_cli)
    app.cli.add_command(translate_cli)
