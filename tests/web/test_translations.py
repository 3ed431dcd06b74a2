"""Every message the pages show is translated into Finnish and Swedish, and the compiled
catalogs the package ships are those of the .po files."""

from __future__ import annotations

import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api.web import labels
from escalation import runtime

ROOT = Path(__file__).parents[2]
CATALOGS = ROOT / "api" / "translations"
CHECKED = ("fi", "sv")  # English is the source language
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(lang: str) -> Catalog:
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _source_messages() -> set[str | tuple[str, ...]]:
    """What `pybabel extract -F babel.cfg -k _l` finds now, without writing a file."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _id(message: object) -> str | tuple[str, ...]:
    return message if isinstance(message, str) else tuple(message)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", CHECKED)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str) -> None:
    catalog = _catalog(lang)
    by_id = {_id(m.id): m for m in catalog if m.id}
    wanted = _source_messages()
    missing = sorted(str(k) for k in wanted if k not in by_id)
    assert not missing, f"run pybabel extract/update: not in {lang}: {missing[:5]}"
    untranslated = sorted(str(k) for k in wanted
                          if not (by_id[k].string if isinstance(by_id[k].string, str)
                                  else all(by_id[k].string)))
    assert not untranslated, f"untranslated in {lang}: {untranslated[:5]}"
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy[:5]}"


@pytest.mark.parametrize("lang", CHECKED)
def test_translations_keep_every_placeholder(lang: str) -> None:
    for m in _catalog(lang):
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (lang, m.id, text)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_compiled_catalogs_match_the_po_files(lang: str) -> None:
    """`pybabel compile -d api/translations` was run after the last .po change."""
    mo = CATALOGS / lang / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as fh:
        compiled = GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for m in _catalog(lang):
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, str):
            if m.string:
                expected[m.id] = m.string
        else:  # babel compiles an empty plural form to the English one
            for n, text in enumerate(m.string):
                expected[(m.id[0], n)] = text or m.id[min(n, 1)]
    got = {k: v for k, v in compiled.items() if k != ""}
    assert got == expected


def test_every_name_in_the_shipped_workflows_has_a_label() -> None:
    for wf in runtime.registry().workflows.values():
        assert set(wf.states) <= set(labels.STATES), wf.name
        assert set(wf.actions) <= set(labels.ACTIONS) & set(labels.EVENTS), wf.name
        for t in wf.transitions:
            for f in t.data:
                assert f.name in labels.FIELDS, (t.action, f.name)
                if f.type == "choice":
                    assert set(f.choices) <= set(labels.CHOICES[f.name]), f.name
            for s in (*t.sources, t.target):
                awaiting = wf.states[s].awaiting
                assert awaiting is None or awaiting in labels.BODIES
