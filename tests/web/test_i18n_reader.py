"""The request's cached reader (locale, catalog, time zone) says exactly what Flask-Babel
(and, for dates and times, escalation/languages.py's one pattern per language) says for
the same dates, times, numbers, due phrases, labels and template texts, in every
language."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask, g
from flask_babel import (
    format_decimal,
    get_timezone,
    gettext,
    ngettext,
    to_user_timezone,
)
from markupsafe import escape

from api.web import i18n, labels
from escalation.languages import format_day, format_moment
from escalation.models import Region

NOW = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # just after the spring change in Helsinki
OFFSETS = [dt.timedelta(hours=h) for h in (-24 * 40, -49, -25, -1, 1, 22, 23, 24, 47, 24 * 9)]


def _babel_due_phrase(due_at: dt.datetime, now: dt.datetime) -> str:
    """The phrase as Flask-Babel's own calls write it (the cache-free path)."""
    tz = get_timezone()
    due_day, today = due_at.astimezone(tz).date(), now.astimezone(tz).date()
    if due_at < now:
        late = (today - due_day).days
        return (gettext("Was due today") if late <= 0 else
                ngettext("%(num)d day overdue", "%(num)d days overdue", late))
    ahead = (due_day - today).days
    if ahead <= 0:
        return gettext("Due today")
    if ahead == 1:
        return gettext("Due tomorrow")
    return ngettext("Due in %(num)d day", "Due in %(num)d days", ahead)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_reader_writes_what_flask_babel_writes(app: Flask, lang: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        for offset in OFFSETS:
            due = NOW + offset
            # The languages' own pattern (the mails' too), on the day in the reader's zone.
            assert i18n.date(due) == format_day(to_user_timezone(due).date(), lang)
            assert i18n.date(due.date()) == format_day(due.date(), lang)
            assert i18n.due_phrase(due, NOW) == _babel_due_phrase(due, NOW), offset
        for name, text in labels.STATES.items():
            assert labels.Labels.state(name) == str(text)
            assert labels.Labels.state(name) == str(text)  # the second time from the cache
        assert labels.Labels.choice("outcome", "no_action") == str(labels.OUTCOMES["no_action"])
        assert labels.Labels.choice("position", "x") == "x"
        region = Region(code="pirkanmaa", names={"fi": "Pirkanmaa", "sv": "Birkaland"})
        assert i18n.region_name(region) == ("Birkaland" if lang == "sv" else "Pirkanmaa")
        assert isinstance(g.get("_i18n_reader"), i18n.Reader)  # one reader, kept for the request


def test_no_reader_outside_a_request(app: Flask) -> None:
    with app.app_context():
        assert i18n.reader() is None
        assert i18n.date(None) == ""


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_dates_numbers_and_template_texts_are_flask_babels(app: Flask, lang: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        for offset in OFFSETS:
            when = NOW + offset
            assert i18n.datetime(when) == format_moment(to_user_timezone(when), lang)
            assert i18n.datetime(when.replace(tzinfo=None)) == format_moment(
                to_user_timezone(when), lang)
        for n in (0, 1, 7, 1234, 1234567, 2.5):
            assert i18n.number(n) == format_decimal(n)
        template = app.jinja_env.from_string(
            '{{ _("Decision") }}|{{ _("Round %(round)s, %(date)s, %(name)s", round=2, '
            'date="x", name="<b>") }}|{{ ngettext("%(num)d issue awaits.", '
            '"%(num)d issues await.", 3) }}')
        assert template.render() == "|".join([
            gettext("Decision"),
            str(escape(gettext("Round %(round)s, %(date)s, %(name)s", round=2, date="x",
                               name="<b>"))),
            ngettext("%(num)d issue awaits.", "%(num)d issues await.", 3)])


def test_labels_are_kept_per_language_and_only_for_lasting_tables(app: Flask) -> None:
    said = {}
    for lang in (*i18n.LANGUAGES, *i18n.LANGUAGES):  # each language twice: the cache
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            text = labels.Labels.state("closed")
            assert text == str(labels.STATES["closed"])
            said.setdefault(lang, text)
            assert said[lang] == text
            passing = {"x": labels.STATES["closed"]}  # a table made for one request
            assert labels.label(passing, "x") == text
    assert len(set(said.values())) == 3  # no language was given another's label
    kept = app.extensions["escalation_labels"]
    assert set(kept) == set(i18n.LANGUAGES)
    assert all(table is labels.STATES for entries in kept.values()
               for table, _ in entries.values())
