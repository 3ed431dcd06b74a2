"""What the pages call the workflow's and the domain's names, in the reader's language.

The workflow is data, so its names (states, actions, data fields, choices) arrive at
run time; each is looked up in the core's catalogue by its kind and name
(escalation/vocabulary.py), every name the shipped definitions use has its words there
(a test checks), and an unknown one is shown as itself rather than breaking the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_babel, gettext, lazy_pgettext, ngettext
from flask_babel import lazy_gettext as _l

from api.web import i18n
from escalation import minutes_text, vocabulary
from escalation.redacted import is_marker, is_redacted_text


class Vocabulary(Mapping[str, Any]):
    """One kind of name (a gettext context of escalation/vocabulary.py) as a table of
    labels: `STATES["submitted"]` is `pgettext("state", "submitted")`, translated when
    shown. It holds the names the catalogue has words for, so a name a new definition adds
    needs its catalogue entries only; a name without them is not in it (and `label`
    shows it as itself)."""

    def __init__(self, context: str) -> None:
        self.context = context

    def __getitem__(self, name: str) -> Any:
        if not vocabulary.known(self.context, name, _directories()):
            raise KeyError(name)
        return lazy_pgettext(self.context, name)

    def __iter__(self) -> Iterator[str]:
        return iter(vocabulary.names(self.context, _directories()))

    def __len__(self) -> int:
        return len(vocabulary.names(self.context, _directories()))


def _directories() -> tuple[Path, ...]:
    """The app's catalogue directories (as Flask-Babel reads them); the packaged one
    outside an app (the forms' fixed choices are made when their module is imported)."""
    if not has_app_context():
        return (vocabulary.CATALOGUE,)
    found: tuple[Path, ...] | None = current_app.extensions.get(_DIRECTORIES)
    if found is None:
        found = current_app.extensions[_DIRECTORIES] = tuple(
            Path(d) for d in get_babel().translation_directories)
    return found


_DIRECTORIES = "escalation_catalogues"


STATES = Vocabulary(vocabulary.STATE)
BODIES = Vocabulary(vocabulary.BODY)
ACTIONS = Vocabulary(vocabulary.ACTION)  # the button that takes an action
EVENTS = Vocabulary(vocabulary.EVENT)  # what a history entry says was done
DONE = Vocabulary(vocabulary.DONE)  # what the notice after an action says it did
NEXT_STEPS = Vocabulary(vocabulary.NEXT_STEP)  # who moves a state on, for that notice
ROLES = Vocabulary(vocabulary.ROLE)
# An action's data fields (workflow `data`), and what the recorded events carry.
FIELDS = Vocabulary(vocabulary.FIELD)
FIELD_HELP = Vocabulary(vocabulary.FIELD_HELP)
OBLIGATION_STATUSES = Vocabulary(vocabulary.OBLIGATION_STATUS)  # open, in progress, done...
MEETING_BODIES = Vocabulary(vocabulary.MEETING_BODY)  # who meets (issue 17)


class _Choices:
    """The values of a choice field, by the field's name (its values' context)."""

    def __init__(self) -> None:
        self._tables: dict[str, Vocabulary] = {}

    def __getitem__(self, field: str) -> Vocabulary:
        found = self._tables.get(field)
        if found is None:
            found = self._tables[field] = Vocabulary(field)
        return found

    def get(self, field: str, default: object = None) -> Vocabulary:
        return self[field]


# Choices of a data field, by field name: any field's, the workflow's as the core's.
CHOICES = _Choices()
CATEGORIES = CHOICES["category"]
URGENCIES = CHOICES["urgency"]
VISIBILITIES = CHOICES["visibility"]
RIGHTS = CHOICES["rights_dimensions"]
POSITIONS = CHOICES["position"]
OUTCOMES = CHOICES["outcome"]
FEEDBACK = CHOICES["feedback"]  # did the answer help (services/feedback.py)
TAKEN = CHOICES["taken_into_account"]  # a decision's weighing of a statement (v3)

ANY = _l("Any")
# What stands where a redacted text was (escalation/redacted.py), and what the timeline
# says of it: who removed it, when and why.
REDACTED = _l("[removed]")
NOT_CHOSEN = _l("Not chosen")
YES, NO = _l("Yes"), _l("No")

# An open request at the top of the issue page, named by who asked whom (the same words
# for every reader: "your question" was wrong for the region reading it). A step a newer
# definition adds shows the general heading until it has words here.
REQUESTS = {
    "request_clarification": _l("The backbone team's question to the region"),
    "forward": _l("The backbone team's request for statements"),
    "request_statements": _l("The working group's request for further statements"),
    "forward_to_working_group": _l("A decision asked of the working group"),
}
REQUEST = _l("What is asked now")


def request_heading(action: str) -> str:
    """The heading of an open request made by `action`."""
    return str(REQUESTS.get(action, REQUEST))


def label(table: Mapping[str, object], name: str | None) -> str:
    """The label for `name`, or the name itself if the table has none."""
    if name is None:
        return ""
    # A list page asks for the same few labels on every row, an issue page for the same
    # stages and steps again and again: translate each once (a vocabulary's labels once
    # an app and language, any other table's once a request), and look a vocabulary's
    # name up in the catalogue only then.
    r = i18n.reader()
    if r is not None and isinstance(table, Vocabulary):
        return r.label(table, name, _Label(table, name), lasting=True)
    value = table.get(name)
    if value is None:
        return name
    if r is None:
        return str(value)
    return r.label(table, name, value)


class _Label:
    """A vocabulary's label of one name, looked up when first shown."""

    __slots__ = ("name", "table")

    def __init__(self, table: Vocabulary, name: str) -> None:
        self.table, self.name = table, name

    def __str__(self) -> str:
        value = self.table.get(self.name)
        return self.name if value is None else str(value)


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
    feedback = staticmethod(lambda name: label(FEEDBACK, name))
    taken = staticmethod(lambda name: label(TAKEN, name))
    field = staticmethod(lambda name: label(FIELDS, name))
    role = staticmethod(lambda name: label(ROLES, name))
    meeting_body = staticmethod(lambda name: label(MEETING_BODIES, name))
    request = staticmethod(request_heading)
    removed = staticmethod(lambda: str(REDACTED))
    obligation_status = staticmethod(lambda name: label(OBLIGATION_STATUSES, name))

    @staticmethod
    def choice(field: str, value: str) -> str:
        return label(CHOICES[field], value)


_VALUE_TABLES: dict[str, Mapping[str, object]] = {
    "outcome": OUTCOMES,
    "position": POSITIONS,
    "feedback": FEEDBACK,
    "previous_feedback": FEEDBACK,
    "category": CATEGORIES,
    "urgency": URGENCIES,
    "visibility": VISIBILITIES,
    "status": OBLIGATION_STATUSES,
    "previous_status": OBLIGATION_STATUSES,
}


def shown(value: Any) -> Any:
    """A domain text as the page shows it: a redacted one as "[removed]" in the reader's words."""
    return str(REDACTED) if is_redacted_text(value) else value


def field_label(path: str) -> str:
    """"description" -> "Description"; "legal_references.1" -> "Legal references 2"."""
    key, _, index = path.partition(".")
    name = label(FIELDS, key)
    index, _, inner = index.partition(".")  # "weighing.0.reason": an entry's own text
    if index.isdigit() and inner:
        return f"{name} {int(index) + 1}: {label(FIELDS, inner)}"
    return f"{name} {int(index) + 1}" if index.isdigit() else name


def _removed(note: Any) -> str:
    """What the timeline shows where a text was redacted: by whom, when and why if known."""
    if note is None:
        return str(REDACTED)
    reason = str(REDACTED) if is_marker(note.reason) else str(note.reason)
    return gettext("[Removed on %(date)s by %(name)s. Reason: %(reason)s]",
                   date=i18n.date(note.at), name=note.who, reason=reason)


def describe(action: str, data: Mapping[str, Any],
             redacted: Mapping[str, Any] | None = None,
             shown: Mapping[str, str] | None = None, *,
             before: Mapping[str, Any] | None = None,
             names: Mapping[str, str] | None = None,
             regions: Mapping[str, str] | None = None,
             above: Collection[str] = ()) -> list[tuple[str, str]]:
    """An audit event's data as (label, text) pairs for the timeline, in the reader's words.

    `redacted`: the redactions of this event's texts by field, so a removed text is shown
    as who removed it, when and why. `shown`: texts the page already shows in full (the
    issue's description, by field): an entry that recorded the same text says so instead
    of repeating it (a 20,000-character description once, not twice); `above`: other texts
    the page shows in full (statements, the decision's rationale), said the same way.
    `before`: an edit's fields as they were, so a short one reads "old → new". `names`:
    people's names by e-mail, `regions`: regions' names by code (never a raw code).
    """
    redacted = redacted or {}
    shown = shown or {}
    before = before or {}
    names = names or {}
    regions = regions or {}
    if action == "redact":
        return [(label(FIELDS, "removed"), field_label(str(data.get("field", "")))),
                (label(FIELDS, "reason"), _removed(redacted.get("reason"))
                 if is_marker(data.get("reason")) else str(data.get("reason", "")))]
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        if value in (None, "", []) or key in ("internal", "obligation"):
            continue
        if key == "meeting":  # said under the event's name (`meeting_line`), not folded
            continue
        if key == "public":  # a statement's choice (issue 18): said only when made
            if value is True:
                out.append((label(FIELDS, key), gettext("Given as public")))
            continue
        name = label(FIELDS, key)
        if action == "comment" and key == "text":
            name = label(FIELDS, "comment")
        elif action == "record_obligation" and key == "note":  # not a closing note
            name = gettext("Progress note")
        elif action == "join" and key == "note":  # issue 18: not a closing note either
            name = gettext("The region's own situation")
        elif key == "issue":  # issue 18: the other issue of a link
            name = gettext("Issue")
        elif key == "duplicate":  # issue 18: the issue merged into this one
            name = gettext("Merged issue")
        elif key == "regions":  # issue 18: the regions a merge brought
            name = gettext("Regions")
        if is_marker(value):
            text = _removed(redacted.get(key))
        elif key in _VALUE_TABLES:
            text = label(_VALUE_TABLES[key], str(value))
        elif key == "weighing" and isinstance(value, list):
            # Shown with the decision, each statement beside how it was weighed.
            text = ngettext("%(num)d statement weighed, shown with the decision",
                            "%(num)d statements weighed, shown with the decision",
                            len(value))
        elif key == "rights_dimensions":
            text = ", ".join(label(RIGHTS, v) for v in value)
        elif key == "not_answered":
            text = ", ".join(str(v) for v in value)
        elif key in ("legal_references", "questions"):
            text = "\n".join(_removed(redacted.get(f"{key}.{i}")) if is_marker(v) else str(v)
                             for i, v in enumerate(value))
        elif key == "obligations" and isinstance(value, list):
            # A decision's obligations (workflow v3): one line each.
            text = "\n".join(
                f"{i}. {o.get('what', '')} ({o.get('responsible', '')}, "
                f"{i18n.date(dt.date.fromisoformat(str(o.get('due'))))})"
                for i, o in enumerate(value, 1) if isinstance(o, Mapping))
        elif key in ("follow_up_due", "previous_follow_up_due"):
            text = i18n.date(dt.date.fromisoformat(str(value)))
        elif key == "region":
            text = regions.get(str(value), str(value))
        elif key == "regions" and isinstance(value, list):
            text = ", ".join(regions.get(str(v), str(v)) for v in value)
        elif key == "assignee":
            text = names.get(str(value), str(value))
        elif isinstance(value, str) and value and shown.get(key) == value:
            text = gettext("(the same text as the issue's description on this page)")
        elif isinstance(value, str) and len(value) > _SHORT and value in above:
            text = gettext("(the same text as shown above on this page)")
        else:
            text = str(value)
        old = before.get(key)
        if (key in before and key in _VALUE_TABLES and old not in (None, "")
                and not is_marker(old)):
            text = f"{label(_VALUE_TABLES[key], str(old))} → {text}"
        elif (key in before and isinstance(old, str) and old and not is_marker(old)
              and len(old) <= _SHORT and len(str(value)) <= _SHORT):
            text = f"{old} → {text}"
        out.append((name, text))
    return out


def meeting_line(meeting: Any) -> str | None:
    """Where a step was taken, when in a meeting's minutes: "Päätetty ministeriöiden
    työryhmän kokouksessa 12.1.2027, kohta 4" (escalation/minutes_text.py)."""
    return minutes_text.decided_in(meeting, i18n.locale_code())


# A text up to this long is shown whole in the history, and an edit of it as "old → new".
_SHORT = 200
