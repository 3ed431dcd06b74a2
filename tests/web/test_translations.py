"""Every message the pages and the mails show is translated into Finnish and Swedish, every
word a shipped workflow definition can produce has its Finnish, Swedish and English entry
(escalation/vocabulary.py: names are msgids, so English is a translation too), and the
compiled catalogs the package ships are those of the .po files."""

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
from escalation import runtime, vocabulary
from escalation.languages import LANGUAGES
from escalation.notify import mail

ROOT = Path(__file__).parents[2]
CATALOGS = ROOT / "escalation" / "translations"
# Every language of the one tuple but English, the source language of the texts.
CHECKED = tuple(lang for lang in LANGUAGES if lang != "en")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(lang: str) -> Catalog:
    with (CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


Key = tuple[str | None, str | tuple[str, ...]]  # (msgctxt, msgid)


def _source_messages() -> set[Key]:
    """What `pybabel extract -F babel.cfg -k _l` finds now, without writing a file."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found: set[Key] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add((context, message if isinstance(message, str) else tuple(message)))
    return found


def _id(message: object) -> str | tuple[str, ...]:
    return message if isinstance(message, str) else tuple(message)  # type: ignore[arg-type]


def _key(m: object) -> Key:
    return (m.context, _id(m.id))  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", CHECKED)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str) -> None:
    catalog = _catalog(lang)
    by_id = {_key(m): m for m in catalog if m.id}
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
    """`pybabel compile -d escalation/translations` was run after the last .po change."""
    mo = CATALOGS / lang / "LC_MESSAGES" / "messages.mo"
    with mo.open("rb") as fh:
        compiled = GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for m in _catalog(lang):
        if not m.id or m.fuzzy:
            continue
        prefix = f"{m.context}\x04" if m.context else ""
        if isinstance(m.id, str):
            if m.string:
                expected[prefix + m.id] = m.string
        else:  # babel compiles an empty plural form to the English one
            for n, text in enumerate(m.string):
                expected[(prefix + m.id[0], n)] = text or m.id[min(n, 1)]
    got = {k: v for k, v in compiled.items() if k != ""}
    assert got == expected


def test_the_extraction_finds_every_word_of_the_shipped_workflows() -> None:
    """`pybabel extract` puts each (kind, name) of the definitions into the template, so
    `pybabel update` gives every language an entry to translate."""
    wanted = _source_messages()
    # Every released version is shipped and read: v1 (issues started under it) and v2.
    assert {("escalation", 1), ("escalation", 2)} <= set(runtime.registry().workflows)
    for wf in runtime.registry().workflows.values():
        missing = [w for w in vocabulary.workflow_words(wf) if w not in wanted]
        assert not missing, (wf.name, wf.version, missing[:5])
    assert all(w in wanted for w in vocabulary.core_words())


def test_every_name_has_its_english_words() -> None:
    """A name is the msgid, so English is translated like the others; the mails' sentences
    ("mail") and the pages' are English msgids and need none."""
    for m in _catalog("en"):
        if m.id and m.context and m.context != vocabulary.MAIL:
            assert m.string, f"no English for {m.context} {m.id!r}"


def _words_of_shipped_workflows() -> list[tuple[str, str]]:
    words = dict.fromkeys(vocabulary.core_words())
    for wf in runtime.registry().workflows.values():
        words.update(dict.fromkeys(vocabulary.workflow_words(wf)))
    return list(words)


@pytest.mark.parametrize("lang", [*CHECKED, "en"])
def test_every_word_a_shipped_workflow_can_produce_is_translated(lang: str) -> None:
    """For pages and mails alike: each state, action, event, body, field, choice and role
    (and a state's words in a mail, what a mail says happened, what it asks of the body a
    state awaits) has its entry in the compiled catalogue the service reads."""
    entries = vocabulary._entries(vocabulary.translations(lang, (vocabulary.CATALOGUE,)))
    missing = [f"{c} {n}" for c, n in _words_of_shipped_workflows()
               if not entries.get(f"{c}\x04{n}")]
    assert not missing, f"not in {lang}: {missing[:8]}"


def test_no_choice_field_takes_the_context_of_a_kind_of_name() -> None:
    """A choice's context is its field's name: a field named "state" would mix the two."""
    for wf in runtime.registry().workflows.values():
        for t in wf.transitions:
            assert not {f.name for f in t.data if f.type == "choice"} & set(vocabulary.KINDS)


def test_the_pages_label_every_name_of_the_shipped_workflows(app: object) -> None:
    with app.test_request_context(headers={"Accept-Language": "sv"}):  # type: ignore[attr-defined]
        for wf in runtime.registry().workflows.values():
            assert set(wf.states) <= set(labels.STATES), wf.name
            assert set(wf.actions) <= set(labels.ACTIONS) & set(labels.EVENTS), wf.name
            for t in wf.transitions:
                for f in t.data:
                    assert f.name in labels.FIELDS, (t.action, f.name)
                    assert set(f.choices) <= set(labels.CHOICES[f.name]), f.name
                for s in (*t.sources, t.target):
                    awaiting = wf.states[s].awaiting
                    assert awaiting is None or awaiting in labels.BODIES
            for name in wf.states:
                assert labels.Labels.state(name) == vocabulary.word("sv", "state", name)


@pytest.mark.parametrize("lang", CHECKED)
def test_a_mail_words_every_action_and_state_from_the_catalogue(lang: str) -> None:
    """No mail of a shipped action shows a bare name: the subject, the state and the task
    come from the catalogue."""
    for wf in runtime.registry().workflows.values():
        for t in wf.transitions:
            notice = mail.Notice(kind="transition", reference="ESC-2026-0001", title="T",
                                 region={"fi": "Pohjanmaa", "sv": "Österbotten"},
                                 state=t.target, restricted=True,
                                 acting=wf.states[t.target].awaiting is not None,
                                 action=t.action)
            msg = mail.compose(notice, mail.Recipient("M", "m@example.fi", lang),
                               sender="x@example.fi", message_id="<1@example.fi>",
                               base_url="https://e.example", now=mail.dt.datetime.now(
                                   mail.dt.UTC))
            text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            assert vocabulary.word(lang, vocabulary.MAIL_EVENT, t.action) in str(
                msg["Subject"])
            assert t.action not in text, text
            assert t.target not in text, text
            if wf.states[t.target].awaiting:
                assert vocabulary.word(lang, vocabulary.MAIL_NEXT_STEP, t.target) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_is_in_a_catalog_twice(lang: str) -> None:
    """A message appended twice (as translators append at the end) is silently one
    message to Babel, the later translation winning: count the entries as written."""
    text = (CATALOGS / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    written = len(re.findall(r"^msgid ", text, flags=re.MULTILINE)) - 1  # less the header
    assert len(_catalog(lang)) == written
