"""The `obligations` data field type (workflow v3's `decide`): a list of what is to be
done, by whom and by when.

A structured type beside text, date and choice, cleaned here so the engine stays one
branch longer: `clean_obligations` takes what the client sent (a JSON list of objects)
and gives back the list as stored, or the problems per item and key
(`obligations.1.due`), all at once, as the engine gives them for the other fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from escalation.limits import OBLIGATION_WHAT_MAX, OBLIGATIONS_MAX, RESPONSIBLE_MAX
from escalation.problems import UNKNOWN_FIELD, Problem
from escalation.text import is_blank, normalise, text_problem

KEYS = ("what", "responsible", "due")
NOT_A_LIST = Problem("obligations.not_a_list",
                     "Must be a list of obligations, each with what, responsible and due.")
NOT_AN_OBJECT = Problem("obligations.not_an_object",
                        "Must be an object with what, responsible and due.")


def too_many(limit: int) -> Problem:
    return Problem("obligations.too_many", "At most %(max)d obligations.", max=limit)


def clean_obligations(
    name: str, value: Any, *, first: dt.date, last: dt.date,
) -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    """The obligations as stored (`what`, `responsible`, `due` as an ISO date), and the
    problems keyed `<name>.<index>.<key>` (index from 0, as the list was sent)."""
    if value is None or (isinstance(value, str) and is_blank(value)):
        return [], {}
    if not isinstance(value, list | tuple):
        return [], {name: [NOT_A_LIST]}
    if len(value) > OBLIGATIONS_MAX:
        return [], {name: [too_many(OBLIGATIONS_MAX)]}
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, str]] = []
    for i, item in enumerate(value):
        where = f"{name}.{i}"
        if not isinstance(item, Mapping):
            errors[where] = [NOT_AN_OBJECT]
            continue
        for key in item:
            if key not in KEYS:
                errors[f"{where}.{key}"] = [UNKNOWN_FIELD]
        one: dict[str, str] = {}
        for key, limit, single in (("what", OBLIGATION_WHAT_MAX, False),
                                   ("responsible", RESPONSIBLE_MAX, True),
                                   ("due", 10, True)):
            raw = item.get(key)
            problem = text_problem(raw, max_length=limit, single_line=single)
            if problem:
                errors[f"{where}.{key}"] = [problem]
                continue
            one[key] = normalise(str(raw))
        if "due" in one:
            try:
                day = dt.date.fromisoformat(one["due"])
            except ValueError:
                errors[f"{where}.due"] = [Problem("date.invalid", "Must be a date (YYYY-MM-DD).")]
            else:
                if not first <= day <= last:
                    errors[f"{where}.due"] = [Problem(
                        "date.out_of_range", "Must be between %(first)s and %(last)s.",
                        first=first.isoformat(), last=last.isoformat())]
                one["due"] = day.isoformat()
        if len(one) == len(KEYS):
            cleaned.append(one)
    return cleaned, errors


__all__ = ["KEYS", "clean_obligations"]
