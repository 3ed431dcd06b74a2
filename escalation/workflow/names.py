"""The names a definition may use besides its own states: bodies, effects, notify targets."""

# Who an issue can be waiting for (the `awaiting` of a state).
BODIES = frozenset({"region", "backbone", "stakeholders", "working_group"})

# Effects the services know how to apply (escalation.services.effects implements each).
EFFECTS = frozenset(
    {
        "mark_submitted",
        "mark_closed",
        "mark_reopened",
        "publish_answer",
        "open_statement_round",
        "record_decision",
        "record_summary",  # issue 16: the chair's summary of the round
        "record_weighing",  # issue 16: how the decision weighed each statement
        "merge_into",  # issue 18: a duplicate merged into a case (services/merging.py)
    }
)

# Who can be told about a transition: a body, or the chair of one.
NOTIFY_TARGETS = BODIES | {"stakeholder_chair", "ministry_chair"}
