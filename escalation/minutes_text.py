"""What an issue's history and mails say of a step taken in a meeting's minutes:
"Päätetty ministeriöiden työryhmän kokouksessa 12.1.2027, kohta 4".

The step's audit event carries the meeting (`data["meeting"]`: id, body, date, item;
services/minutes.py puts it there through `issues.transition(context=...)`); the words
are the one catalogue's, one sentence per body, since the body's name is declined
inside the sentence in Finnish and Swedish.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from escalation import languages, vocabulary
from escalation.models import MeetingBody


def pgettext(context: str, message: str) -> tuple[str, str]:
    """Marks a sentence for `pybabel extract`; translated where it is said (`decided_in`)."""
    return context, message


_DECIDED_IN: dict[str, tuple[str, str]] = {
    MeetingBody.BACKBONE: pgettext(
        "meeting", "Decided in the backbone team's meeting on %(date)s, item %(item)s"),
    MeetingBody.REGIONS: pgettext(
        "meeting", "Decided in the meeting of the backbone team and the regions' chairs on "
        "%(date)s, item %(item)s"),
    MeetingBody.STAKEHOLDERS: pgettext(
        "meeting", "Decided in the child-rights stakeholder group's meeting on %(date)s, "
        "item %(item)s"),
    MeetingBody.WORKING_GROUP: pgettext(
        "meeting", "Decided in the ministries' working group's meeting on %(date)s, "
        "item %(item)s"),
    MeetingBody.NETWORK: pgettext(
        "meeting", "Decided at the learning network's event on %(date)s, item %(item)s"),
}


def meeting_context(meeting_id: int, body: str, day: dt.date, item: int) -> dict[str, Any]:
    """The context a step taken in the minutes records in its audit event."""
    return {"meeting": {"id": meeting_id, "body": body, "date": day.isoformat(),
                        "item": item}}


def decided_in(meeting: Any, locale: str) -> str | None:
    """The sentence for an event's `data["meeting"]` in `locale`; None if it is not one."""
    if not isinstance(meeting, Mapping) or meeting.get("body") not in _DECIDED_IN:
        return None
    try:
        day = languages.format_day(dt.date.fromisoformat(str(meeting.get("date"))), locale)
    except ValueError:
        return None
    context, message = _DECIDED_IN[str(meeting["body"])]
    catalogue = vocabulary.translations(languages.known(locale))
    return str(catalogue.upgettext(context, message)) % {"date": day,
                                                        "item": str(meeting.get("item"))}


__all__ = ["decided_in", "meeting_context"]
