"""Free text, checked once for the whole core: its type, its length, and its characters.

Titles, descriptions, statements, comments, names and an action's data all pass through
here, so a rule about text (no NUL, which PostgreSQL refuses; no line break in a title,
which would end up in a mail header; the same length rule) holds everywhere at once
instead of in five near-copies.

Two kinds of text:
- *multi-line* (a description, a statement, a comment, an action's message) keeps line
  feeds, returns and tabs, as people paste them from documents;
- *single-line* (a title, a name, a legal reference, an e-mail address, a code) has no
  line break of any kind and no tab: such a value is shown on one line, goes into mail
  subjects and display names, CSV cells and the audit log's summaries, and a tab or a
  break there is never meant (a browser's one-line input cannot even type a tab; it only
  arrives pasted from a spreadsheet or sent by a script).

Neither kind may hold other control characters (C0, DEL, C1 including NEL) or a lone
UTF-16 surrogate ("\\udc00" in JSON): a surrogate is not a character, cannot be encoded
as UTF-8, and would fail at the database or when the audit event is hashed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from escalation.problems import Problem

# Control characters other than tab, line feed and carriage return (C0, DEL and C1,
# which holds NEL, U+0085), and lone surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# What makes a second line, or a column, in a one-line value: tab, line feed, return and
# the Unicode line and paragraph separators (NEL, FF and VT are controls already).
_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

REQUIRED = Problem("text.required", "This field is required.")
CONTROL = Problem("text.control_characters",
                  "Contains control characters; remove them and try again.")
ONE_LINE = Problem("text.one_line", "Must be a single line, without line breaks or tabs.")
SURROGATE = Problem("text.surrogate",
                    "Contains a lone surrogate code point, which is not a character; remove it.")
NOT_TEXT = Problem("text.not_text", "Must be text.")
TOO_LONG = "At most %(max)d characters."  # text.too_long {max}


def normalise(value: str) -> str:
    """Trim, and compose (NFC) so that 'ä' typed two ways is stored, and found, one way."""
    return unicodedata.normalize("NFC", value.strip())


def has_control(value: str) -> bool:
    """Whether `value` holds a control character other than tab, line feed and return
    (or a lone surrogate, which is never text either)."""
    return _CONTROL.search(value) is not None


def has_surrogate(value: str) -> bool:
    """Whether `value` holds a lone surrogate (JSON's "\\udc00" decodes to one)."""
    return _SURROGATE.search(value) is not None


def without_surrogates(value: str) -> str:
    """`value` with each lone surrogate replaced by U+FFFD, to be shown back or logged."""
    return _SURROGATE.sub("\ufffd", value)


def char_problem(value: str, *, single_line: bool = False) -> Problem | None:
    """Why the characters of `value` are not acceptable (a coded sentence); None if they are."""
    if has_surrogate(value):
        return SURROGATE
    if has_control(value):
        return CONTROL
    if single_line and _BREAK.search(value.strip()):
        return ONE_LINE
    return None


def text_problem(value: object, *, max_length: int, required: bool = True,
                 single_line: bool = False) -> Problem | None:
    """Why `value` is not acceptable text (a coded sentence); None when it is.

    `single_line`: a title, a name, a reference; no line break or tab inside (leading
    and trailing ones are trimmed away by `normalise` like any other space).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return REQUIRED if required else None
    if not isinstance(value, str):
        return NOT_TEXT
    if problem := char_problem(value, single_line=single_line):
        return problem
    if len(normalise(value)) > max_length:
        return Problem("text.too_long", TOO_LONG, max=max_length)
    return None


def surrogates_in(value: object, path: str = "") -> Iterator[str]:
    """The dotted paths ("title", "data.message", "legal_references.0") of the strings in
    parsed JSON that hold a lone surrogate; a key holding one is named as JSON escapes it."""
    if isinstance(value, str):
        if has_surrogate(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            if has_surrogate(name):
                name = name.encode("utf-8", "backslashreplace").decode("ascii", "replace")
                yield f"{path}.{name}" if path else name
                continue
            yield from surrogates_in(item, f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from surrogates_in(item, f"{path}.{index}" if path else str(index))


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
