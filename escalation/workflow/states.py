"""The few states the code and the schema know by name; every other state is the definition's.

A workflow definition names its states, and the engine, the queues, the deadlines and
the reports take them from it: a new ordinary state (one more step between submitted and
forwarded, say) needs the TOML and its words, no code and no schema change. A handful of
states mean more than their place in the definition, and only these names are fixed:

- `DRAFT`: seen by nobody but the region's leads (policy.py), its title may still be
  empty and it has no submission date (the issues table's CHECKs), and the report
  rollup keeps drafts in cells of their own (services/rollup.py).
- `DECIDED`: the working group's decision exists (a CHECK: `decision_id` is set).
- `CLOSED` and `WITHDRAWN`: the question is no longer under way and has a closing date;
  a withdrawn issue may never have been submitted (CHECKs).
- `MERGED` (workflow v4, issue 18): a duplicate merged into a case; it ends there, as
  a withdrawn issue does, and nothing is merged into it or joins it (services/merging.py).
  No CHECK names it (it is not in `STRUCTURAL`): the merge's table says where it went.
- `AWAITING_STATEMENT` and `AWAITING_DECISION`: a statement round has opened (a CHECK:
  `statement_round >= 1`), which the statements and the `has_statement` guard count in.

The CHECKs in models.py are written from these constants, and name no other state: a
state they do not name is free of them.
"""

from __future__ import annotations

from typing import Final

DRAFT: Final = "draft"
DECIDED: Final = "decided"
CLOSED: Final = "closed"
WITHDRAWN: Final = "withdrawn"
AWAITING_STATEMENT: Final = "awaiting_statement"
AWAITING_DECISION: Final = "awaiting_decision"
MERGED: Final = "merged"

# Every state some rule outside the definition knows by name.
STRUCTURAL: Final = frozenset(
    {DRAFT, DECIDED, CLOSED, WITHDRAWN, AWAITING_STATEMENT, AWAITING_DECISION})


def sql_in(*states: str) -> str:
    """`('a', 'b')`: a list of states for a CHECK constraint's SQL text."""
    return "(" + ", ".join(f"'{s}'" for s in states) + ")"


__all__ = ["AWAITING_DECISION", "AWAITING_STATEMENT", "CLOSED", "DECIDED", "DRAFT", "MERGED",
           "STRUCTURAL", "WITHDRAWN", "sql_in"]
