"""Every message has a Dutch and an English translation; catalogues match the source."""

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from config import ROOT


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "--ignore-dirs",
            ".* .venv",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def _catalog(locale):
    path = Path(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po")
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_every_message_is_translated(source_ids, locale):
    catalog = _catalog(locale)
    translated = {
        m.id
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(str(i) for i in source_ids - translated)
    assert missing == [], f"{locale}: run `make translate-update` and translate: {missing[:20]}"


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_translations_keep_placeholders(locale):
    catalog = _catalog(locale)
    problems = [(m.id, str(error)) for m in catalog if m.id for error in m.check(catalog)]
    assert problems == []


def _words(text: str) -> str:
    """The text without its placeholders: what there is to translate."""
    return re.sub(r"%\([a-z_]+\)[sd]|%%", "", text)


def test_dutch_is_really_dutch():
    catalog = _catalog("nl")
    same = [
        m.id
        for m in catalog
        if m.id and m.string == m.id and len(re.sub(r"\W", "", _words(str(m.id)))) > 12
    ]
    assert same == [], f"Dutch equals English: {same[:10]}"


def test_pages_render_in_both_languages(client):
    assert "Inloggen" in client.get("/account/login").get_data(as_text=True)
    client.set_cookie("lang", "en")
    page = client.get("/account/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_every_template_parses(app):
    """A template Jinja cannot parse is skipped by the message extraction without a word
    (its texts would silently stay untranslated): each one must parse."""
    env = app.jinja_env
    names = env.list_templates(extensions=["html", "txt"])
    assert len(names) > 50
    for name in names:
        source, _filename, _uptodate = env.loader.get_source(env, name)
        env.parse(source, name)  # raises TemplateSyntaxError with the line
