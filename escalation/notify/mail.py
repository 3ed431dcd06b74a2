"""E-mails rendered from a notice: the recipient's language, plain text and HTML.

A mail carries the reference, the title, the state, what the recipient is to do next
and a link. What was written with the action (a clarification request, an answer, a
reason, a statement round's request and its questions) travels only for public
issues: a restricted issue's mail names it and links to it, and says nothing of its
description, statements or comments.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from escalation import languages, minutes_text, vocabulary
from escalation.redacted import REDACTED_TEXT

_ENV = Environment(
    loader=PackageLoader("escalation.notify", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
HELSINKI = ZoneInfo("Europe/Helsinki")
# The keys of an action's data whose text is meant for the people the mail goes to.
# `summary`: the stakeholder chair's summary, which the working group reads first (v3).
GIVEN_KEYS = ("message", "answer", "reason", "request", "note", "rationale", "summary")
# What may not stand in a header's text: controls (C0 with CR, LF and tab; DEL; C1 with
# NEL), the Unicode line and paragraph separators, and lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")


def header_text(value: str) -> str:
    """`value` as a header's text that cannot add a header: one line, no encoded words.

    The input is checked (escalation/text.py), but rows stored before that may hold a line
    break, and checked text may still hold what Python's email package *decodes*: given
    "=?utf-8?q?x=0D=0ABcc:_evil@example.com?=" as a header's value it decodes the RFC 2047
    encoded word, and Python 3.11 before 3.11.10 then writes the decoded line break raw (a
    `Bcc:` header), later versions refuse to write the mail at all. So breaks and other
    controls become spaces, and every "=?" becomes "= ?": without "=?" there is no
    encoded word to decode (a title that really holds "=?" shows it with a space).
    """
    return " ".join(_UNSAFE.sub(" ", value).split()).replace("=?", "= ?")


@dataclass(frozen=True)
class ObligationWords:
    """What a mail about an obligation names: its number and the status it was given
    always; what is to be done and by whom only for a public issue."""

    number: int
    status: str = ""
    what: str | None = None
    responsible: str | None = None


@dataclass(frozen=True)
class Notice:
    """What a mail is about, as the delivery job found it."""

    kind: str  # transition, redaction, statement, reminder, overdue, follow_up,
    #            obligation(_reminder, _overdue), answered (to a follower)
    reference: str
    title: str
    region: Mapping[str, str]  # the region's name per language (Region.names)
    state: str  # the state the mail speaks of: the transition's target, the reminder's state
    restricted: bool
    acting: bool  # whether the recipient's body is the one asked to act
    action: str | None = None
    due_at: dt.datetime | None = None
    given: str | None = None
    # Whether the mail asks the region whether the answer helped (a v3 issue closed):
    # it then links to the feedback form (services/feedback.py).
    asks_feedback: bool = False
    # A statement round's targeted questions (escalation-v3's forward, request_statements);
    # like `given`, only for public issues.
    questions: tuple[str, ...] = ()
    obligation: ObligationWords | None = None
    # What a decision promised (escalation-v3's obligations): (what, responsible, due
    # date); like `given`, only for public issues.
    promised: tuple[tuple[str, str, dt.date], ...] = ()
    # A step recorded in a meeting's minutes: its audit event's `meeting` (no content of
    # the issue, so said for restricted issues too).
    meeting: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    locale: str


def format_date(when: dt.datetime, locale: str, tz: dt.tzinfo) -> str:
    """A due date as people there write it: 24.12.2026, 2026-12-24, 24 Dec 2026."""
    return languages.format_day(when.astimezone(tz).date(), locale)


def greeting(name: str, locale: str) -> str:
    """"Hei Aino Virtanen," in the reader's language; without a name (an address with no
    account behind it) the greeting alone. A name is said as the person gave it."""
    catalogue = vocabulary.translations(locale)

    def pgettext(context: str, message: str) -> str:
        return str(catalogue.upgettext(context, message))

    name = " ".join(name.split())
    if not name:
        return pgettext("mail", "Hello,")
    return pgettext("mail", "Hello %(name)s,") % {"name": name}


def _context(notice: Notice, locale: str, link: str, tz: dt.tzinfo) -> dict[str, Any]:
    catalogue = vocabulary.translations(locale)

    def pgettext(context: str, message: str, **kw: str) -> str:
        return str(catalogue.upgettext(context, message)) % kw

    def word(context: str, name: str) -> str:
        """A name's word; a name a newer definition adds and the catalogue lacks is said
        as itself, in words ("escalate further")."""
        found = vocabulary.entry(catalogue, context, name)
        return name.replace("_", " ") if found is None else found

    state = word(vocabulary.MAIL_STATE, notice.state)
    action = word(vocabulary.MAIL_EVENT, notice.action or "")
    due = format_date(notice.due_at, locale, tz) if notice.due_at else ""
    # A redacted title or text is said as removed, in the reader's language (as the
    # pages say it).
    redacted = str(catalogue.ugettext("[removed]"))
    title = redacted if notice.title == REDACTED_TEXT else notice.title
    given = notice.given.replace(REDACTED_TEXT, redacted) if notice.given else None
    questions = [redacted if q == REDACTED_TEXT else q for q in notice.questions]
    f = {"reference": notice.reference, "title": title, "due": due}
    ob = notice.obligation
    if ob is not None:
        f["number"] = str(ob.number)
        f["status"] = word(vocabulary.OBLIGATION_STATUS, ob.status) if ob.status else ""
        if ob.what is not None:  # a public issue's: what and who, above the note
            who = pgettext("mail", "Responsible")
            said = f"{ob.what}\n({who}: {ob.responsible})"
            given = f"{said}\n\n{given}" if given else said
    if notice.kind == "transition":  # no words of its own: the action says it
        subject, lead = f"{notice.reference}: {action}: {title}", f"{action}."
        if (in_meeting := minutes_text.decided_in(notice.meeting, locale)) is not None:
            lead = f"{lead} {in_meeting}."
    elif notice.kind == "statement" and notice.action == "withdraw_statement":
        # An organisation's statement changed before the round closed (issue 16): the
        # stakeholder chair sums the round up and the backbone team hands it on.
        subject = pgettext("mail", "%(reference)s: a statement was withdrawn: %(title)s", **f)
        lead = pgettext("mail", "An organisation withdrew its statement. It stays on record "
                        "but no longer counts as an answer.")
    elif notice.kind == "statement":
        subject = pgettext("mail", "%(reference)s: a statement was amended: %(title)s", **f)
        lead = pgettext("mail", "An organisation amended its statement. The question's "
                        "history keeps the earlier version.")
    elif notice.kind == "answered":  # to a follower (issue 18): the answer is the news
        subject = pgettext("mail", "Answered: %(reference)s: %(title)s", **f)
        lead = pgettext("mail", "A question you follow has been answered.")
    elif notice.kind == "reminder":
        subject = pgettext("mail", "Reminder: %(reference)s is due %(due)s: %(title)s", **f)
        lead = pgettext("mail", "The question's deadline is near: %(due)s.", **f)
    elif notice.kind == "overdue":
        subject = pgettext("mail", "Overdue: %(reference)s was due %(due)s: %(title)s", **f)
        lead = pgettext("mail", "The question's deadline passed on %(due)s.", **f)
    elif notice.kind == "obligation_reminder":
        subject = pgettext("mail", "Reminder: obligation %(number)s of %(reference)s is due "
                           "%(due)s: %(title)s", **f)
        lead = pgettext("mail", "An obligation the decision set is due on %(due)s.", **f)
    elif notice.kind == "obligation_overdue":
        subject = pgettext("mail", "Overdue: obligation %(number)s of %(reference)s was due "
                           "%(due)s: %(title)s", **f)
        lead = pgettext("mail", "An obligation the decision set was due on %(due)s and is "
                        "not done.", **f)
    elif notice.kind == "obligation":
        subject = pgettext("mail", "%(reference)s: progress on obligation %(number)s: "
                           "%(title)s", **f)
        lead = pgettext("mail", "The backbone team recorded progress on obligation "
                        "%(number)s.", **f) if not f.get("status") else pgettext(
            "mail", "The backbone team marked obligation %(number)s as %(status)s.", **f)
    elif notice.kind == "follow_up":
        subject = pgettext("mail", "Follow-up: %(reference)s follow-up date %(due)s: "
                           "%(title)s", **f)
        lead = pgettext("mail", "The follow-up date set in the decision is %(due)s.", **f)
    else:
        subject = pgettext("mail", "%(reference)s: text removed: %(title)s", **f)
        lead = pgettext("mail", "The backbone team removed text that does not belong in the "
                        "question's record (identifying personal details, for example).")
    your_turn = pgettext("mail", "Action is expected from you")
    if notice.kind == "follow_up":
        next_heading = your_turn
        next_step = pgettext("mail", "Check whether the decision has been carried out and "
                             "record it.")
    elif notice.kind == "overdue":
        next_heading, next_step = your_turn, pgettext("mail", "Make sure the question moves on.")
    elif notice.kind in ("obligation_reminder", "obligation_overdue"):
        next_heading = your_turn
        next_step = pgettext("mail", "See that the obligation is carried out, and let the "
                             "backbone team record its progress.")
    elif notice.kind == "obligation":
        next_heading = pgettext("mail", "Nothing is expected from you")
        next_step = ""
    elif notice.acting:
        next_heading = pgettext("mail", "Action is expected from you by %(due)s", due=due) \
            if due else your_turn
        next_step = word(vocabulary.MAIL_NEXT_STEP, notice.state)
    elif notice.kind == "redaction":
        next_heading = pgettext("mail", "Nothing is expected from you. The removed text is no "
                                "longer shown in the service or in mails")
        next_step = ""
    else:
        next_heading = pgettext("mail", "For your information: the question is now "
                                "%(state)s.", state=state)
        next_step = ""
    return {
        "locale": locale,
        "subject": subject,
        "lead": lead,
        "title": title,
        "reference": notice.reference,
        "region": languages.name_in(notice.region, locale),
        "state": state,
        "due": due,
        "next_heading": next_heading,
        "next_step": next_step,
        "given": None if notice.restricted else given,
        "questions": [] if notice.restricted else questions,
        "promised": [] if notice.restricted else [
            f"{redacted if what == REDACTED_TEXT else what} "
            f"({redacted if who == REDACTED_TEXT else who}, "
            f"{languages.format_day(due, locale)})" for what, who, due in notice.promised],
        "restricted": notice.restricted,
        "link": link,
        # The question "did it help?" carries no content of the issue: a restricted
        # issue's mail asks it too, with the link only.
        "feedback": {
            "heading": pgettext("mail", "Did the answer help your region?"),
            "text": pgettext("mail", "Tell the national level whether the answer helped "
                             "your region: helped, partly or not. It takes a minute, and "
                             "you can change your answer later."),
            "link": f"{link}/feedback",
            "open": pgettext("mail", "Give feedback"),
        } if notice.asks_feedback else None,
        "labels": {
            "region": pgettext("mail", "Region"),
            "state": pgettext("mail", "State"),
            "due": pgettext("mail", "Due"),
            "given": pgettext("mail", "Message"),
            "questions": pgettext("mail", "Questions to answer in the statement"),
            "promised": pgettext("mail", "What the decision promised (who, by when)"),
            "restricted": pgettext("mail", "The question is restricted: its content is shown "
                                   "only in the service."),
            "open": pgettext("mail", "Open the question"),
            "footer": pgettext("mail", "You receive this because you follow the question, "
                               "its region or its category.") if notice.kind == "answered"
            else pgettext("mail", "You receive this because you belong to a group "
                          "handling the question."),
        },
        # A follower's mail says where to stop following (their following page).
        "unfollow": {"text": pgettext("mail", "Stop following"),
                     "link": link.rsplit("/issues/", 1)[0] + "/following"}
        if notice.kind == "answered" else None,
    }


def compose(
    notice: Notice,
    to: Recipient,
    *,
    sender: str,
    message_id: str,
    base_url: str,
    tz: dt.tzinfo = HELSINKI,
    now: dt.datetime,
    thread: str | None = None,
) -> EmailMessage:
    """One e-mail to one person, in their language, plain text with an HTML alternative.

    `thread`: the Message-ID of the first mail about the issue to this person, which this
    one answers, so the issue's mails are one conversation in the reader's mail client."""
    locale = languages.known(to.locale)
    link = f"{base_url}/issues/{notice.reference}"
    ctx = _context(notice, locale, link, tz)
    ctx["greeting"] = greeting(to.name, locale)
    msg = EmailMessage()
    msg["From"] = sender
    # An Address, not a formatted string: the name is quoted and encoded by the package,
    # never parsed from text we put together (formataddr's output is parsed again).
    msg["To"] = Address(display_name=header_text(to.name), addr_spec=to.email)
    msg["Subject"] = header_text(ctx["subject"])
    msg["Message-ID"] = message_id
    if thread is not None and thread != message_id:
        msg["In-Reply-To"] = thread
        msg["References"] = thread
    msg["Date"] = format_datetime(now)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Escalation-Reference"] = header_text(notice.reference)
    msg.set_content(_ENV.get_template("mail.txt").render(ctx))
    msg.add_alternative(_ENV.get_template("mail.html").render(ctx), subtype="html")
    msg["Content-Language"] = locale  # after the parts: set_content moves Content-* headers
    return msg


__all__ = ["GIVEN_KEYS", "Notice", "ObligationWords", "Recipient", "compose", "format_date",
           "greeting", "header_text"]
