"""Calendars: the settings page of one's secret feed address, the feed itself for calendar
apps (no sign-in: the secret is the key), and a meeting's `.ics` download for its members.

The address is shown once, on the answer to making it (only its hash is kept, as with API
tokens); "make a new address" revokes the old one, and a revoked address answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import BooleanField, SubmitField

from api.web import labels
from api.web.auth import actor
from api.web.forms import CheckedForm
from escalation import db, languages, runtime
from escalation.db import utcnow
from escalation.redacted import is_redacted_text
from escalation.services import calendar, change_feed
from escalation.services.calendar import Links

bp = Blueprint("calendar", __name__)

ICS = "text/calendar; charset=utf-8"
# Calendar apps poll a feed every few hours at most; five minutes of reuse spares the
# service nothing it needs and keeps a revoked or changed feed from lingering. Private:
# no shared cache may keep a person's calendar.
FEED_CACHE = "private, max-age=300"


class FeedForm(CheckedForm):
    """Make a (new) feed address: whether it carries the person's due dates too."""

    include_deadlines = BooleanField(
        _l("Also my deadlines and follow-up dates"),
        description=_l("The due dates of the issues awaiting you, your open action items "
                       "and, for the backbone team, the obligations' due dates, as all-day "
                       "entries with the issue's reference and title only."))
    create = SubmitField(_l("Make a calendar address"))


class RevokeForm(CheckedForm):
    """Stop the feed address (CSRF only)."""

    revoke = SubmitField(_l("Stop the calendar address"))


def links() -> Links:
    return Links(runtime.settings().base_url)


def _page(form: FeedForm | None = None, *, secret: str | None = None,
          status: int = 200) -> Any:
    with db.reading() as session:
        feed = calendar.active_feed(session, actor())
        feed_at, deadlines = (feed.created_at, feed.include_deadlines) if feed else (None, None)
    form = form or FeedForm(formdata=None, data={"include_deadlines": bool(deadlines)})
    url = links().feed(secret) if secret else None
    body = render_template("web/calendar/settings.html", form=form, revoke_form=RevokeForm(),
                           feed_at=feed_at, deadlines=deadlines, url=url,
                           atom_url=url and url.removesuffix(".ics") + ".atom",
                           webcal=url and "webcal://" + url.split("://", 1)[1])
    return body, status


@bp.get("/calendar")
@login_required
def settings() -> Any:
    """The calendar settings: subscribe to one's meetings in a calendar app."""
    return _page()


@bp.post("/calendar")
@login_required
def create_feed() -> Any:
    """Make a new secret feed address and show it once; any older one stops working."""
    form = FeedForm()
    if not form.validate():
        return _page(form, status=422)
    with db.transaction() as session:
        secret, _feed = calendar.create_feed(session, actor=actor(),
                                             include_deadlines=bool(form.include_deadlines.data),
                                             now=utcnow())
    return _page(secret=secret)


@bp.post("/calendar/revoke")
@login_required
def revoke_feed() -> Any:
    """Stop the feed address: calendar apps subscribed to it get nothing more."""
    form = RevokeForm()
    if form.validate():
        with db.transaction() as session:
            stopped = calendar.revoke_feed(session, actor=actor(), now=utcnow())
        flash(gettext("The calendar address was stopped. It no longer works.") if stopped
              else gettext("You had no calendar address in use."),
              "success" if stopped else "info")
    return redirect(url_for(".settings"))


def _ics(body: bytes, filename: str, cache: str) -> Response:
    response = Response(body, content_type=ICS)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = cache
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/calendar/<secret>.ics")
def feed(secret: str) -> Response:
    """A person's meetings (and, if they chose, due dates) for calendar apps: the secret
    in the address is the key; an unknown or revoked one is 404 like any address."""
    with db.reading() as session:
        body = calendar.feed_calendar(session, secret, links=links(), now=utcnow())
    response = _ics(body, "calendar.ics", FEED_CACHE)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/calendar/<secret>.atom")
def changes(secret: str) -> Response:
    """The steps of the questions the secret's owner may see, as an Atom feed in their
    language (services/change_feed.py): the same secret as their calendar's."""
    with db.reading() as session:
        found = change_feed.changes(session, secret, now=utcnow())
    with force_locale(found.locale):
        body = _atom(secret, found)
    response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.headers["Cache-Control"] = FEED_CACHE
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.add_etag()
    return response.make_conditional(request)


def _atom(secret: str, found: change_feed.Changes) -> bytes:
    base = links().base_url
    here = f"{base}/calendar/{secret}.atom"
    fg = FeedGenerator()
    # The feed's id is not its address: the address is a secret, the id is kept by readers.
    fg.id(f"tag:{links().host},2026:changes:{found.owner.user_id}")
    fg.title(gettext("Changes in your questions – Escalation service"))
    fg.link(href=here, rel="self", type="application/atom+xml")
    fg.link(href=f"{base}/issues", rel="alternate", type="text/html")
    fg.language(found.locale)
    fg.author({"name": gettext("Escalation service")})
    newest = found.changes[0].at if found.changes else dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    fg.updated(newest if newest.tzinfo else newest.replace(tzinfo=dt.UTC))
    for change in reversed(found.changes):  # feedgen puts each new entry first
        at = change.at if change.at.tzinfo else change.at.replace(tzinfo=dt.UTC)
        title = str(labels.REDACTED) if is_redacted_text(change.title) else change.title
        entry = fg.add_entry()
        entry.id(f"tag:{links().host},2026:event:{change.event_id}")
        url = f"{base}/issues/{change.reference}"
        entry.link(href=url, rel="alternate", type="text/html")
        entry.title(f"{change.reference}: {labels.Labels.event(change.action)}: {title}")
        entry.summary(gettext("The question is now: %(state)s.",
                              state=labels.Labels.state(change.to_state)))
        entry.updated(at)
        entry.published(at)
    out: bytes = fg.atom_str(pretty=False)
    return out


@bp.get("/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id: int) -> Response:
    """One meeting as an `.ics` file, for its body's members."""
    with db.reading() as session:
        _meeting, body = calendar.meeting_calendar(
            session, meeting_id, actor=actor(), links=links(),
            locale=languages.known(str(get_locale() or languages.DEFAULT)))
    response = _ics(body, f"meeting-{meeting_id}.ics", "private, no-cache")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-{meeting_id}.ics"'
    return response
