"""Rendering in the sandbox: articles, filters, refusals, and the comparison."""

from __future__ import annotations

import pytest

from coop.statutes import rendering
from coop.statutes.rendering import TemplateRefused
from tests.statutes.conftest import parameter_values


class Version:
    """A template version without the database."""

    def __init__(self, nl: str, en: str | None = None):
        self._text = {"nl": nl, "en": en or nl}

    def text(self, lang):
        return self._text[lang]

    def title(self, lang):
        return "Statuten"


def test_articles_are_numbered_and_empty_articles_dropped():
    text = (
        "# Titel\n\n## Naam\n\n1. Wij heten {{ name }}.\n2. Zetel {{ seat }}.\n\n"
        "## Online\n\n{% if electronic_participation %}Online mag.{% endif %}\n\n"
        "## Leden\n\n- een\n- twee\n"
    )
    document = rendering.render_document(Version(text), parameter_values(), "nl")
    assert [a.heading for a in document.articles] == ["Artikel 1 — Naam", "Artikel 2 — Leden"]
    assert document.articles[0].plain == "1. Wij heten Buurtcoöperatie Zuilen.\n2. Zetel Utrecht."
    assert document.articles[1].plain == "a. een\nb. twee"
    on = rendering.render_document(
        Version(text), parameter_values(electronic_participation=True), "nl"
    )
    assert [a.title for a in on.articles] == ["Naam", "Online", "Leden"]


@pytest.mark.parametrize(
    ("expression", "value", "lang", "expected"),
    [
        ("majority_ordinary|majority", "1/2", "nl", "meer dan de helft"),
        ("majority_ordinary|majority", "2/3", "en", "at least two thirds"),
        ("majority_ordinary|majority", "3/4", "nl", "ten minste drie vierde"),
        ("majority_ordinary|majority", "4/5", "nl", "ten minste 4/5"),
        ("quorum_ordinary|quorum", 0, "nl", ""),
        ("quorum_ordinary|quorum", 50, "en", "at least 50 percent of the members"),
        ("financial_year_start|month", 7, "nl", "juli"),
        ("member_kinds|kinds", ["resident", "organisation"], "en", "residents and organisations"),
        ("liability|liability", "BA", "nl", "B.A."),
        ("notice_days|days", 14, "nl", "14 dagen"),
        ("resignation_notice_weeks|weeks", 1, "en", "1 week"),
        ("minimum_shares|shares", 1, "nl", "één aandeel"),
        ("minimum_shares|shares", 3, "en", "3 shares"),
    ],
)
def test_filters(expression, value, lang, expected):
    key = expression.split("|")[0]
    text = rendering.render_text("{{ " + expression + " }}", parameter_values(**{key: value}), lang)
    assert text == expected


@pytest.mark.parametrize(
    "source",
    [
        "{{ config }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ self }}",
        "{{ name.__class__ }}",
        "{{ name|attr('__class__') }}",
        "{% for x in member_kinds %}{{ x }}{% endfor %}",
        "{{ lipsum() }}",
        "{% macro m() %}{% endmacro %}",
        "{{ cycler }}",
        "{% set x = 1 %}",
        "{% include 'base.html' %}",
        "{{ name[0] }}",
    ],
)
def test_sandbox_escapes_in_the_template_text_are_refused(source):
    with pytest.raises(TemplateRefused):
        rendering.check_template(source)
    with pytest.raises(TemplateRefused):
        rendering.render_text(source, parameter_values(), "nl")


@pytest.mark.parametrize(
    "value",
    [
        "{{ config }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ self }}",
        "<script>alert(1)</script>",
        "{% include 'base.html' %}",
    ],
)
def test_sandbox_escapes_in_parameter_values_are_plain_text(value):
    text = rendering.render_text(
        "## Naam\n\n{{ name }} in {{ seat }}\n", parameter_values(name=value), "nl"
    )
    assert text == f"## Naam\n\n{value} in Utrecht\n"


def test_free_text_with_structure_stays_text_in_its_paragraph():
    text = "## Doel\n\n1. Wij willen:\n\n{{ purpose }}\n\n## Zetel\n\n1. In {{ seat }}.\n"
    purpose = "## Extra artikel\n1. Het bestuur mag alles.\n- en nog meer"
    document = rendering.render_document(Version(text), parameter_values(purpose=purpose), "nl")
    assert [a.title for a in document.articles] == ["Doel", "Zetel"]
    assert document.articles[0].plain == (
        "1. Wij willen:\n## Extra artikel 1. Het bestuur mag alles. - en nog meer"
    )
    assert document.articles[1].plain == "1. In Utrecht."


def test_comparison_marks_only_the_changed_article():
    text = (
        "## Naam\n\n{{ name }}\n\n## Besluiten\n\nMet {{ majority_ordinary|majority }}.\n\n"
        "## Zetel\n\n{{ seat }}\n"
    )
    old = rendering.render_document(Version(text), parameter_values(), "nl")
    new = rendering.render_document(Version(text), parameter_values(majority_ordinary="3/4"), "nl")
    pairs = rendering.compare(old, new)
    assert [(p.new.title, p.changed) for p in pairs] == [
        ("Naam", False),
        ("Besluiten", True),
        ("Zetel", False),
    ]
    diff = str(pairs[1].diff)
    assert diff == "Met <del>meer dan de helft.</del><ins>ten minste drie vierde.</ins>"


def test_comparison_escapes_the_text():
    text = "## Naam\n\n{{ name }}\n"
    old = rendering.render_document(Version(text), parameter_values(name="A"), "nl")
    new = rendering.render_document(Version(text), parameter_values(name="<b>B</b>"), "nl")
    diff = str(rendering.compare(old, new)[0].diff)
    assert "<b>" not in diff
    assert "&lt;b&gt;B&lt;/b&gt;" in diff
