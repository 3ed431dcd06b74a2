"""Search through the list (`IssueFilter.q`) and similar questions (issue 18, items 1 and
2): inflected forms found, best first, exactly what the list shows, the index kept with
every change of an indexed text, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from escalation import db, search_index
from escalation.models import AuditEvent, Issue, SearchDocument
from escalation.policy import Actor, visible_filter
from escalation.services import issues, redaction, register, search, statements
from escalation.services.queries import IssueFilter, list_issues
from tests.factories import World, issue_in, new_issue

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


def found(session: Session, actor: Actor, q: str, sort: str | None = None) -> list[str]:
    page = list_issues(session, actor=actor, filters=IssueFilter(q=q), sort=sort,
                       per_page=200, now=NOW)
    return [i.reference for i in page.items]


def test_inflected_forms_are_found(session: Session, world: World) -> None:
    edun = issue_in(session, world, "submitted", title="Lapsen edun arviointi",
                    description="Miten lapsen etu arvioidaan sijoituksessa?")
    etuja = issue_in(session, world, "submitted", title="Lasten etuja koskeva kysymys",
                     description="Kunnan menettely.")
    huoltaja = issue_in(session, world, "submitted", title="Suostumus hoitoon",
                        description="Tarvitaanko huoltajan suostumusta?")
    barn = issue_in(session, world, "submitted", title="Barnens bästa i skolan",
                    description="Hur bedöms barnets bästa?")
    other = issue_in(session, world, "submitted", title="Perhekeskusten rahoitus",
                     description="Rahoitus.")
    c = world.coordinator
    assert set(found(session, c, "lapsen etu")) == {edun.reference, etuja.reference}
    assert found(session, c, "huoltaja") == [huoltaja.reference]
    assert found(session, c, "barnets bästa") == [barn.reference]
    assert found(session, c, "skola") == [barn.reference]
    # Every word must match: "etu" alone is in two, "rahoitus etu" in none.
    assert found(session, c, "rahoitus etu") == []
    # The reference still finds its issue.
    assert found(session, c, other.reference) == [other.reference]
    assert found(session, c, other.reference.lower()) == [other.reference]


def test_best_matches_first_unless_a_sort_is_asked(session: Session, world: World) -> None:
    in_text = issue_in(session, world, "submitted", title="Toimeentulotuki",
                       description="Kysymys koskee myös huostaanottoa sivulauseessa.")
    in_title = issue_in(session, world, "submitted", title="Huostaanoton perusteet",
                        description="Huostaanotto ja huostaanoton purku; huostaanotot.")
    c = world.coordinator
    assert found(session, c, "huostaanotto") == [in_title.reference, in_text.reference]
    # An explicit sort is kept: the oldest created first.
    assert found(session, c, "huostaanotto", sort="created_at") == [
        in_text.reference, in_title.reference]


def test_search_shows_what_the_list_shows(session: Session, world: World) -> None:
    restricted = issue_in(session, world, "submitted", title="Salainen sijoituspäätös",
                          visibility="restricted")
    public = issue_in(session, world, "submitted", title="Julkinen sijoituspäätös")
    draft = new_issue(session, world, title="Luonnos sijoituspäätöksestä")
    # Pirkanmaa's lead: another region's restricted issue and draft stay hidden.
    assert found(session, world.other_lead, "sijoituspäätös") == [public.reference]
    assert set(found(session, world.lead, "sijoituspäätös")) == {
        restricted.reference, public.reference, draft.reference}
    assert set(found(session, world.coordinator, "sijoituspäätös")) == {
        restricted.reference, public.reference}


def test_statement_text_only_as_the_issue_page_shows_it(session: Session,
                                                        world: World) -> None:
    issue = issue_in(session, world, "awaiting_statement", title="Koulukuljetus")
    statements.add_statement(session, issue.reference, actor=world.chair,
                             position="supports", text="Kyydityksen turvallisuus ratkaisee.",
                             send=False)
    # A draft statement is its organisation's alone: nobody finds the issue by its text.
    for reader in (world.coordinator, world.lead, world.chair):
        assert found(session, reader, "kyydityksen turvallisuus") == []
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Oppilaan turvallisuus ensin.")
    # Sent: the issue page shows it to everyone who sees the issue; so does search.
    assert found(session, world.coordinator, "oppilaan turvallisuus") == [issue.reference]
    assert found(session, world.other_lead, "oppilas") == [issue.reference]


def test_the_index_follows_every_text_change(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", title="Ensimmäinen otsikko",
                     description="Alkuperäinen kuvaus.")
    c = world.coordinator
    assert found(session, c, "otsikko") == [issue.reference]
    closed = issue_in(session, world, "closed")
    # The local answer of the factory's path: "Vastaus annettu alueelle."
    assert closed.reference in found(session, c, "alue vastaus")
    decided = issue_in(session, world, "decided")
    assert decided.reference in found(session, c, "tulkinta annettu")  # its rationale

    draft = new_issue(session, world, title="Muokattava luonnos", description="Kuvaus.",
                      legal_references=["Perhehoitolaki 5 §"])
    assert found(session, world.lead, "perhehoitolaki") == [draft.reference]
    issues.edit(session, draft.reference, actor=world.lead, expected_version=draft.version,
                changes={"title": "Perhehoidon palkkio", "legal_references": []})
    assert found(session, world.lead, "muokattava") == []
    assert found(session, world.lead, "perhehoito palkkio") == [draft.reference]
    assert found(session, world.lead, "perhehoitolaki") == []


def test_redacted_text_leaves_the_index(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted", title="Asia",
                     description="Lapsen nimi on Väinämöinen Kalevanpoika.")
    c = world.coordinator
    assert found(session, c, "väinämöinen") == [issue.reference]
    create = session.scalar(select(AuditEvent).where(AuditEvent.issue_id == issue.id,
                                                     AuditEvent.action == "create"))
    assert create is not None
    redaction.redact(session, issue.reference, actor=c, event_seq=create.seq,
                     field="description", reason="Lapsen nimi.",
                     expected_version=issue.version)
    assert found(session, c, "väinämöinen") == []
    assert found(session, c, "kalevanpoika") == []


def test_the_commit_writes_the_index_in_the_same_transaction(session: Session,
                                                             world: World) -> None:
    issue = new_issue(session, world, title="Perhetyön resurssit")
    session.commit()  # the test's savepoint: the commit's own hook runs
    row = session.get(SearchDocument, issue.id)
    assert row is not None
    assert session.info.get(search_index.PENDING) is None
    gone = new_issue(session, world, title="Peruttava").id
    session.rollback()
    assert session.get(SearchDocument, gone) is None
    assert session.info.get(search_index.PENDING) is None
    assert db  # the session is db.OutboxSession, whose commit() calls the index


def test_reindex_all_rebuilds_what_the_changes_wrote(session: Session, world: World) -> None:
    issue_in(session, world, "decided", title="Kuntien yhteistyö")
    issue_in(session, world, "submitted", title="Lasten oikeudet")
    search_index.flush_pending(session)
    before = {r.issue_id: (str(r.doc), str(r.statements))
              for r in session.scalars(select(SearchDocument))}
    assert search_index.reindex_all(session) == len(before) == session.query(Issue).count()
    session.expire_all()
    after = {r.issue_id: (str(r.doc), str(r.statements))
             for r in session.scalars(select(SearchDocument))}
    assert after == before


def test_similar_questions_from_every_region_the_lead_sees(session: Session,
                                                           world: World) -> None:
    theirs = issue_in(session, world, "closed", lead=world.other_lead, region="pirkanmaa",
                      title="Lapsen edun arviointi sijoituksessa",
                      description="Miten lapsen etu arvioidaan, kun sijoituspaikka vaihtuu?")
    hidden = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
                      title="Lapsen edun arviointi sijoituksessa", visibility="restricted")
    withdrawn = issue_in(session, world, "withdrawn", title="Lapsen etu sijoituksessa")
    draft = new_issue(session, world, title="Lapsen etu sijoituksessa")
    unrelated = issue_in(session, world, "submitted", title="Koulukuljetukset",
                         description="Kuljetusten kilpailutus.")
    got = search.similar(session, actor=world.lead, title="Lasten etu sijoitusten jälkeen",
                         description="Kun lapsi sijoitetaan, miten etu arvioidaan?")
    refs = [i.reference for i in got]
    assert refs[0] == theirs.reference
    assert hidden.reference not in refs
    assert withdrawn.reference not in refs
    assert draft.reference not in refs
    assert unrelated.reference not in refs
    assert search.answer_of(got[0]) == "Vastaus annettu alueelle."
    assert search.similar(session, actor=world.lead, title="ja tai", description="") == []
    assert len(search.similar(session, actor=world.coordinator, title="lapsen etu",
                              description="", limit=1)) == 1


def test_the_passage_marks_the_matching_words() -> None:
    pieces = search.passage(["", "Arvioidaan lapsen edun mukaisesti <b>heti</b>."],
                            "lapsen etu")
    assert [p.text for p in pieces if p.hit] == ["lapsen", "edun"]
    assert "".join(p.text for p in pieces) == "Arvioidaan lapsen edun mukaisesti <b>heti</b>."
    long = " ".join(["sana"] * 100 + ["etu"] + ["sana"] * 100)
    cut = search.passage([long], "etu", words_around=10)
    assert cut[0].text == "… "
    assert cut[-1].text == " …"
    assert [p.text for p in cut if p.hit] == ["etu"]
    assert [p.text for p in search.passage(["Ei osumaa."], "etu")] == [
        "Ei", " ", "osumaa", "."]


def test_newest_matches_are_exactly_the_newest_the_reader_may_see(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """`search.newest` reads the matches newest first in batches, each checked against
    the conditions, until enough pass: its answer is the same as reading every match
    (issue 18 at a million issues), whatever the batch it stopped at."""
    made = []
    for i in range(9):
        theirs = {"lead": world.other_lead, "region": "pirkanmaa",
                  "visibility": "restricted"} if i % 3 == 0 else {}
        made.append(issue_in(session, world, "submitted", title=f"Perhehoito {i}", **theirs))
        # Issues without the word between them: the matches are sparse among the ids.
        for _ in range(2):
            issue_in(session, world, "submitted", title="Koulukuljetus")
    monkeypatch.setattr(search, "NEWEST_BATCH_MAX", 2)  # after the first, batches of two
    found = search.text_match(session, world.lead, "perhehoidon")
    assert found is not None
    seen = [i.id for i in reversed(made) if i.visibility != "restricted"]
    every = [i.id for i in reversed(made)]
    assert search.newest(session, found, 4) == every[:4]
    assert search.newest(session, found, 4, where=[visible_filter(world.lead)]) == seen[:4]
    assert search.newest(session, found, 50, where=[visible_filter(world.lead)]) == seen
    assert search.newest(session, found, 0) == []


def test_a_broad_search_ranks_and_counts_a_bounded_set(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list with `q` and no sort: the best of the newest COUNT_AT_MOST matches the
    reader may see, and a total counted so far (one more: "more than")."""
    older = [issue_in(session, world, "submitted", title="Perhehoito ja perhehoidon tuki",
                      description="Perhehoito.") for _ in range(2)]
    newer = [issue_in(session, world, "submitted", title="Kysymys",
                      description=f"Perhehoito {i}.") for i in range(3)]
    hidden = issue_in(session, world, "submitted", title="Perhehoito", lead=world.other_lead,
                      region="pirkanmaa", visibility="restricted")
    monkeypatch.setattr(search, "COUNT_AT_MOST", 2)
    page = list_issues(session, actor=world.other_lead, filters=IssueFilter(q="perhehoito"),
                       per_page=20, now=NOW)
    # The newest two of what Pirkanmaa's lead sees (their own restricted one among them),
    # best first; "more than two" matched.
    assert [i.reference for i in page.items] == [hidden.reference, newer[2].reference]
    assert page.total == 3
    page = list_issues(session, actor=world.lead, filters=IssueFilter(q="perhehoito"),
                       per_page=20, now=NOW)
    assert [i.reference for i in page.items] == [newer[2].reference, newer[1].reference]
    # With a sort, every match is listed and counted.
    page = list_issues(session, actor=world.lead, filters=IssueFilter(q="perhehoito"),
                       sort="created_at", per_page=20, now=NOW)
    assert [i.reference for i in page.items] == [
        *(i.reference for i in older), *(i.reference for i in newer)]
    assert page.total == 5


