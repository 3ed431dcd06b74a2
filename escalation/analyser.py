"""Words to the forms search matches on: Finnish base forms and Swedish stems.

Finnish inflects and alternates consonants ("etu", "edun"; "lapsi", "lasten"), so a
substring search misses most of what a reader means. Each word of a text becomes a small
set of *terms*; a query word matches a text when the two sets meet:

- Finnish, with Voikko (Debian's libvoikko1 and voikko-fi, through the `libvoikko`
  binding) when the library and its Finnish dictionary load: every base form Voikko
  offers (an ambiguous word keeps them all), and for a document also the parts of a
  compound ("lapsenetu" -> lapsenetu, lapsi, etu), so "etu" finds the compound; a query
  keeps the whole word only, or "lapsenetu" would find every text with "lapsi".
  Without Voikko, the Finnish Snowball stemmer (PyStemmer), which misses consonant
  gradation ("edun" -> "edu" but "etu" -> "etu").
- Swedish (with Voikko: every word Voikko does not know) with the Snowball stemmer,
  plus the stem of the word without a definite or genitive ending Snowball leaves on
  ("barnets" -> "barnet", but "barnens" -> "barn"): both sides get the same extra
  stems, so "barnets" meets "barnens".
- Every word also as itself, lower-cased, so numbers, references and words no analyser
  knows still match exactly.

An issue has no language of its own (a region writes in Finnish or Swedish, sometimes
both), so every text and every query is analysed as both Finnish and Swedish and the
terms joined: recall over precision, and a query must still match each of its words.
Documents and queries go through the same `terms_of_word`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

log = logging.getLogger(__name__)

# A word: letters and digits of any script; everything else separates words (a
# reference "ESC-2026-0004" is the words esc, 2026, 0004).
WORD = re.compile(r"\w+", re.UNICODE)
# A longer "word" is no word anyone searches for (a pasted hash, a URL's tail): cut there.
WORD_MAX = 60
# Swedish endings Snowball keeps ("barnet", "skolan", "samtycket") after which the rest
# is a stem too; longest first.
_SV_ENDINGS = ("ets", "ens", "ans", "et", "en", "an", "s")
_SV_STEM_MIN = 3

# Words too common to tell one question from another: `similar` leaves them out of a
# draft's words (a search keeps every word the reader typed).
_STOPWORDS = """
ja on ei se ne että tai kun jos mutta myös kuin niin sekä eli vai voi olla ole oli ovat
ollut tämä tämän tätä nämä tuo siitä sen sitä hän he me te minä sinä mitä mikä miten
miksi kuka missä onko ovatko jo vain vielä sitten nyt kanssa mukaan osalta koskien
och i att det som en på är av för med till den har de inte om ett var jag men så
eller vid kan från ska också hur vad när där detta denna dessa eller utan efter
the a an of to in and or is are for on with by as be this that it from at not
"""
STOPWORDS = frozenset(_STOPWORDS.split())


class Analyser(Protocol):
    """Which analyser is in use, and the terms of one word, for a document or a query.
    (Hashable by identity: `word_terms` caches per analyser.)"""

    name: str

    def __hash__(self) -> int: ...

    def terms(self, word: str, *, document: bool) -> frozenset[str]: ...


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, as search sees them."""
    return [w.lower()[:WORD_MAX] for w in WORD.findall(text)]


@dataclass
class _Snowball:
    """PyStemmer's Snowball stemmers, or none at all when PyStemmer is missing."""

    stemmers: dict[str, Callable[[str], str]]

    def stem(self, language: str, word: str) -> str | None:
        stemmer = self.stemmers.get(language)
        return stemmer(word) if stemmer else None

    def swedish(self, word: str) -> set[str]:
        found = {s} if (s := self.stem("sv", word)) else set()
        for ending in _SV_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= _SV_STEM_MIN:
                rest = word[: -len(ending)]
                found.add(self.stem("sv", rest) or rest)
                break
        return found


def _load_snowball() -> _Snowball:
    try:
        import Stemmer  # PyStemmer
    except ImportError:  # pragma: no cover - a dependency; the words alone still match
        log.warning("PyStemmer is missing: search matches words as written")
        return _Snowball({})
    return _Snowball({code: Stemmer.Stemmer(name).stemWord
                      for code, name in (("fi", "finnish"), ("sv", "swedish"))})


class SnowballAnalyser:
    """Finnish and Swedish by Snowball: the fallback, and Swedish in every case."""

    name = "snowball"

    def __init__(self, snowball: _Snowball | None = None) -> None:
        self.snowball = snowball or _load_snowball()

    def terms(self, word: str, *, document: bool) -> frozenset[str]:
        found = {word, *self.snowball.swedish(word)}
        if (fi := self.snowball.stem("fi", word)) is not None:
            found.add(fi)
        return frozenset(found)


