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
    MeetingBody,
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
# Public subscriptions (issue 18): confirmation mails an hour per address and per client,
# and how long a confirmation link works (an unconfirmed subscription is deleted then).
SUBSCRIBE_PER_ADDRESS = 3
SUBSCRIBE_PER_CLIENT = 20
SUBSCRIPTION_CONFIRM_DAYS = 7
ROW_ID_MAX = 2**31 - 1  # an id a client names (in an address, a weighing): an integer column
CO_RAISING_NOTE_MAX = 2_000  # a co-raising region's note of its own situation (issue 18)
QUESTION_MAX = 300  # one targeted question a statement round asks: one line
QUESTIONS_MAX = 10  # targeted questions in one statement round (issue 16)
# A `lines` data field (a list of one-line texts): at most this many lines of at most
# LINE_MAX characters each, by field name (DATA_MAX's `lines` counterpart).
LINES_MAX = {"questions": QUESTIONS_MAX}
LINE_MAX = {"questions": QUESTION_MAX}
# Meetings (issue 17): a meeting's title, place and video link (their columns), a free
# agenda item's title (its column), how long one meeting may last, how many items one
# agenda holds and how many the queue proposes, how far ahead a repeating series is made
# and how many meetings it may make, an RRULE text (its column), and the list's page.
MEETING_TITLE_MAX = 200
MEETING_PLACE_MAX = 500
MEETING_LINK_MAX = 500
MEETING_HOURS_MAX = 24
AGENDA_ITEM_TITLE_MAX = 500
AGENDA_ITEMS_MAX = 60
AGENDA_PROPOSED_MAX = 30
SERIES_MONTHS = 12
# The years the yearly report answers for (/reports/year/<yyyy>): a four-digit year of the
# service's time; any other number is a typo, not a report.
YEAR_FIRST = 2000
YEAR_LAST = 2999
SERIES_MEETINGS_MAX = 60
RECURRENCE_MAX = 200
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
MEETING_BODIES = values(MeetingBody)

# A calendar feed's reach (services/calendar.py): the last year and everything ahead, and
# no more events than a calendar app takes in one read without trouble.
CALENDAR_PAST_DAYS = 366
CALENDAR_EVENTS_MAX = 2000
# A feed's secret in its address: secrets.token_urlsafe(32) is 43 characters; anything
# much longer is no secret of ours and is answered 404 before any lookup.
CALENDAR_SECRET_MAX = 64
# A person's Atom feed of changes (services/change_feed.py): the newest steps, as a feed
# reader keeps them, from the last three months.
CHANGE_FEED_ENTRIES = 50
CHANGE_FEED_DAYS = 92

__all__ = [
    "ACTION_ITEM_WHAT_MAX",
    "AGENDA_ITEMS_MAX",
    "AGENDA_ITEM_TITLE_MAX",
    "AGENDA_PROPOSED_MAX",
    "CALENDAR_EVENTS_MAX",
    "CALENDAR_PAST_DAYS",
    "CALENDAR_SECRET_MAX",
    "CATEGORIES",
    "CHANGE_FEED_DAYS",
    "CHANGE_FEED_ENTRIES",
    "CO_RAISING_NOTE_MAX",
    "DATA_MAX",
    "EMAIL_MAX",
    "FEEDBACK_ANSWERS",
    "FEEDBACK_COMMENT_MAX",
    "FEEDBACK_MAX",
    "LEGAL_REFERENCES_MAX",
    "LEGAL_REFERENCE_MAX",
    "LINES_MAX",
    "LINE_MAX",
    "MEETING_BODIES",
    "MEETING_HOURS_MAX",
    "MEETING_LINK_MAX",
    "MEETING_PLACE_MAX",
    "MEETING_TITLE_MAX",
    "NAME_MAX",
    "OBLIGATIONS_MAX",
    "OBLIGATION_WHAT_MAX",
    "PASSWORD_MAX",
    "POSITIONS",
    "QUESTIONS_MAX",
    "QUESTION_MAX",
    "REASON_MAX",
    "RECURRENCE_MAX",
    "REDACTED_FIELD_MAX",
    "REGION_CODE",
    "REGION_CODE_MAX",
    "RESPONSIBLE_MAX",
    "RIGHTS_DIMENSIONS",
    "ROLES",
    "ROW_ID_MAX",
    "SERIES_MEETINGS_MAX",
    "SERIES_MONTHS",
    "SITUATION_TEXT_MAX",
    "SUBSCRIBE_PER_ADDRESS",
    "SUBSCRIBE_PER_CLIENT",
    "SUBSCRIPTION_CONFIRM_DAYS",
    "TAKEN_INTO_ACCOUNT",
    "TEXT_MAX",
    "TITLE_MAX",
    "URGENCIES",
    "VISIBILITIES",
    "WEIGHING_REASON_MAX",
    "YEAR_FIRST",
    "YEAR_LAST",
    "values",
]
