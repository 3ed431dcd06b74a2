"""Checking an issue's own fields (title, category...) the same way for create and edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escalation.errors import InvalidInput
from escalation.limits import (
    CATEGORIES,
    LEGAL_REFERENCE_MAX,
    LEGAL_REFERENCES_MAX,
    RIGHTS_DIMENSIONS,
    TEXT_MAX,
    TITLE_MAX,
    URGENCIES,
    VISIBILITIES,
)
from escalation.problems import UNKNOWN_FIELD, Problem, one_of
from escalation.text import is_blank, normalise, text_problem

EDITABLE = (
    "title",
    "description",
    "category",
    "urgency",
    "rights_dimensions",
    "legal_references",
    "visibility",
)


def _choice(value: Any, allowed: tuple[str, ...], errors: list[str]) -> Any:
    if value not in allowed:
        errors.append(one_of(allowed))
    return value


def clean_issue_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the cleaned fields, or raise InvalidInput naming each bad one."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        problems: list[str] = []
        if key not in EDITABLE:
            errors[key] = [UNKNOWN_FIELD]
            continue
        if key in ("title", "description"):
            limit = TITLE_MAX if key == "title" else TEXT_MAX
            problem = text_problem(value if value is not None else "", max_length=limit,
                                   required=key == "title", single_line=key == "title")
            if problem:
                problems.append(problem)
            else:
                value = normalise(value or "")
        elif key == "category":
            if value is not None:
                _choice(value, CATEGORIES, problems)
        elif key == "urgency":
            _choice(value, URGENCIES, problems)
        elif key == "visibility":
            _choice(value, VISIBILITIES, problems)
        elif key == "rights_dimensions":
            if not isinstance(value, list | tuple):
                problems.append(Problem("field.not_a_list", "Must be a list."))
            else:
                for v in value:
                    _choice(v, RIGHTS_DIMENSIONS, problems)
                value = sorted(set(value), key=RIGHTS_DIMENSIONS.index) \
                    if not problems else value
        elif key == "legal_references":
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                problems.append(Problem("field.not_a_list_of_text", "Must be a list of text."))
            else:
                value = [normalise(v) for v in value if not is_blank(v)]
                if len(value) > LEGAL_REFERENCES_MAX:
                    problems.append(Problem("legal_references.too_many",
                                            "At most %(max)d references.",
                                            max=LEGAL_REFERENCES_MAX))
                problems += sorted({
                    p for v in value
                    if (p := text_problem(v, max_length=LEGAL_REFERENCE_MAX,
                                          single_line=True)) is not None
                })
        if problems:
            errors[key] = problems
        else:
            cleaned[key] = value
    if errors:
        raise InvalidInput(errors)
    return cleaned
