"""Why an input is refused, as a stable code with parameters and an English default.

Every refusal the core gives per field (a text too long, a guard that holds an action
back, an address already taken) is a `Problem`: a dotted `code` that never changes
(`text.too_long`), its `params` (`{"max": 200}`), and the English sentence made from a
`template` with named placeholders ("At most %(max)d characters."). Whoever shows it to
a person translates by the code and the params, never by reading the sentence back: the
API adds the codes beside its messages, and the pages choose their own wording per code.

A Problem *is* its English sentence (a `str`), so everything that stored, compared or
sent the sentences before (`InvalidInput.errors`, the problem documents' `errors`, the
CLI, the tests) keeps doing so unchanged, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The code of a refusal that has no code of its own yet (a plain sentence).
GENERIC = "input.invalid"


def N_(template: str) -> str:
    """Mark an English default for the translators' catalogue (`pybabel extract` finds
    `N_`); the text is translated where it is shown, by the pages."""
    return template


class Problem(str):
    """A refusal: its English default text, with `code`, `params` and `template` beside."""

    code: str
    params: Mapping[str, Any]
    template: str

    def __new__(cls, code: str, template: str, /, **params: Any) -> Problem:
        # A list parameter (the choices) is data for a client, a comma list in the text.
        shown = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v
                 for k, v in params.items()}
        self = super().__new__(cls, template % shown if params else template)
        self.code, self.template = code, template
        self.params = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, Any]]:
        return (self.code, self.template), dict(self.params)

    def as_json(self) -> dict[str, Any]:
        """What a client reads beside the message: `{"code": ..., "params": {...}}`."""
        return {"code": self.code, "params": dict(self.params)}


UNKNOWN_FIELD = Problem("field.unknown", "Unknown field.")


def one_of(choices: Iterable[str]) -> Problem:
    """A value outside its list: the list is a parameter (`choices`)."""
    return Problem("choice.invalid", "Must be one of: %(choices)s.", choices=list(choices))


def unknown_region(code: str) -> Problem:
    return Problem("region.unknown", "Unknown region %(code)r.", code=code)


def coded(message: str) -> Problem:
    """`message` as a Problem: itself if it is one, else a plain sentence under GENERIC."""
    return message if isinstance(message, Problem) else Problem(GENERIC, str(message))
