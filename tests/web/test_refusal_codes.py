"""The pages translate the core's refusals by code, never by their English sentence
(issue 14, item 1): reword the English and the Finnish page says the same as before."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from api.web import forms
from escalation import text
from escalation.problems import Problem
from escalation.workflow.guards import GUARDS
from tests.factories import World
from tests.web.conftest import SignIn
from tests.web.test_text_input import NEW, error_of

FORMS = Path(forms.__file__)


def test_a_reworded_english_default_leaves_the_finnish_page_as_it_was(
        sign_in: SignIn, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A legal reference longer than the core's limit per line (the form asks the core's
    own rule): the core's `text.too_long {max: 300}` beside the field, in Finnish."""
    monkeypatch.setattr(text, "TOO_LONG", "No more than %(max)d characters, please.")
    english = text.text_problem("x" * 301, max_length=300)
    assert english == "No more than 300 characters, please."  # the English did change
    got = sign_in("lead").post("/issues/new", data={**NEW, "legal_references": "x" * 301},
                               headers={"Accept-Language": "fi"})
    assert got.status_code == 422
    shown = error_of(got.get_data(as_text=True), "legal_references")
    assert "Käytä enintään 300 merkkiä." in shown
    assert "No more than" not in shown


def _shown(app: Flask, message: str, lang: str) -> str:
    with app.test_request_context(headers={"Accept-Language": lang}):
        return forms.core_message(message)


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_each_guards_refusal_is_said_in_finnish_and_swedish(app: Flask, name: str) -> None:
    """A guard needs no entry in the pages: its English default is the catalogue's msgid."""
    refusal = GUARDS[name].refusal()
    assert _shown(app, refusal, "en") == refusal
    for lang in ("fi", "sv"):
        said = _shown(app, refusal, lang)
        assert said, lang
        assert said != refusal, (lang, said)


def test_the_same_sentence_without_its_code_is_not_translated(app: Flask) -> None:
    """What decides is the code: a bare English sentence is only a general refusal."""
    sentence = str(GUARDS["content_complete"].refusal())
    assert _shown(app, sentence, "fi") == _shown(app, "Something else.", "fi")
    assert _shown(app, Problem("text.too_long", "Whatever %(max)d.", max=7), "fi") == \
        "Käytä enintään 7 merkkiä."


def test_the_pages_table_is_keyed_by_codes_and_forms_parses_no_english() -> None:
    source = FORMS.read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert "re" not in imported
    assert not re.search(r"\bre\.(compile|match|fullmatch|search)",
                                                  source)
    assert ".endswith(" not in source
    assert ".startswith(\"The" not in source
    code = re.compile(r"[a-z_]+(\.[a-z_]+)+")
    keys: list[Any] = list(forms._CORE)
    assert keys
    assert all(code.fullmatch(k) for k in keys), keys


def _codes_the_core_gives() -> set[str]:
    """Every `Problem("<code>", ...)` written in the core, and the guards' codes."""
    found = {f"guard.{name}" for name in GUARDS}
    for path in Path(text.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "Problem" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(str(node.args[0].value))
    return found


def test_every_code_the_pages_word_is_one_the_core_gives() -> None:
    """A misspelt code in the pages' table would fall back to the general sentence."""
    given = _codes_the_core_gives()
    assert {"text.too_long", "statement.already_given", "guard.content_complete"} <= given
    assert set(forms._CORE) - given == set()