def test_similar_questions_are_found_by_the_drafts_rarest_words(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The candidates share two of the draft's rarest words (PostgreSQL's statistics of
    the index say which are common); a word most issues hold is left out of the pairs
    (at a million issues its list of matches is what costs). Without statistics
    (SQLite), the longest words."""
    for i in range(10):
        issue_in(session, world, "submitted", title=f"Lastensuojelu {i}",
                 description="Lastensuojelun asiakkuus.")
    common_and_rare = issue_in(session, world, "submitted", title="Lastensuojelu ja koulukyyti")
    two_rare = issue_in(session, world, "submitted", title="Koulukyyti ja iltapäivähoito")
    search_index.flush_pending(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE search_documents"))
    monkeypatch.setattr(search, "_SHARES", {})
    monkeypatch.setattr(search, "SIMILAR_RARE_WORDS", 2)
    got = [i.reference for i in search.similar(
        session, actor=world.coordinator, title="Lastensuojelu, koulukyyti, iltapäivähoito",
        description="")]
    if session.get_bind().dialect.name == "postgresql":
        assert got == [two_rare.reference]
    else:  # the two longest, "iltapäivähoito" and "lastensuojelu": in no issue together
        assert got == []
    monkeypatch.setattr(search, "SIMILAR_RARE_WORDS", 8)  # every word's pairs
    assert {i.reference for i in search.similar(
        session, actor=world.coordinator, title="Lastensuojelu, koulukyyti, iltapäivähoito",
        description="")} == {common_and_rare.reference, two_rare.reference}


def test_newest_walks_where_the_words_are_common_and_stays_exact(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the statistics say the words are common, `newest` walks the newest ids
    (as many as the share says it needs), then takes the rest from the index: the same
    answer either way."""
    made = [issue_in(session, world, "submitted", title=f"Perhehoito {i}") for i in range(5)]
    for _ in range(6):
        issue_in(session, world, "submitted", title="Koulukuljetus")
    found = search.text_match(session, world.coordinator, "perhehoito")
    assert found is not None
    every = [i.id for i in reversed(made)]
    monkeypatch.setattr(search, "share", lambda _session, _clauses: 1.0)
    monkeypatch.setattr(search, "WALK_MARGIN", 1)  # the walk covers the newest n ids
    assert search.newest(session, found, 3) == every[:3]
    assert search.newest(session, found, 5) == every
    # The walk over the newest three ids found none: candidates come from the index too.
    assert search.newest(session, found, 3, exact=False) == every[:3]


