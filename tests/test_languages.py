"""One tuple of languages (escalation/languages.py) is what every layer accepts and offers:
the codes the database lets `users.locale` hold (a new one needs no migration), the CLI's
choices, the service's validation and the mails (the web switcher:
tests/web/test_languages.py); and region names by language."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

import click
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import cli
from escalation import languages, migrate
from escalation.errors import InvalidInput
from escalation.languages import DEFAULT, LANGUAGES, NAMES
from escalation.models import KnownLanguage
from escalation.notify import mail
from escalation.services import people

NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def test_the_tuple_is_well_formed() -> None:
    assert DEFAULT in LANGUAGES
    assert len(set(LANGUAGES)) == len(LANGUAGES)
    assert list(NAMES) == list(LANGUAGES)
    assert all(re.fullmatch(r"[a-z]{2,3}", code) for code in LANGUAGES)


def _add_person(session: Session, locale: str) -> None:
    """A person straight into the table, past the service: what the database itself allows."""
    with session.begin_nested():
        session.execute(text(
            "INSERT INTO users (email, name, locale, active, created_at, session_version) "
            "VALUES (:e, 'P', :l, :t, :at, 0)"),
            {"e": f"{locale}@example.fi", "l": locale, "t": True, "at": NOW})


def test_the_database_allows_the_tuple_and_refuses_the_rest(session: Session) -> None:
    assert set(session.scalars(select(KnownLanguage.code))) == set(LANGUAGES)  # by init-db
    for lang in LANGUAGES:
        _add_person(session, lang)
    with pytest.raises(IntegrityError):
        _add_person(session, "de")


def test_a_new_language_needs_no_migration(session: Session,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """What init-db does after the upgrade: the tuple's new code becomes a row, and the
    database takes people speaking it (the tuple is lengthened here as a developer would)."""
    monkeypatch.setattr(migrate, "LANGUAGES", (*LANGUAGES, "se"))
    migrate.write_languages(session.connection())
    migrate.write_languages(session.connection())  # twice: nothing written the second time
    assert set(session.scalars(select(KnownLanguage.code))) == {*LANGUAGES, "se"}
    _add_person(session, "se")


def _option(command: click.Command, name: str) -> click.Parameter:
    return next(p for p in command.params if p.name == name)


def test_the_cli_offers_the_tuple() -> None:
    locale = _option(cli.add_user, "locale")
    assert isinstance(locale.type, click.Choice)
    assert tuple(locale.type.choices) == LANGUAGES
    assert locale.default == DEFAULT
    names_in = _option(cli.add_region, "names_in")
    language = names_in.type.types[0]  # type: ignore[attr-defined]
    assert tuple(language.choices) == LANGUAGES


def test_the_service_accepts_the_tuple_and_refuses_the_rest(session: Session) -> None:
    for n, lang in enumerate(LANGUAGES):
        user = people.add_user(session, email=f"p{n}@example.fi", name="P", roles=["observer"],
                               locale=lang)
        assert user.locale == lang
    with pytest.raises(InvalidInput) as refused:
        people.add_user(session, email="de@example.fi", name="D", roles=["observer"],
                        locale="de")
    (problem,) = refused.value.errors["locale"]
    assert problem.params == {"choices": list(LANGUAGES)}  # type: ignore[attr-defined]



def _mail(locale: str, region: dict[str, str], due: dt.datetime | None = None) -> EmailMessage:
    notice = mail.Notice(kind="reminder", reference="ESC-2026-0001", title="Otsikko",
                         region=region, state="submitted", restricted=False, acting=True,
                         due_at=due)
    return mail.compose(notice, mail.Recipient("M", "m@example.fi", locale),
                        sender="noreply@example.fi", message_id="<x.1@example.fi>",
                        base_url="https://esc.example.fi", now=NOW)


def test_mails_speak_the_tuple_and_else_finnish() -> None:
    for lang in LANGUAGES:
        assert _mail(lang, {"fi": "Pohjanmaa"})["Content-Language"] == lang
    assert _mail("de", {"fi": "Pohjanmaa"})["Content-Language"] == DEFAULT


@pytest.mark.parametrize(("month", "fi", "sv", "en"), [
    (1, "5.1.2027", "5.1.2027", "5 Jan 2027"), (2, "5.2.2027", "5.2.2027", "5 Feb 2027"),
    (3, "5.3.2027", "5.3.2027", "5 Mar 2027"), (4, "5.4.2027", "5.4.2027", "5 Apr 2027"),
    (5, "5.5.2027", "5.5.2027", "5 May 2027"), (6, "5.6.2027", "5.6.2027", "5 Jun 2027"),
    (7, "5.7.2027", "5.7.2027", "5 Jul 2027"), (8, "5.8.2027", "5.8.2027", "5 Aug 2027"),
    (9, "5.9.2027", "5.9.2027", "5 Sep 2027"), (10, "5.10.2027", "5.10.2027", "5 Oct 2027"),
    (11, "5.11.2027", "5.11.2027", "5 Nov 2027"), (12, "5.12.2027", "5.12.2027", "5 Dec 2027"),
])
def test_a_due_date_is_written_as_before(month: int, fi: str, sv: str, en: str) -> None:
    """Babel's patterns write what the hand-written formats wrote, in every month; Swedish
    as Finland-Swedes write it, day.month.year (issue 15, item 11: a deliberate change
    from Sweden's ISO form)."""
    due = dt.datetime(2027, month, 5, 12, tzinfo=dt.UTC)
    got = {lang: mail.format_date(due, lang, mail.HELSINKI) for lang in LANGUAGES}
    assert got == {"fi": fi, "sv": sv, "en": en}
    assert mail.format_date(due, "de", mail.HELSINKI) == fi  # unknown: the default's way
    late = dt.datetime(2027, month, 4, 22, 30, tzinfo=dt.UTC)  # already the 5th in Helsinki
    assert mail.format_date(late, "fi", mail.HELSINKI) == fi


def test_a_region_name_falls_back_to_finnish() -> None:
    names = {"fi": "Pohjanmaa", "sv": "Österbotten"}
    assert [languages.name_in(names, lang) for lang in ("fi", "sv", "en", "de")] == [
        "Pohjanmaa", "Österbotten", "Pohjanmaa", "Pohjanmaa"]
    assert languages.name_in({"fi": "Kainuu", "sv": ""}, "sv") == "Kainuu"
    for lang in LANGUAGES:
        region = _mail(lang, names).get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert languages.name_in(names, lang) in region


def test_region_names_are_kept_per_language(session: Session) -> None:
    region = people.add_region(session, code="kainuu",
                               names={"sv": " Kajanaland ", "fi": "Kainuu", "en": ""})
    assert region.names == {"fi": "Kainuu", "sv": "Kajanaland"}  # trimmed, empty left out
    with pytest.raises(InvalidInput) as refused:
        people.add_region(session, code="lappi", names={"sv": "Lappland"})
    assert set(refused.value.errors) == {"name"}  # Finnish is required
    with pytest.raises(InvalidInput) as refused:
        people.add_region(session, code="lappi", names={"fi": "Lappi", "de": "Lappland"})
    assert set(refused.value.errors) == {"name_de"}


def test_a_moment_reads_the_same_way_in_each_language() -> None:
    """Issue 15, item 11: "6.12.2026 klo 8.24", "6.12.2026 kl. 8.24", "6 Dec 2026, 8:24"."""
    from escalation.languages import format_moment

    at = dt.datetime(2026, 12, 6, 8, 24, tzinfo=dt.UTC)  # as given: no zone change
    assert [format_moment(at, lang) for lang in ("fi", "sv", "en", "de")] == [
        "6.12.2026 klo 8.24", "6.12.2026 kl. 8.24", "6 Dec 2026, 8:24", "6.12.2026 klo 8.24"]
    assert format_moment(at.replace(hour=18, minute=5), "sv") == "6.12.2026 kl. 18.05"
