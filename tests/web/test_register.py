"""The public register's pages, feed and open data (issue 18): what they say, their formats,
their caching, and the statement's public choice on the form and in the API."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api.web.register import COLUMNS, JSON_KEYS, LICENCE_NAME, LICENCE_URL
from escalation.models import Statement
from escalation.services import issues
from tests.factories import REQUEST, World, asked, asked_of, issue_in, new_issue
from tests.web.conftest import SignIn

ATOM = "{http://www.w3.org/2005/Atom}"
DOC = Path(__file__).resolve().parents[2] / "docs" / "open-data.md"


def _answered(session: Session, world: World) -> tuple[str, str]:
    decided = issue_in(session, world, "decided", title="Lapsen etu päätöksessä",
                       rights_dimensions=["best_interests"])
    closed = issue_in(session, world, "closed", region="pirkanmaa", lead=world.other_lead,
                      category="funding", title="Perhekeskusten rahoitus")
    return decided.reference, closed.reference


def test_the_list_and_the_page_say_what_the_register_holds(
        session: Session, world: World, client: FlaskClient) -> None:
    decided, _closed = _answered(session, world)
    page = client.get("/julkiset").get_data(as_text=True)
    assert "Lapsen etu päätöksessä" in page
    assert "Perhekeskusten rahoitus" in page
    assert '/julkiset/tilaa"' in page  # the subscription, unfiltered
    filtered = client.get("/julkiset?region=pirkanmaa").get_data(as_text=True)
    assert "Perhekeskusten rahoitus" in filtered
    assert "Lapsen etu päätöksessä" not in filtered
    assert "/julkiset/tilaa?region=pirkanmaa" in filtered
    assert "/julkiset/syote.atom?region=pirkanmaa" in filtered
    one = client.get(f"/julkiset/{decided}").get_data(as_text=True)
    assert "Tulkinta annettu." in one  # the rationale
    assert client.get("/julkiset?category=nope").status_code == 400
    assert client.get("/julkiset/ESC-1999-0001").status_code == 404


def test_a_search_marks_the_words_it_found_in_each_answer(
        session: Session, world: World, client: FlaskClient) -> None:
    """"lapsen etu" finds "Lapsen etu päätöksessä" and marks its words; an unsearched list
    marks nothing. Hostile text in a title is escaped, marked or not."""
    _answered(session, world)
    issue_in(session, world, "decided", title="<b>Lapsen</b> edun arviointi",
             rights_dimensions=["best_interests"])
    page = client.get("/julkiset?q=lapsen+etu").get_data(as_text=True)
    assert "<mark>Lapsen</mark> <mark>etu</mark> päätöksessä" in page
    assert "&lt;b&gt;<mark>Lapsen</mark>&lt;/b&gt; <mark>edun</mark> arviointi" in page
    assert "<b>" not in page
    assert "Perhekeskusten rahoitus" not in page
    assert "<mark>" not in client.get("/julkiset").get_data(as_text=True)



def test_the_language_is_chosen_by_link_without_a_cookie(
        session: Session, world: World, client: FlaskClient) -> None:
    _answered(session, world)
    fi = client.get("/julkiset")
    sv = client.get("/julkiset?lang=sv")
    assert '<html lang="fi">' in fi.get_data(as_text=True)
    body = sv.get_data(as_text=True)
    assert '<html lang="sv">' in body
    assert "Set-Cookie" not in fi.headers
    assert "Set-Cookie" not in sv.headers
    # Links on the page keep the language chosen.
    assert re.search(r'href="/julkiset/ESC-\d{4}-\d{4}\?lang=sv"', body)
    english = client.get("/julkiset", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_caching_etag_304_and_headers(session: Session, world: World, client: FlaskClient,
                                      sign_in: SignIn) -> None:
    decided, _ = _answered(session, world)
    for url in ("/julkiset", f"/julkiset/{decided}", "/julkiset/syote.atom",
                "/julkiset/avoin-data.json", "/julkiset/avoin-data.csv", "/julkiset/avoin-data"):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first.headers["Cache-Control"] == "public, max-age=300", url
        assert {"Accept-Language", "Cookie"} <= set(first.vary), url
        etag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.headers["ETag"] == etag
        assert not again.get_data()
        # Another language is another copy.
        other = client.get(url, headers={"If-None-Match": etag, "Accept-Language": "sv"})
        assert other.status_code == 200, url
    # A change to a public issue makes every copy stale.
    etag = client.get("/julkiset").headers["ETag"]
    issue_in(session, world, "closed", title="Uusi vastaus")
    assert client.get("/julkiset", headers={"If-None-Match": etag}).status_code == 200
    # A signed-in reader's copy names them: private.
    signed = sign_in("observer").get("/julkiset")
    assert signed.headers["Cache-Control"] == "private, no-cache"


def test_the_feed_is_atom(session: Session, world: World, client: FlaskClient) -> None:
    decided, closed = _answered(session, world)
    for url, expected in (("/julkiset/syote.atom", {decided, closed}),
                          ("/julkiset/syote.atom?region=pirkanmaa", {closed}),
                          ("/julkiset/syote.atom?category=funding", {closed})):
        response = client.get(url)
        assert response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.get_data())  # noqa: S314 -- our own answer, in a test
        assert root.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert root.find(f"{ATOM}{required}") is not None
        assert LICENCE_URL in (root.findtext(f"{ATOM}rights") or "")
        entries = root.findall(f"{ATOM}entry")
        ids = set()
        for entry in entries:
            for required in ("id", "title", "updated"):
                assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
            ids.add(entry.findtext(f"{ATOM}id"))
        # Stable ids: each entry's permanent page.
        assert {i.rsplit("/", 1)[1] for i in ids if i} == expected, url
    assert client.get("/julkiset/syote.atom?region=Ei").status_code == 400


def test_open_data_csv_has_exactly_the_documented_columns(
        session: Session, world: World, client: FlaskClient) -> None:
    decided, closed = _answered(session, world)
    response = client.get("/julkiset/avoin-data.csv")
    assert response.mimetype == "text/csv"
    assert f'<{LICENCE_URL}>; rel="license"' in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == [name for name, _, _ in COLUMNS]
    by_ref = {r["reference"]: r for r in rows}
    assert set(by_ref) == {decided, closed}
    assert by_ref[decided]["answer_type"] == "decision"
    assert by_ref[decided]["outcome"] == "clarified"
    assert by_ref[decided]["rights_dimensions"] == "best_interests"
    assert by_ref[closed]["answer_type"] == "local_answer"
    assert by_ref[closed]["region"] == "pirkanmaa"


def test_open_data_json_matches_the_documented_schema(
        session: Session, world: World, client: FlaskClient) -> None:
    _decided, _ = _answered(session, world)
    body = json.loads(client.get("/julkiset/avoin-data.json").get_data())
    assert tuple(body) == JSON_KEYS
    assert (body["licence"], body["licence_url"]) == (LICENCE_NAME, LICENCE_URL)
    assert body["next"] is None
    kinds = {"string": str, "integer": int, "list of strings": list}
    for item in body["items"]:
        assert list(item) == [name for name, _, _ in COLUMNS]
        for name, kind, _ in COLUMNS:
            value = item[name]
            base = kind.split(" (")[0].removesuffix(" or empty")
            if value is None:
                assert "or empty" in kind, name
            else:
                assert isinstance(value, kinds[base]), name


def test_open_data_is_paged(session: Session, world: World, client: FlaskClient,
                            monkeypatch: object) -> None:
    from escalation.services import register
    _answered(session, world)
    monkeypatch.setattr(register, "OPEN_DATA_PER_PAGE", 1)  # type: ignore[attr-defined]
    first = json.loads(client.get("/julkiset/avoin-data.json").get_data())
    assert (len(first["items"]), first["total"]) == (1, 2)
    assert first["next"].endswith("/julkiset/avoin-data.json?page=2")
    second = client.get("/julkiset/avoin-data.json?page=2")
    assert 'rel="next"' not in second.headers["Link"]
    assert json.loads(second.get_data())["next"] is None


def test_the_documented_columns_are_the_files_columns() -> None:
    doc = DOC.read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+)` \| ", doc, flags=re.MULTILINE)
    assert documented == [name for name, _, _ in COLUMNS]
    assert LICENCE_NAME in doc


def _awaiting_statements(session: Session, world: World) -> str:
    issue = new_issue(session, world)
    for actor, action, data in ((world.lead, "submit", {}),
                                (world.coordinator, "forward", REQUEST)):
        issues.transition(session, issue.reference, actor=actor, action=action,
                          expected_version=issue.version,
                          data=asked(session, issue, action, asked_of(issue, action, data)))
    return issue.reference


def test_the_statement_form_gives_a_statement_as_public(
        session: Session, world: World, sign_in: SignIn) -> None:
    reference = _awaiting_statements(session, world)
    member = sign_in("member")
    page = member.get(f"/issues/{reference}").get_data(as_text=True)
    assert 'name="statement-public"' in page
    response = member.post(f"/issues/{reference}/statements", data={
        "statement-position": "supports", "statement-text": "Puoltaa.",
        "statement-public": "y", "statement-give": "1"})
    assert response.status_code in (302, 303)
    given = session.query(Statement).filter_by(organisation_id=world.member.organisation_id).one()
    assert given.public is True
    shown = member.get(f"/issues/{reference}").get_data(as_text=True)
    assert "Annettu julkisena" in shown or "Given as public" in shown


def test_hostile_and_odd_input_is_refused_or_harmless(
        session: Session, world: World, client: FlaskClient) -> None:
    _answered(session, world)
    for url in ("/julkiset?page=0", "/julkiset?page=abc", "/julkiset?page=51",
                "/julkiset?region=UUSIMAA", "/julkiset?dimension=x", "/julkiset?q=" + "a" * 201,
                "/julkiset/avoin-data.json?page=-1", "/julkiset/syote.atom?category=x"):
        assert client.get(url).status_code == 400, url
    for q in ("%", "_", "*", "<script>alert(1)</script>", "' OR 1=1 --"):
        response = client.get("/julkiset", query_string={"q": q})
        assert response.status_code == 200, q
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    # An unknown language is no language: the page is Finnish, and says so.
    assert '<html lang="fi">' in client.get("/julkiset?lang=xx").get_data(as_text=True)