def test_dense_takes_the_words_together_as_the_statistics_say(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Words common apart may be rare together: "perhekeskus rahoitus" (each in 7 % of a
    million documents) took 5 s on the register's walk. `dense` multiplies the shares."""
    shares = {"perhekeskus": 0.07, "rahoitus": 0.07, "lapsi": 1.0, "lapsen": 1.0,
              "koulu": 0.13}
    monkeypatch.setattr(search, "_term_shares", lambda _session: shares)
    monkeypatch.setattr(search, "_postgres", lambda _session: True)

    def dense(q: str) -> bool:
        found = search.text_match(session, world.coordinator, q)
        assert found is not None
        return search.dense(session, found)

    assert dense("lapsen koulu")  # 1.0 x 0.13
    assert not dense("perhekeskus rahoitus")  # 0.07 x 0.07 = 0.0049
    assert not dense("harvinaisuus")  # not among the common terms
    assert search.share(session, [search.groups("perhekeskus rahoitus")]) == 0.07


@pytest.mark.parametrize("dense", [True, False])
def test_rare_words_listed_first_find_the_same(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch, dense: bool) -> None:
    """The list, a sorted API list, the register and the reports' condition find the same
    issues whether the matches are listed first (rare words) or tested in the walk."""
    made = [issue_in(session, world, state, title=f"Perhekeskuksen rahoitus {i}",
                     region=region, lead=lead)
            for i, (state, region, lead) in enumerate([
                ("submitted", "uusimaa", world.lead), ("decided", "uusimaa", world.lead),
                ("closed", "pirkanmaa", world.other_lead), ("draft", "uusimaa", world.lead)])]
    issue_in(session, world, "closed", title="Koulukuljetus")
    monkeypatch.setattr(search, "dense", lambda _session, _found: dense)
    lead = found(session, world.lead, "perhekeskus rahoitus", sort="-updated_at")
    coordinator = found(session, world.coordinator, "perhekeskus rahoitus", sort="-updated_at")
    assert lead == [i.reference for i in reversed(made)]  # the lead's own draft too
    assert coordinator == [i.reference for i in reversed(made[:3])]  # not the draft
    public = register.answers(session, register.Filters(q="perhekeskus rahoitus"), now=NOW,
                              cap=register.COUNT_CAP)
    assert [e.reference for e in public.entries] == [made[2].reference, made[1].reference]
    assert public.total == 2
    assert register.answers(session, register.Filters(q="harvinaisuus"), now=NOW,
                            cap=register.COUNT_CAP).total == 0
