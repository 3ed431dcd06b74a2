"""Free text, checked once for the whole core: its type, its length, and its characters.

Titles, descriptions, statements, comments and an action's data all pass through here,
so a rule about text (no NUL, which PostgreSQL refuses; the same length rule) holds
everywhere at once instead of in five near-copies.
"""

from __future__ import annotations

import re
import unicodedata

# Control characters other than tab, line feed and carriage return: PostgreSQL refuses
# NUL in text, and none of the others belongs in anything a person writes here.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

REQUIRED = "This field is required."


def normalise(value: str) -> str:
    """Trim, and compose (NFC) so that 'ä' typed two ways is stored, and found, one way."""
    return unicodedata.normalize("NFC", value.strip())


def has_control(value: str) -> bool:
    """Whether `value` holds a control character other than tab, line feed and return."""
    return _CONTROL.search(value) is not None


def text_problem(value: object, *, max_length: int, required: bool = True) -> str | None:
    """Why `value` is not acceptable text, in one sentence; None when it is."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return REQUIRED if required else None
    if not isinstance(value, str):
        return "Must be text."
    if has_control(value):
        return "Contains control characters; remove them and try again."
    if len(normalise(value)) > max_length:
        return f"At most {max_length} characters."
    return None


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
