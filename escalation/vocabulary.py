"""The service's words: one gettext catalogue for the pages and the mails, keyed by name.

Every name a person reads in their own language (a state, an action, a body, a field, a
choice, a role) is looked up by a context saying what kind of name it is and the name
itself: `pgettext("state", "submitted")`. The English words are the `en` catalogue's
entries like the Finnish and Swedish ones; the source holds names, never wordings.

Why the name and not an English default in the TOML: a workflow definition is data
released once and never edited (issues stay pinned to it), so a wording in it could not
be improved without a new version; and keyed by name, rewording the English leaves the
Finnish and Swedish entries valid instead of turning them fuzzy. So adding a state or an
action to a new workflow version needs the TOML and its catalogue entries only: the
extractor below (`pybabel extract`, through babel.cfg) finds every word a definition can
produce, `pybabel update` adds them to each language, and tests/web/test_translations.py
fails until each has its Finnish, Swedish and English text. A name the catalogue lacks
still shows as itself (gettext's own fallback), never as an error.

Pages and mails differ in register ("With the backbone team" heading a page, "taustatuen
käsittelyssä" inside a mail's sentence), so a mail's words have contexts of their own
("mail state", "mail event", "mail next step"; the mail's fixed sentences "mail").

The catalogue is escalation/translations (Flask-Babel reads the same directory); a
folder of workflow definitions of one's own (ESCALATION_WORKFLOWS) may carry its words
beside it in `translations/`, merged over the packaged catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import IO, Any, Final

from babel.messages.extract import extract_python
from babel.support import Translations

from escalation import runtime
from escalation.audit import AuditAction
from escalation.models import (
    Category,
    FeedbackAnswer,
    MeetingBody,
    ObligationStatus,
    Position,
    RightsDimension,
    Role,
    TakenIntoAccount,
    Urgency,
    Visibility,
)
from escalation.workflow.definition import Workflow
from escalation.workflow.loader import load_text

CATALOGUE: Final = Path(__file__).with_name("translations")
DOMAIN: Final = "messages"
# Beside a folder of workflow definitions: the words of its own names, if it has any.
WORKFLOW_CATALOGUE: Final = "translations"

# The kinds of names, each a gettext context. A choice field's values take the field's
# name as their context ("outcome", "category"), so no choice field may be named like
# one of these.
STATE: Final = "state"  # a state, as a page names it ("With the backbone team")
ACTION: Final = "action"  # the button that takes an action ("Record the decision")
EVENT: Final = "event"  # what a history entry says was done ("Recorded the decision")
BODY: Final = "body"  # who an issue awaits ("Backbone team")
FIELD: Final = "field"  # an action's data field, or a field an event records
FIELD_HELP: Final = "field help"  # what to write in an action's data field
ROLE: Final = "role"
MAIL_STATE: Final = "mail state"  # a state inside a mail's sentence ("decided")
MAIL_EVENT: Final = "mail event"  # what a mail says happened ("The working group decided")
MAIL_NEXT_STEP: Final = "mail next step"  # what the body a state awaits is asked to do
MAIL: Final = "mail"  # the mails' fixed sentences
DONE: Final = "done"  # what the notice after an action says it did ("Sent.")
NEXT_STEP: Final = "next step"  # who moves a state on, for the notice after a step
#                                 ("The backbone team handles the issue")
OBLIGATION_STATUS: Final = "obligation_status"  # open, in progress, done, cancelled
MEETING_BODY: Final = "meeting body"  # who meets ("The working group")
KINDS: Final = (STATE, ACTION, EVENT, BODY, FIELD, FIELD_HELP, ROLE, MAIL_STATE, MAIL_EVENT,
                MAIL_NEXT_STEP, MAIL, DONE, NEXT_STEP)


def _values(enum: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(e.value) for e in enum)


# The core's own names, beside those of a workflow: what the models and the audit log
# record, and the fields the issue, statement and comment forms and events carry.
CORE: Final[Mapping[str, tuple[str, ...]]] = {
    EVENT: _values(AuditAction),
    ROLE: _values(Role),
    FIELD: ("title", "description", "region", "category", "urgency", "rights_dimensions",
            "legal_references", "visibility", "assignee", "state", "comment", "internal",
            "position", "text", "rights_assessment", "organisation", "round", "reason",
            "removed", "previous_follow_up_due", "previous_responsible", "feedback",
            "previous_feedback", "answers",
            # Who had not answered when a step closed a statement round (escalation/rounds.py).
            "not_answered",
            # an obligation's progress (workflow v3): the `record_obligation` event's data
            "obligation", "number", "what", "due", "note", "status", "previous_status",
            # a decision's weighing of one statement (workflow v3, issue 16)
            "taken_into_account",
            # a statement given as public (issue 18): the public register shows it
            "public"),
    "category": _values(Category),
    "urgency": _values(Urgency),
    "visibility": _values(Visibility),
    "rights_dimensions": _values(RightsDimension),
    "position": _values(Position),
    "feedback": _values(FeedbackAnswer),
    OBLIGATION_STATUS: _values(ObligationStatus),
    "taken_into_account": _values(TakenIntoAccount),
    # who meets (issue 17): the meetings' bodies, named for pages and mails
    MEETING_BODY: _values(MeetingBody),
}


def workflow_words(wf: Workflow) -> Iterator[tuple[str, str]]:
    """Every (context, name) a definition can make a page or a mail say."""
    for name, state in wf.states.items():
        yield STATE, name
        yield MAIL_STATE, name
        if state.awaiting is not None:
            yield BODY, state.awaiting
            yield MAIL_NEXT_STEP, name
            yield NEXT_STEP, name
    for t in wf.transitions:
        yield ACTION, t.action
        yield EVENT, t.action
        yield MAIL_EVENT, t.action
        yield DONE, t.action
        for f in t.data:
            yield FIELD, f.name
            yield FIELD_HELP, f.name
            for choice in f.choices:
                yield f.name, choice
    for role in sorted(wf.roles):
        yield ROLE, role


def core_words() -> Iterator[tuple[str, str]]:
    """Every (context, name) of the core's own names."""
    for context, names in CORE.items():
        for name in names:
            yield context, name


