"""The languages the service speaks: one tuple, read by pages, mails, the CLI and the schema.

Adding a language is one `Language` entry here plus its catalogue (the .po file): the web
switcher, the CLI's `--locale` choices, the service's validation, the mails and their due
dates, and region names (`Region.names`, a key per language) follow from `SPOKEN`; the
`languages` table that `users.locale` points at gets the new code from `escalation
init-db` (escalation/migrate.py), no migration needed. Finnish is the default: the
language a reader without a choice gets, and the one every region has a name in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from babel import dates as babel_dates


@dataclass(frozen=True)
class Language:
    """One language: its code, its name in itself, and how it writes a date and a time.

    The patterns are the one way pages and mails write a moment in that language, so a
    date reads the same in the header, the history, a queue and a mail.
    """

    code: str  # ISO 639-1, as Babel and the Accept-Language header spell it
    name: str  # in itself: the switcher shows it so, whatever the page's language
    date_pattern: str  # a CLDR date pattern (Babel), e.g. "d.M.y" for 24.12.2026
    # A date with its time of day; the default: the date, then the time as 8:24.
    datetime_pattern: str = ""


SPOKEN: Final = (
    Language("fi", "Suomi", "d.M.y", "d.M.y 'klo' H.mm"),
    # Finland-Swedish writes dates as Finnish does (6.12.2026 kl. 8.24), not as Sweden.
    Language("sv", "Svenska", "d.M.y", "d.M.y 'kl.' H.mm"),
    Language("en", "English", "d MMM y"),
)
LANGUAGES: Final = tuple(language.code for language in SPOKEN)
DEFAULT: Final = "fi"
# Each language's name in itself, in the tuple's order.
NAMES: Final = {language.code: language.name for language in SPOKEN}
_BY_CODE: Final = {language.code: language for language in SPOKEN}


def known(code: object) -> str:
    """`code` if it is one of ours, else the default language."""
    return code if isinstance(code, str) and code in _BY_CODE else DEFAULT


def format_day(day: dt.date, code: str) -> str:
    """A date as people write it in that language: 24.12.2026 (fi, sv), 24 Dec 2026."""
    return _format_day(day, known(code))


@lru_cache(maxsize=4096)
def _format_day(day: dt.date, code: str) -> str:
    # Kept: Babel parses the pattern and looks up the locale on every call (30 µs), and a
    # list page writes twenty dates, most of them the same few days.
    return str(babel_dates.format_date(day, _BY_CODE[code].date_pattern, locale=code))


def format_moment(moment: dt.datetime, code: str) -> str:
    """A date and time, already in the reader's time zone, as that language writes it:
    "6.12.2026 klo 8.24", "6.12.2026 kl. 8.24", "6 Dec 2026, 8:24"."""
    language = _BY_CODE[known(code)]
    pattern = language.datetime_pattern or f"{language.date_pattern}, H:mm"
    return str(babel_dates.format_datetime(moment, pattern, locale=language.code))


def name_in(names: Mapping[str, str], code: str) -> str:
    """A name given per language (a region's), in `code`'s language, else in Finnish."""
    return names.get(code) or names.get(DEFAULT) or ""

