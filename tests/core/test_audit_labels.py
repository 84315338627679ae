"""The audit log says in words what each event means, in Dutch and English; every event
the code records has its words."""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest

from coop import audit
from coop.capital.models import RequestKind
from coop.core.audit_labels import ACTION_LABELS
from coop.knowledge.services import QUESTION_PARTS
from coop.members.models import Function
from tests.factories import CooperativeFactory, board_member

ROOT = Path(__file__).resolve().parents[2]


def recorded_actions() -> set[str]:
    """The actions of every ``audit.record``/``record_many`` call in the code; the two that
    are built from a value, for each value."""
    actions: set[str] = set()
    built = []
    for path in (ROOT / "coop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_many")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            action = node.args[2]
            if isinstance(action, ast.Constant):
                actions.add(action.value)
            else:
                built.append(ast.unparse(action))
    assert sorted(built) == [
        "f'capital.{kind.value}_requested'",
        "f'knowledge.{part}_hidden'",
        "f'knowledge.{part}_unhidden'",
    ]
    actions |= {f"capital.{kind.value}_requested" for kind in RequestKind}
    actions |= {
        f"knowledge.{part}_{what}" for part in QUESTION_PARTS for what in ("hidden", "unhidden")
    }
    return actions


def test_every_recorded_event_has_words():
    actions = recorded_actions()
    assert len(actions) > 90
    assert sorted(actions - ACTION_LABELS.keys()) == []
    assert sorted(ACTION_LABELS.keys() - actions) == []  # no words for events nobody records


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("nl", "Vergadering bijeengeroepen"),
        ("en", "Assembly convened"),
    ],
)
def test_the_audit_log_says_what_happened(client, login, locale, words):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    secretary.user.locale = locale
    audit.record(coop, secretary, "assembly.convened", None, recipients=3)
    audit.record(coop, secretary, "assembly.opened", None)
    login(secretary.user)
    page = html.unescape(client.get(f"/c/{coop.slug}/audit").get_data(as_text=True))
    row = page.split(words)[1].split("</tr>")[0]
    assert '<code>assembly.convened</code> <code>{"recipients": 3}</code>' in row
    opened = {"nl": "Vergadering geopend", "en": "Meeting opened"}[locale]
    assert f"<td>{opened}</td>" in page  # no details to show