# A part of a compound in Voikko's WORDBASES: "+lapsen(lapsi)" -> lapsi; a part without
# a base in brackets is a bound stem ("+sosiaali"); "(+ja)" is a derivational suffix.
_WORDBASE = re.compile(r"\+([^+(]+)(?:\(([^)]*)\))?")


def compound_parts(wordbases: str,
                   base_forms: Callable[[str], list[str]] | None = None) -> list[str]:
    """The base forms of a compound's parts, from Voikko's WORDBASES; [] when the word
    has one part. A derivational suffix belongs to the part before it ("huoltaja" is
    huoltaa + ja: one part); such a derived part ("+terve(terve)+yden(+ys)" of
    "terveydenhuolto") is analysed again as the word it is ("terveyden" -> terveys) with
    `base_forms`, else kept as written."""
    parts: list[tuple[str, str | None]] = []  # (surface, base; None: derived)
    for surface, base in _WORDBASE.findall(wordbases):
        if base.startswith("+") and parts:
            parts[-1] = (parts[-1][0] + surface, None)
        else:
            parts.append((surface, base or surface))
    if len(parts) < 2:
        return []
    found: list[str] = []
    for surface, base in parts:
        if base is not None:
            found.append(base.lower())
        else:
            found.extend((base_forms(surface.lower()) if base_forms else []) or [surface.lower()])
    return found


class VoikkoAnalyser:
    """Finnish base forms from Voikko, Swedish stems from Snowball."""

    name = "voikko"

    def __init__(self, voikko: Any, snowball: _Snowball | None = None) -> None:
        self.voikko = voikko
        self.snowball = snowball or _load_snowball()

    def terms(self, word: str, *, document: bool) -> frozenset[str]:
        analyses = self.voikko.analyze(word) if not word.isdigit() else []
        if not analyses:
            # A word Voikko does not know (Swedish, a name, a typo): Snowball's stems.
            found = {word, *self.snowball.swedish(word)}
            if (fi := self.snowball.stem("fi", word)) is not None:
                found.add(fi)
            return frozenset(found)
        # A Finnish word: its base forms alone (Swedish stems of it would only match
        # unrelated words, and make every text's index larger to rank).
        found = {word}
        for analysis in analyses:
            if base := analysis.get("BASEFORM"):
                found.add(base.lower())
            if document:
                found.update(compound_parts(analysis.get("WORDBASES", ""), self._bases))
        return frozenset(found)


    def _bases(self, word: str) -> list[str]:
        return [b.lower() for a in self.voikko.analyze(word) if (b := a.get("BASEFORM"))]


def load_voikko() -> Any | None:
    """Voikko's Finnish, or None when the binding, the library or the dictionary is missing."""
    try:
        import libvoikko
    except ImportError:
        return None
    try:
        return libvoikko.Voikko("fi")
    except (OSError, libvoikko.VoikkoException) as e:
        log.info("Voikko did not load (%s): Finnish falls back to Snowball", e)
        return None


@lru_cache(maxsize=1)
def current() -> Analyser:
    """The analyser of this process: Voikko's when it loads, else Snowball's."""
    voikko = load_voikko()
    return VoikkoAnalyser(voikko) if voikko is not None else SnowballAnalyser()


def describe(analyser: Analyser | None = None) -> str:
    """One line for `escalation check` and the startup log: which analyser works."""
    a = analyser or current()
    if a.name == "voikko":
        return "search: Finnish base forms by Voikko, Swedish by Snowball"
    return ("search: Finnish and Swedish by Snowball (install libvoikko1 and voikko-fi "
            "for Finnish base forms)")


@lru_cache(maxsize=65536)
def _cached(analyser: Analyser, word: str, document: bool) -> frozenset[str]:
    return analyser.terms(word, document=document)


def word_terms(word: str, *, document: bool, analyser: Analyser | None = None) -> frozenset[str]:
    """The terms of one lower-cased word (cached: texts repeat their words)."""
    return _cached(analyser or current(), word, document)


def document_terms(texts: Iterable[str], analyser: Analyser | None = None) -> list[str]:
    """Every term of `texts`, in order of first appearance, each once."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            for term in sorted(word_terms(word, document=True, analyser=analyser)):
                seen.setdefault(term, None)
    return list(seen)


def query_groups(query: str, analyser: Analyser | None = None) -> list[frozenset[str]]:
    """A query's words, each as the set of terms any of which matches it; each distinct
    word once, in the order typed."""
    groups: dict[str, frozenset[str]] = {}
    for word in words(query):
        if word not in groups:
            groups[word] = word_terms(word, document=False, analyser=analyser)
    return list(groups.values())


__all__ = [
    "STOPWORDS", "Analyser", "SnowballAnalyser", "VoikkoAnalyser", "compound_parts",
    "current", "describe", "document_terms", "load_voikko", "query_groups", "word_terms",
    "words",
]
