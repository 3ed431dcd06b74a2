"""The shape of a decision's weighing of the statements (workflow v3's `decide`, issue 16).

`data.weighing` is a list with one entry per statement the working group had before it:
`{"statement": <id>, "taken_into_account": "fully" | "partly" | "not", "reason": "..."}`,
the reason required for `partly` and `not` (the consultation guide requires reasons for
proposals not adopted). This module checks only the shape, purely, as the engine checks
every other field; which statements must be weighed is the service's to say
(escalation/services/deliberation.py), since only the database knows them.

Refusals name the entry by its statement: `weighing.<statement id>.reason`, so a page
shows each beside its own statement, and a client knows which one to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escalation.limits import ROW_ID_MAX, TAKEN_INTO_ACCOUNT, WEIGHING_REASON_MAX
from escalation.problems import UNKNOWN_FIELD, Problem, one_of
from escalation.text import REQUIRED, is_blank, normalise, text_problem

KEYS = ("statement", "taken_into_account", "reason")
# The largest id a statement can have (its column is a 32-bit integer): a larger number
# names none, and the databases refuse to compare a column with it.
ID_MAX = ROW_ID_MAX
# Weighed so, a statement needs a reason (fully taken into account needs none).
REASON_NEEDED = frozenset({"partly", "not"})

NOT_A_LIST = Problem("weighing.not_a_list", "Give a list of weighings, one per statement: "
                     "{\"statement\": id, \"taken_into_account\": \"fully\", \"partly\" or "
                     "\"not\", \"reason\": text}.")


def _no_statement(index: int) -> Problem:
    return Problem("weighing.no_statement", "Weighing %(index)s names no statement (give "
                   "the statement's id as a number).", index=index + 1)


def clean(name: str, value: Any, errors: dict[str, list[str]],
          cleaned: dict[str, Any]) -> None:
    """Check `value` (the field `name`'s input) and put its clean form in `cleaned`, or
    its faults in `errors`: every fault at once, each under the entry's own name."""
    if value is None:
        cleaned[name] = []
        return
    if not isinstance(value, list):
        errors[name] = [NOT_A_LIST]
        return
    entries: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, entry in enumerate(value):
        statement = entry.get("statement") if isinstance(entry, Mapping) else None
        # A bool is an int to Python, never a statement's id.
        if (not isinstance(statement, int) or isinstance(statement, bool)
                or not 1 <= statement <= ID_MAX):
            errors.setdefault(name, []).append(_no_statement(index))
            continue
        where = f"{name}.{statement}"
        if statement in seen:
            errors[f"{where}.statement"] = [Problem(
                "weighing.twice", "Statement %(statement)s is weighed twice.",
                statement=statement)]
            continue
        seen.add(statement)
        for key in entry:
            if key not in KEYS:
                errors[f"{where}.{key}"] = [UNKNOWN_FIELD]
        taken = entry.get("taken_into_account")
        if is_blank(taken):
            errors[f"{where}.taken_into_account"] = [REQUIRED]
        elif taken not in TAKEN_INTO_ACCOUNT:
            errors[f"{where}.taken_into_account"] = [one_of(TAKEN_INTO_ACCOUNT)]
        reason = entry.get("reason")
        problem = text_problem(reason, max_length=WEIGHING_REASON_MAX,
                               required=taken in REASON_NEEDED)
        if problem:
            errors[f"{where}.reason"] = [problem]
        entries.append({"statement": statement, "taken_into_account": taken,
                        "reason": None if is_blank(reason) else normalise(str(reason))})
    if not errors:
        cleaned[name] = entries
