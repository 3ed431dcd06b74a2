"""Languages: Finnish by default, Swedish and English; dates and numbers in the locale's way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask_babel
from babel import numbers as babel_numbers
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    Babel,
    format_date,
    format_decimal,
    get_locale,
    get_timezone,
    get_translations,
    refresh,
)
from markupsafe import Markup, escape

from escalation import languages, runtime, vocabulary
from escalation.languages import DEFAULT, LANGUAGES
from escalation.languages import NAMES as LANGUAGE_NAMES
from escalation.models import Region

SESSION_KEY = "lang"
REGISTER = "web.register."  # the endpoints that take ?lang=


def select_locale() -> str:
    """The language chosen with the switcher, else the browser's preference, else Finnish.

    The public register's pages (api/web/register.py) take `?lang=` first: their language
    links set no cookie, so their answers stay shareable by caches."""
    if (request.endpoint or "").startswith(REGISTER) and \
            (asked := request.args.get("lang")) in LANGUAGES:
        return str(asked)
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def remember(lang: str) -> None:
    if lang in LANGUAGES:
        session[SESSION_KEY] = lang


def switch_now(lang: str) -> None:
    """Remember `lang` and read the rest of this request in it (a form page shown again
    in the language just chosen: api/web/issues.py `_switching_language`)."""
    remember(lang)
    refresh()  # Flask-Babel chose this request's locale before the switch
    g.pop(_READER, None)


class Reader:
    """The reader's language, catalog and time zone, looked up once per request.

    Flask-Babel finds them anew on every call, through several context lookups; a list
    page formats a due date and translates a few labels on every row, and those lookups
    were most of its rendering time. Only reads: the output is Flask-Babel's own.
    """

    def __init__(self) -> None:
        self.locale = get_locale()
        self.zone = get_timezone()
        self.translations = get_translations()
        # Keyed by the table's id; each entry holds its table, so no other table can take
        # that id while the entry lasts. Tables that live as long as the process (those of
        # `labels`) share one cache per app and language: the app's catalogs never change
        # once loaded, so neither do their labels. Others are translated once a request.
        self.labels: dict[tuple[int, str], tuple[object, str]] = {}
        shared: dict[str, dict[tuple[int, str], tuple[object, str]]] = \
            current_app.extensions.setdefault(_SHARED_LABELS, {})
        self.shared_labels = shared.setdefault(str(self.locale), {})

    def gettext(self, message: str) -> str:
        return str(self.translations.ugettext(message))

    def ngettext(self, singular: str, plural: str, num: int) -> str:
        return str(self.translations.ungettext(singular, plural, num) % {"num": num})

    def local(self, value: dt.datetime) -> dt.datetime:
        """`value` in the reader's time zone (as flask_babel.to_user_timezone)."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        local = value.astimezone(self.zone)
        normalize = getattr(self.zone, "normalize", None)  # pytz zones want it
        return normalize(local) if normalize else local

    def label(self, table: object, name: str, text: object, *, lasting: bool = False) -> str:
        """`text`, the label of `name` in `table`, in the reader's words; `lasting`: the
        table lives as long as the process, so its labels are kept for later requests."""
        cache = self.shared_labels if lasting else self.labels
        key = (id(table), name)
        found = cache.get(key)
        if found is None:
            found = cache[key] = (table, str(text))
        return found[1]


_SHARED_LABELS = "escalation_labels"
_READER = "_i18n_reader"


def reader() -> Reader | None:
    """This request's `Reader`; None outside a request (then Flask-Babel's own calls)."""
    if not has_request_context():
        return None
    found: Reader | None = g.get(_READER)
    if found is None:
        found = Reader()
        setattr(g, _READER, found)
    return found


def due_phrase(due_at: dt.datetime, now: dt.datetime) -> str:
    """A due date in plain words: "Due in 3 days", "5 days overdue" (local calendar days)."""
    # Named `gettext` and `ngettext` here, whichever reader's they are, so that
    # `pybabel extract` finds the sentences (under other names it dropped them).
    r = reader()
    if r is None:
        tz = get_timezone()
        due_day, today = due_at.astimezone(tz).date(), now.astimezone(tz).date()
        gettext, ngettext = flask_babel.gettext, flask_babel.ngettext
    else:
        due_day, today = r.local(due_at).date(), r.local(now).date()
        gettext, ngettext = r.gettext, r.ngettext
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


