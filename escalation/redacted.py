"""What a redacted text leaves behind, in the audit log and in the domain tables.

In an audit event's data a redacted string becomes the object {"redacted": "<sha256 hex
of the text>"}: no text a person can type is a JSON object, so a reader can never take
a value somebody wrote for a redaction, and the digest still proves which text it was.
In the domain tables (an issue's description, a statement's text, ...) the text becomes
`REDACTED_TEXT`, which the pages and mails show in the reader's language.

Pure functions and constants, so the core, the faces and the mails share one definition.
"""

from __future__ import annotations

import hashlib
from typing import Any

REDACTED_TEXT = "[redacted]"
MARKER_KEY = "redacted"


def digest(text: str) -> str:
    """SHA-256 of the text's UTF-8 bytes, as PostgreSQL's sha256(convert_to(t, 'UTF8'))."""
    return hashlib.sha256(text.encode()).hexdigest()


def marker(text: str) -> dict[str, str]:
    """What stands in an audit event's data where `text` was."""
    return {MARKER_KEY: digest(text)}


def is_marker(value: Any) -> bool:
    """Whether an audit data value is a redaction marker."""
    return (isinstance(value, dict) and len(value) == 1
            and isinstance(value.get(MARKER_KEY), str))


def is_redacted_text(value: Any) -> bool:
    """Whether a domain column's value (or a list element) is the redacted stand-in."""
    return isinstance(value, str) and value == REDACTED_TEXT
