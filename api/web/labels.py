"""What the pages call the workflow's and the domain's names, in the reader's language.

The workflow is data, so its names (states, actions, data fields, choices) arrive at
run time; every name the shipped definitions use has a label here (a test checks), and
an unknown one is shown as itself rather than breaking the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from api.web import i18n
from escalation.redacted import is_marker, is_redacted_text

STATES = {
    "draft": _l("Draft"),
    "submitted": _l("With the backbone team"),
    "clarification_requested": _l("Clarification requested from the region"),
    "awaiting_statement": _l("Awaiting statements from the stakeholder group"),
    "awaiting_decision": _l("Awaiting the working group's decision"),
    "decided": _l("Decided"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
}

BODIES = {
    "region": _l("Region"),
    "backbone": _l("Backbone team"),
    "stakeholders": _l("Stakeholder group"),
    "working_group": _l("Working group"),
}

# The button that takes an action.
ACTIONS = {
    "submit": _l("Send to the backbone team"),
    "request_clarification": _l("Ask the region for clarification"),
    "resubmit": _l("Send the clarification"),
    "answer_locally": _l("Answer directly and close"),
    "forward": _l("Forward to the stakeholder group"),
    "forward_to_working_group": _l("Forward to the working group"),
    "request_statements": _l("Ask for more statements"),
    "decide": _l("Record the decision"),
    "close": _l("Close the issue"),
    "withdraw": _l("Withdraw the issue"),
    "reopen": _l("Reopen the issue"),
}

# What an audit event says happened, in the timeline.
EVENTS = {
    "create": _l("Created a draft"),
    "edit": _l("Edited the issue"),
    "statement": _l("Gave a statement"),
    "comment": _l("Commented"),
    "assign": _l("Changed who handles the issue"),
    "submit": _l("Sent the issue to the backbone team"),
    "request_clarification": _l("Asked the region for clarification"),
    "resubmit": _l("Sent the clarification"),
    "answer_locally": _l("Answered directly and closed the issue"),
    "forward": _l("Forwarded the issue to the stakeholder group"),
    "forward_to_working_group": _l("Forwarded the issue to the working group"),
    "request_statements": _l("Asked for more statements"),
    "decide": _l("Recorded the decision"),
    "close": _l("Closed the issue"),
    "withdraw": _l("Withdrew the issue"),
    "reopen": _l("Reopened the issue"),
    "redact": _l("Removed a text from the record"),
}

CATEGORIES = {
    "legislation": _l("Legislation"),
    "interpretation": _l("Interpretation of law"),
    "national_policy": _l("National policy"),
    "funding": _l("Funding"),
    "data_and_information": _l("Data and information"),
    "other": _l("Other"),
}

ROLES = {
    "regional_lead": _l("Regional lead"),
    "coordinator": _l("Backbone team member"),
    "stakeholder_member": _l("Stakeholder group member"),
    "stakeholder_chair": _l("Stakeholder group chair"),
    "ministry_member": _l("Working group member"),
    "ministry_chair": _l("Working group chair or secretary"),
    "observer": _l("Observer"),
    "admin": _l("Administrator"),
}

URGENCIES = {"normal": _l("Normal"), "urgent": _l("Urgent")}

VISIBILITIES = {"public": _l("Public"), "restricted": _l("Restricted")}

RIGHTS = {
    "best_interests": _l("The child's best interests"),
    "non_discrimination": _l("Non-discrimination"),
    "right_to_be_heard": _l("The child's right to be heard"),
    "life_and_development": _l("Right to life and development"),
}

POSITIONS = {
    "supports": _l("Supports"),
    "supports_with_reservations": _l("Supports with reservations"),
    "opposes": _l("Opposes"),
    "no_position": _l("No position"),
}

OUTCOMES = {
    "clarified": _l("Interpretation given"),
    "refer_to_ministry": _l("Referred to a ministry"),
    "propose_legislative_change": _l("Change in legislation proposed"),
    "national_guidance": _l("National guidance to be given"),
    "no_action": _l("No further action"),
    "returned_to_region": _l("Returned to the region"),
}

# An action's data fields (workflow `data`), and what the recorded events carry.
FIELDS = {
    "message": _l("Your question to the region"),
    "answer": _l("Answer"),
    "reason": _l("Reason"),
    "note": _l("Closing note"),
    "outcome": _l("Outcome"),
    "rationale": _l("Rationale"),
    "responsible": _l("Responsible party"),
    "follow_up_due": _l("Follow-up date"),
    "comment": _l("Comment"),
    "position": _l("Position"),
    "text": _l("Statement"),
    "rights_assessment": _l("Children's rights assessment"),
    "organisation": _l("Organisation"),
    "title": _l("Title"),
    "description": _l("Description"),
    "category": _l("Category"),
    "urgency": _l("Urgency"),
    "rights_dimensions": _l("Children's rights"),
    "legal_references": _l("Legal references"),
    "visibility": _l("Visibility"),
    "region": _l("Region"),
    "assignee": _l("Handled by"),
    "internal": _l("Internal"),
    "round": _l("Round"),
    "state": _l("Stage"),
    "removed": _l("Removed text"),
}

ANY = _l("Any")
# What stands where a redacted text was (escalation/redacted.py), and what the timeline
# says of it: who removed it, when and why.
REDACTED = _l("[removed]")
NOT_CHOSEN = _l("Not chosen")

FIELD_HELP = {
    "message": _l("Say exactly what the region should clarify. The region sees this message."),
    "answer": _l("Write the answer in full sentences. It is shown to everyone who can see "
                 "the issue."),
    "reason": _l("Say briefly why. The reason is kept in the issue's history."),
    "note": _l("What was done after the decision, in a few sentences."),
    "outcome": _l("Choose what the working group decided."),
    "rationale": _l("Explain the decision so that the region understands it without other "
                    "documents."),
    "responsible": _l("Who carries out the decision, for example a ministry or an agency. "
                      "Needed when the matter is handed on."),
    "follow_up_due": _l("When the backbone team checks how the decision was carried out. "
                        "You may leave this empty."),
}

# Choices of an action's data field, by field name.
CHOICES = {"outcome": OUTCOMES}


def label(table: Mapping[str, object], name: str | None) -> str:
    """The label for `name`, or the name itself if the table has none."""
    if name is None:
        return ""
    value = table.get(name)
    if value is None:
        return name
    # A list page asks for the same few labels on every row, an issue page for the same
    # stages and steps again and again: translate each once (this module's tables once
    # an app and language, any other table once a request).
    r = i18n.reader()
    if r is None:
        return str(value)
    return r.label(table, name, value, lasting=id(table) in _LASTING)


# The tables above, which live as long as the process (by id: a dict is not hashable).
_LASTING = frozenset(id(t) for t in (STATES, BODIES, ACTIONS, EVENTS, CATEGORIES, ROLES,
                                     URGENCIES, VISIBILITIES, RIGHTS, POSITIONS, OUTCOMES,
                                     FIELDS))


class Labels:
    """The tables as one Jinja global: `labels.state(issue.state)` and so on."""

    state = staticmethod(lambda name: label(STATES, name))
    body = staticmethod(lambda name: label(BODIES, name))
    action = staticmethod(lambda name: label(ACTIONS, name))
    event = staticmethod(lambda name: label(EVENTS, name))
    category = staticmethod(lambda name: label(CATEGORIES, name))
    urgency = staticmethod(lambda name: label(URGENCIES, name))
    visibility = staticmethod(lambda name: label(VISIBILITIES, name))
    right = staticmethod(lambda name: label(RIGHTS, name))
    position = staticmethod(lambda name: label(POSITIONS, name))
    outcome = staticmethod(lambda name: label(OUTCOMES, name))
    field = staticmethod(lambda name: label(FIELDS, name))
    role = staticmethod(lambda name: label(ROLES, name))

    @staticmethod
    def choice(field: str, value: str) -> str:
        return label(CHOICES.get(field, {}), value)


_VALUE_TABLES: dict[str, Mapping[str, object]] = {
    "outcome": OUTCOMES,
    "position": POSITIONS,
    "category": CATEGORIES,
    "urgency": URGENCIES,
    "visibility": VISIBILITIES,
}


def shown(value: Any) -> Any:
    """A domain text as the page shows it: a redacted one as "[removed]" in the reader's words."""
    return str(REDACTED) if is_redacted_text(value) else value