def _local(value: dt.datetime) -> dt.datetime:
    r = reader()
    if r is not None:
        return r.local(value)
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(get_timezone())


def _code() -> str:
    r = reader()
    return str(r.locale if r is not None else get_locale())


def locale_code() -> str:
    """The reader's language code (fi, sv, en), for texts the core words itself."""
    return _code()


def days_left(due_at: dt.datetime, now: dt.datetime) -> int:
    """Whole calendar days from today to the due day in the reader's time zone (0: today)."""
    r = reader()
    if r is None:
        tz = get_timezone()
        return (due_at.astimezone(tz).date() - now.astimezone(tz).date()).days
    return (r.local(due_at).date() - r.local(now).date()).days


def date(value: dt.date | dt.datetime | None) -> str:
    """A date in the reader's language and time zone: "6.12.2026" in Finnish and Swedish,
    "6 Dec 2026" in English; the mails' pattern (escalation/languages.py), so a page and a
    mail write a date alike."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    return languages.format_day(value, _code())


def datetime(value: dt.datetime | None) -> str:
    """A date and time in the reader's language and time zone: "6.12.2026 klo 8.24",
    "6.12.2026 kl. 8.24", "6 Dec 2026, 8:24". Every page writes a moment through this."""
    if value is None:
        return ""
    return languages.format_moment(_local(value), _code())


def number(value: int | float) -> str:
    r = reader()
    if r is None:
        return str(format_decimal(value))
    return str(babel_numbers.format_decimal(value, locale=r.locale))


# The templates' `_()` and `ngettext()`: the request's catalog, found once (as `Reader`),
# not through Flask-Babel's lookups on each of the forty-odd calls a page makes.
def _translations() -> Any:
    r = reader()
    return r.translations if r is not None else get_translations()


def _template_gettext(message: str) -> str:
    return str(_translations().ugettext(message))


def _template_ngettext(singular: str, plural: str, num: int) -> str:
    return str(_translations().ungettext(singular, plural, num))


def _template_pgettext(context: str, message: str) -> str:
    return str(_translations().upgettext(context, message))


def _template_npgettext(context: str, singular: str, plural: str, num: int) -> str:
    return str(_translations().unpgettext(context, singular, plural, num))


def init_app(app: Flask) -> None:
    """Babel with the core's catalogue (escalation/vocabulary.py), the reader's time zone,
    Jinja helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          ";".join(str(d) for d in vocabulary.directories()))
    Babel(app, locale_selector=select_locale,
          timezone_selector=lambda: runtime.settings().timezone)
    # In place of the callables Babel installed: the same catalog, found once a request.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True,
        pgettext=_template_pgettext, npgettext=_template_npgettext)
    helpers: dict[str, Any] = {
        "get_locale": get_locale,
        "LANGUAGE_NAMES": LANGUAGE_NAMES,
    }
    app.jinja_env.globals.update(helpers)
    app.jinja_env.filters.update(date=date, datetime=datetime, number=number)


def region_name(region: Region) -> str:
    """A region's name in the page's language, else in Finnish (the official name)."""
    r = reader()  # a queue names a region on every row: the locale found once a request
    locale = r.locale if r is not None else get_locale()
    return region.name_in(str(locale))


def region_label(region: Region) -> Markup:
    """`region_name` for a page: a name shown in Finnish because the region has none in the
    page's language is marked `lang="fi"`, so a screen reader reads it as Finnish on a
    Swedish or English page (WCAG 3.1.2).

    Only text whose language the service knows is marked: a region's names are kept per
    language. What people write (titles, descriptions, statements) is not: no issue stores
    the language it was written in, and guessing it wrongly would make a reader mispronounce
    text that was right to begin with.
    """
    r = reader()
    locale = str(r.locale if r is not None else get_locale())
    name = region.name_in(locale)
    if locale == DEFAULT or region.names.get(locale):
        return escape(name)
    return Markup('<span lang="%s">%s</span>') % (DEFAULT, name)


def month_name(month: str) -> str:
    """"2026-11" as the reader's language writes a month ("marraskuu 2026")."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(dt.date(year, number, 1), "LLLL yyyy")
