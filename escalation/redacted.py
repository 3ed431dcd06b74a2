"""What a redacted text leaves behind, in the audit log and in the domain tables.

In an audit event's data a redacted string becomes the object {"redacted": "<digest>"}:
no text a person can type is a JSON object, so a reader can never take a value somebody
wrote for a redaction. The digest is an HMAC-SHA-256 of the text under a key derived
from the audit key for this use only, never a plain hash: the text is typically a
child's name, and anyone who may read the trail (or the database) could otherwise
confirm a guess by hashing candidate names. The key lives outside the database, so only
the service can still show which text it was.

In the domain tables (an issue's description, a statement's text, ...) the text becomes
`REDACTED_TEXT`, which the pages and mails show in the reader's language.

Pure functions and constants, so the core, the faces and the mails share one definition.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from escalation.audit_key import derive

REDACTED_TEXT = "[redacted]"
MARKER_KEY = "redacted"
# The label the digests' key is derived from the audit key with: a key for this use
# only, so a digest can never pass for a checkpoint's signature or the other way round.
DIGEST_LABEL = "escalation redaction digest"


def digest(audit_key: bytes, text: str) -> str:
    """HMAC-SHA-256 of the text's UTF-8 bytes under the key derived for redactions, hex.

    The caller passes the audit key: this module reads no settings.
    """
    key = derive(audit_key, DIGEST_LABEL)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def marker(audit_key: bytes, text: str) -> dict[str, str]:
    """What stands in an audit event's data where `text` was."""
    return {MARKER_KEY: digest(audit_key, text)}


def is_marker(value: Any) -> bool:
    """Whether an audit data value is a redaction marker."""
    return (isinstance(value, dict) and len(value) == 1
            and isinstance(value.get(MARKER_KEY), str))


def is_redacted_text(value: Any) -> bool:
    """Whether a domain column's value (or a list element) is the redacted stand-in."""
    return isinstance(value, str) and value == REDACTED_TEXT
