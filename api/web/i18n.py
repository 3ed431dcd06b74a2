"""Languages: Finnish by default, Swedish and English; dates and numbers in the locale's way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request, session
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_timezone,
    gettext,
    ngettext,
)

from escalation import runtime

LANGUAGES = ("fi", "sv", "en")
DEFAULT = "fi"
# Each language's name in itself: the switcher shows them so, whatever the page's language.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
SESSION_KEY = "lang"


def select_locale() -> str:
    """The language chosen with the switcher, else the browser's preference, else Finnish."""
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def remember(lang: str) -> None:
    if lang in LANGUAGES:
        session[SESSION_KEY] = lang


def due_phrase(due_at: dt.datetime, now: dt.datetime) -> str:
    """A due date in plain words: "Due in 3 days", "5 days overdue" (local calendar days)."""
    tz = get_timezone()
    due_day = due_at.astimezone(tz).date()
    today = now.astimezone(tz).date()
    if due_at < now:
        late = (today - due_day).days
        if late <= 0:
            return gettext("Was due today")
        return ngettext("%(num)d day overdue", "%(num)d days overdue", late)
    ahead = (due_day - today).days
    if ahead <= 0:
        return gettext("Due today")
    if ahead == 1:
        return gettext("Due tomorrow")
    return ngettext("Due in %(num)d day", "Due in %(num)d days", ahead)


def date(value: dt.date | dt.datetime | None) -> str:
    """A date in the reader's language and time zone ("24.11.2026" in Finnish)."""
    return "" if value is None else format_date(value, "medium")


def datetime(value: dt.datetime | None) -> str:
    return "" if value is None else format_datetime(value, "short")


def number(value: int | float) -> str:
    return format_decimal(value)


def init_app(app: Flask) -> None:
    """Babel with the catalogs in api/translations, the reader's time zone, Jinja helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale,
          timezone_selector=lambda: runtime.settings().timezone)
    helpers: dict[str, Any] = {
        "get_locale": get_locale,
        "LANGUAGE_NAMES": LANGUAGE_NAMES,
    }
    app.jinja_env.globals.update(helpers)
    app.jinja_env.filters.update(date=date, datetime=datetime, number=number)


def region_name(region: Any) -> str:
    """A region's name in Swedish on Swedish pages, else in Finnish (the official name)."""
    if str(get_locale()) == "sv" and getattr(region, "name_sv", None):
        return str(region.name_sv)
    return str(region.name_fi)


def month_name(month: str) -> str:
    """"2026-11" as the reader's language writes a month ("marraskuu 2026")."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(dt.date(year, number, 1), "LLLL yyyy")
