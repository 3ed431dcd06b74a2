"""Every limit on what a person writes, and every closed list they choose from, defined
once: the core checks input by them, and the API's schemas (api/schemas.py) and the
pages' forms (api/web/forms.py) import them, so a form, the API and the core refuse
alike (tests/test_limits.py holds the three equal).

The lists are the values of the domain's enums (escalation/models.py), in their order.
"""

from __future__ import annotations

import enum
import re

from escalation.models import (
    Category,
    FeedbackAnswer,
    Position,
    RightsDimension,
    Role,
    TakenIntoAccount,
    Urgency,
    Visibility,
)

TITLE_MAX = 200  # an issue's title: one line, as its column
TEXT_MAX = 20_000  # a long text: a description, statement, comment, an action's data
LEGAL_REFERENCE_MAX = 300  # one legal reference: one line
LEGAL_REFERENCES_MAX = 30  # legal references on one issue
REASON_MAX = 2_000  # why a text is redacted
REDACTED_FIELD_MAX = 100  # the path of the text to redact ("legal_references.1")
NAME_MAX = 200  # a person's, a region's, an organisation's name; what a token is for
EMAIL_MAX = 254  # an e-mail address, as its columns
PASSWORD_MAX = 1000  # a password as typed (hashed, so any length fits; this bounds the work)
REGION_CODE_MAX = 40  # a region's code, as its column
FEEDBACK_MAX = 5_000  # a message sent with the accessibility statement's feedback form
# The region's comment on whether a closed issue's answer helped (services/feedback.py).
FEEDBACK_COMMENT_MAX = 5_000
RESPONSIBLE_MAX = 500  # a decision's responsible party, as its column (decisions.responsible)
OBLIGATIONS_MAX = 20  # obligations one decision sets
OBLIGATION_WHAT_MAX = 2_000  # what an obligation asks to be done
WEIGHING_REASON_MAX = 5_000  # why a decision took a statement into account partly or not
# An action's data field kept in a column of its own has that column's length, not
# TEXT_MAX: longer, and the database refuses the step (on PostgreSQL) after the checks.
DATA_MAX = {"responsible": RESPONSIBLE_MAX}
ACTION_ITEM_WHAT_MAX = 2_000  # what a meeting's action item asks to be done (issue 17)
SITUATION_TEXT_MAX = 5_000  # each half of a region's situation report (learned, planned)
ROW_ID_MAX = 2**31 - 1  # an id a client names (in an address, a weighing): an integer column
QUESTION_MAX = 300  # one targeted question a statement round asks: one line
QUESTIONS_MAX = 10  # targeted questions in one statement round (issue 16)
# A `lines` data field (a list of one-line texts): at most this many lines of at most
# LINE_MAX characters each, by field name (DATA_MAX's `lines` counterpart).
LINES_MAX = {"questions": QUESTIONS_MAX}
LINE_MAX = {"questions": QUESTION_MAX}
# What a region's code is made of, matched whole (`fullmatch`: a `$` would let a trailing
# line feed through).
REGION_CODE = re.compile(r"[a-z0-9-]+")


def values(kind: type[enum.StrEnum]) -> tuple[str, ...]:
    """An enum's values, in its order: a closed list as input names it."""
    return tuple(member.value for member in kind)


CATEGORIES = values(Category)
URGENCIES = values(Urgency)
VISIBILITIES = values(Visibility)
RIGHTS_DIMENSIONS = values(RightsDimension)
POSITIONS = values(Position)
ROLES = values(Role)
FEEDBACK_ANSWERS = values(FeedbackAnswer)
TAKEN_INTO_ACCOUNT = values(TakenIntoAccount)

__all__ = [
    "ACTION_ITEM_WHAT_MAX",
    "CATEGORIES",
    "DATA_MAX",
    "EMAIL_MAX",
    "FEEDBACK_ANSWERS",
    "FEEDBACK_COMMENT_MAX",
    "FEEDBACK_MAX",
    "LEGAL_REFERENCES_MAX",
    "LEGAL_REFERENCE_MAX",
    "LINES_MAX",
    "LINE_MAX",
    "NAME_MAX",
    "OBLIGATIONS_MAX",
    "OBLIGATION_WHAT_MAX",
    "PASSWORD_MAX",
    "POSITIONS",
    "QUESTIONS_MAX",
    "QUESTION_MAX",
    "REASON_MAX",
    "REDACTED_FIELD_MAX",
    "REGION_CODE",
    "REGION_CODE_MAX",
    "RESPONSIBLE_MAX",
    "RIGHTS_DIMENSIONS",
    "ROLES",
    "ROW_ID_MAX",
    "SITUATION_TEXT_MAX",
    "TAKEN_INTO_ACCOUNT",
    "TEXT_MAX",
    "TITLE_MAX",
    "URGENCIES",
    "VISIBILITIES",
    "WEIGHING_REASON_MAX",
    "values",
]
