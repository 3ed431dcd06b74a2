"""Issue 15, item 14: the reports page offers its issues as a CSV file in the reader's
language: semicolons, Finnish or Swedish headers and names for Finnish and Swedish readers
(a spreadsheet set to their locale splits on semicolons), commas in English; UTF-8 with a
byte-order mark; the page's filters and the reader's visibility; nothing a spreadsheet
would run as a formula."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy.orm import Session

from escalation.db import utcnow
from tests.factories import World, issue_in
from tests.web.conftest import SignIn

HOSTILE = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1:A2)"]


def _csv(body: bytes, delimiter: str) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # so Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def _population(session: Session, world: World) -> None:
    issue_in(session, world, "submitted", category="funding")
    decided = issue_in(session, world, "decided")
    decided.title = HOSTILE[0]
    for title in HOSTILE[1:]:
        issue_in(session, world, "submitted", title=title)
    late = issue_in(session, world, "awaiting_statement")
    late.due_at = utcnow().replace(year=2020)
    issue_in(session, world, "submitted", visibility="restricted", lead=world.other_lead,
             region="pirkanmaa")
    session.flush()


@pytest.mark.parametrize(("language", "delimiter", "header", "words"), [
    ("fi", ";", ["Tunnus", "Otsikko", "Vaihe", "Alueen koodi", "Alue"],
     {"Taustatuen käsittelyssä", "Tulkinta annettu", "Uusimaa", "Kyllä", "Ei"}),
    ("sv", ";", ["Referens", "Rubrik", "Skede", "Regionkod", "Region"],
     {"Nyland", "Ja", "Nej"}),
    ("en", ",", ["Reference", "Title", "Stage", "Region code", "Region"],
     {"Uusimaa", "Yes", "No"}),
])
def test_the_download_speaks_the_readers_language(
        sign_in: SignIn, session: Session, world: World, language: str, delimiter: str,
        header: list[str], words: set[str]) -> None:
    _population(session, world)
    c = sign_in("coordinator")
    page = c.get("/reports/", headers={"Accept-Language": language}).get_data(as_text=True)
    link = re.search(r'<a href="(/reports/issues\.csv[^"]*)" download>', page)
    assert link is not None
    answer = c.get(link.group(1), headers={"Accept-Language": language})
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    rows = _csv(answer.data, delimiter)
    assert rows[0][:5] == header
    assert len({len(r) for r in rows}) == 1  # every row split into the same columns
    cells = {cell for row in rows[1:] for cell in row}
    assert words <= cells, words - cells
    # The names are the reader's, never the codes.
    assert not {"submitted", "clarified", "uusimaa"} & (cells - {r[3] for r in rows[1:]})
    total = re.search(r'<a href="/lists/all">(\d+)</a>', page)
    assert total is not None
    assert len(rows) - 1 == int(total.group(1))


def test_the_download_keeps_the_pages_filters_and_visibility(
        sign_in: SignIn, session: Session, world: World) -> None:
    _population(session, world)
    coordinator, lead = sign_in("coordinator"), sign_in("lead")
    only = _csv(coordinator.get("/reports/issues.csv?region=pirkanmaa").data, ";")
    assert [r[3] for r in only[1:]] == ["pirkanmaa"]
    everyone = _csv(coordinator.get("/reports/issues.csv").data, ";")
    theirs = _csv(lead.get("/reports/issues.csv").data, ";")
    assert len(everyone) - len(theirs) == 1  # the other region's restricted issue
    assert "pirkanmaa" not in {r[3] for r in theirs[1:]}
    assert len(_csv(coordinator.get("/reports/issues.csv?from=2020-01-01&to=2020-12-31"
                                     ).data, ";")) == 1  # the header alone
    page = coordinator.get("/reports/?region=pirkanmaa&from=2020-01-01").get_data(as_text=True)
    assert 'href="/reports/issues.csv?region=pirkanmaa&amp;from=2020-01-01"' in page


def test_a_bad_filter_is_explained_on_the_page_not_half_a_file(
        sign_in: SignIn, session: Session, world: World) -> None:
    c = sign_in("coordinator")
    bad = c.get("/reports/issues.csv?from=2026-12-01&to=2026-01-01",
                headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    assert bad.mimetype == "text/html"
    assert 'id="from-error"' in bad.get_data(as_text=True)
    assert c.get("/reports/issues.csv?from=yesterday").status_code == 422


def test_no_cell_starts_a_formula(sign_in: SignIn, session: Session, world: World) -> None:
    _population(session, world)
    for language, delimiter in (("fi", ";"), ("en", ",")):
        rows = _csv(sign_in("coordinator").get(
            "/reports/issues.csv", headers={"Accept-Language": language}).data, delimiter)
        titles = {row[1] for row in rows[1:]}
        assert {"'" + t for t in HOSTILE} <= titles, titles
        assert not [cell for row in rows for cell in row if cell and cell[0] in "=+-@"]


def test_the_api_export_keeps_its_contract(sign_in: SignIn, session: Session,
                                           world: World) -> None:
    """The shared code did not change the API's file: codes and the contract's columns."""
    _population(session, world)
    answer = sign_in("coordinator").get("/api/v1/reports/issues.csv",
                                        headers={"Accept-Language": "fi"})
    rows = _csv(answer.data, ",")
    assert rows[0][:4] == ["reference", "title", "state", "region"]
    assert {"submitted", "decided"} <= {r[2] for r in rows[1:]}
    assert {"yes", "no"} >= {r[12] for r in rows[1:]}
