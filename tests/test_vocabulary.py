"""The core's vocabulary without Flask: words by kind and name, the fallback to the name,
a definition folder's own words merged over the packaged ones, and the extraction."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from escalation import vocabulary
from escalation.config import DEFAULT_WORKFLOWS


def test_the_vocabulary_loads_its_catalogue_without_flask() -> None:
    code = ("import sys; from escalation import vocabulary as v; "
            "print(v.word('sv', 'state', 'decided')); "
            "assert not any(m.split('.')[0] in ('flask', 'flask_babel') for m in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == vocabulary.word("sv", "state", "decided") != "decided"


def test_a_name_has_words_per_kind_and_language() -> None:
    assert vocabulary.word("fi", vocabulary.STATE, "submitted") == "Taustatuen käsittelyssä"
    assert vocabulary.word("fi", vocabulary.MAIL_STATE, "submitted") == (
        "taustatuen käsittelyssä")
    assert vocabulary.word("en", vocabulary.STATE, "submitted") == "With the backbone team"
    assert vocabulary.word("sv", "no such kind", "submitted") == "submitted"
    assert vocabulary.word("fi", vocabulary.STATE, "in_limbo") == "in_limbo"
    assert vocabulary.known(vocabulary.ROLE, "observer")
    assert not vocabulary.known(vocabulary.ROLE, "in_limbo")
    assert set(vocabulary.names(vocabulary.BODY)) == {"region", "backbone", "stakeholders",
                                                      "working_group"}


def test_a_definition_folder_brings_its_own_words(tmp_path: Path) -> None:
    assert vocabulary.directories(tmp_path) == (vocabulary.CATALOGUE,)
    target = tmp_path / vocabulary.WORKFLOW_CATALOGUE / "fi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    catalog = Catalog(locale="fi")
    catalog.add("in_limbo", "Välitilassa", context=vocabulary.STATE)
    catalog.add("submitted", "Lähetetty", context=vocabulary.STATE)  # the folder's wins
    with (target / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    dirs = vocabulary.directories(tmp_path)
    assert dirs == (vocabulary.CATALOGUE, tmp_path / vocabulary.WORKFLOW_CATALOGUE)
    fi = vocabulary.translations("fi", dirs)
    assert vocabulary.entry(fi, vocabulary.STATE, "in_limbo") == "Välitilassa"
    assert vocabulary.entry(fi, vocabulary.STATE, "submitted") == "Lähetetty"
    assert vocabulary.entry(fi, vocabulary.STATE, "decided") == "Päätetty"  # packaged
    # a language the folder has no words in still has the packaged ones
    sv = vocabulary.translations("sv", dirs)
    assert vocabulary.entry(sv, vocabulary.STATE, "in_limbo") is None
    assert vocabulary.entry(sv, vocabulary.STATE, "decided") == vocabulary.word(
        "sv", vocabulary.STATE, "decided")


def test_the_extraction_gives_a_definitions_words_as_pgettext_calls() -> None:
    toml = (DEFAULT_WORKFLOWS / "escalation-v1.toml").read_bytes()
    found = list(vocabulary.extract_workflow(io.BytesIO(toml), {}, [], {}))
    assert (1, "pgettext", ("state", "awaiting_statement"), []) in found
    assert (1, "pgettext", ("mail event", "decide"), []) in found
    assert (1, "pgettext", ("outcome", "no_action"), []) in found
    assert len(found) == len({message for _, _, message, _ in found})  # each once