def directories(workflows_dir: Path | None = None) -> tuple[Path, ...]:
    """The catalogue directories in merge order: the packaged one, then the words kept
    beside the configured workflow definitions, if that folder has any."""
    extra = (workflows_dir or runtime.settings().workflows_dir) / WORKFLOW_CATALOGUE
    return (CATALOGUE, extra) if extra.is_dir() else (CATALOGUE,)


def translations(locale: str, dirs: tuple[Path, ...] | None = None) -> Translations:
    """The merged catalogue of `locale` (later directories' entries win)."""
    return _translations(locale, dirs or directories())


@cache
def _translations(locale: str, dirs: tuple[Path, ...]) -> Translations:
    merged = Translations(domain=DOMAIN)
    for directory in dirs:
        found = Translations.load(str(directory), [locale], DOMAIN)
        if isinstance(found, Translations):  # a missing language loads as NullTranslations
            merged.merge(found)
            merged.plural = found.plural  # merge() keeps the entries only
    return merged


def word(locale: str, context: str, name: str) -> str:
    """`name`'s word in `locale` in this context; the name itself if it has none."""
    return str(translations(locale).upgettext(context, name))


def entry(catalogue: Translations, context: str, name: str) -> str | None:
    """`name`'s word in this catalogue and context, or None if it has none."""
    return _entries(catalogue).get(f"{context}\x04{name}")


def known(context: str, name: str, dirs: tuple[Path, ...] | None = None) -> bool:
    """Whether the catalogue has a word for `name` (the English one has every word)."""
    return f"{context}\x04{name}" in _entries(translations("en", dirs))


def names(context: str, dirs: tuple[Path, ...] | None = None) -> list[str]:
    """The names that have a word in this context, in catalogue order."""
    prefix = f"{context}\x04"
    return [key.removeprefix(prefix) for key in _entries(translations("en", dirs))
            if isinstance(key, str) and key.startswith(prefix)]


def _entries(t: Translations) -> Mapping[tuple[str, Any] | str, str]:
    # GNUTranslations keeps its entries in `_catalog` ("context\x04msgid" for a context).
    return t._catalog


# --- extraction: `pybabel extract -F babel.cfg` calls these (see babel.cfg) ---

Extracted = tuple[int, str, tuple[str, str], list[str]]


def extract_workflow(fileobj: IO[bytes], keywords: object, comment_tags: object,
                     options: object) -> Iterator[Extracted]:
    """The words of one workflow definition, as pgettext calls would give them."""
    source = getattr(fileobj, "name", "<workflow>")
    wf = load_text(fileobj.read().decode("utf-8"), source=str(source))
    for context, name in dict.fromkeys(workflow_words(wf)):
        yield 1, "pgettext", (context, name), []


def extract_core(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                 options: Any) -> Iterator[Any]:
    """This module's own gettext calls, and the core's names (`CORE`)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for context, name in core_words():
        yield 1, "pgettext", (context, name), []