def field_label(path: str) -> str:
    """"description" -> "Description"; "legal_references.1" -> "Legal references 2"."""
    key, _, index = path.partition(".")
    name = label(FIELDS, key)
    return f"{name} {int(index) + 1}" if index.isdigit() else name


def _removed(note: Any) -> str:
    """What the timeline shows where a text was redacted: by whom, when and why if known."""
    if note is None:
        return str(REDACTED)
    reason = str(REDACTED) if is_marker(note.reason) else str(note.reason)
    return gettext("[Removed on %(date)s by %(name)s. Reason: %(reason)s]",
                   date=i18n.date(note.at), name=note.who, reason=reason)


def describe(action: str, data: Mapping[str, Any],
             redacted: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """An audit event's data as (label, text) pairs for the timeline, in the reader's words.

    `redacted`: the redactions of this event's texts by field, so a removed text is shown
    as who removed it, when and why.
    """
    redacted = redacted or {}
    if action == "redact":
        return [(label(FIELDS, "removed"), field_label(str(data.get("field", "")))),
                (label(FIELDS, "reason"), _removed(redacted.get("reason"))
                 if is_marker(data.get("reason")) else str(data.get("reason", "")))]
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        if value in (None, "", []) or key == "internal":
            continue
        name = label(FIELDS, key)
        if action == "comment" and key == "text":
            name = label(FIELDS, "comment")
        if is_marker(value):
            text = _removed(redacted.get(key))
        elif key in _VALUE_TABLES:
            text = label(_VALUE_TABLES[key], str(value))
        elif key == "rights_dimensions":
            text = ", ".join(label(RIGHTS, v) for v in value)
        elif key == "legal_references":
            text = "\n".join(_removed(redacted.get(f"{key}.{i}")) if is_marker(v) else str(v)
                             for i, v in enumerate(value))
        elif key == "follow_up_due":
            text = i18n.date(dt.date.fromisoformat(str(value)))
        else:
            text = str(value)
        out.append((name, text))
    return out
