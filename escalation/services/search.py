"""Search: what `IssueFilter.q` matches and how it ranks, similar questions, and the
passage of a hit with its matching words marked (issue 18, items 1 and 2).

A query is its words, each a set of analysed terms (escalation/analyser.py); an issue
matches when it holds a term of every word (base forms: "lapsen etu" finds "lasten
etuja"). The terms are kept in `search_documents` (escalation/search_index.py): on
PostgreSQL tsvectors searched with a tsquery through their GIN index and ranked with
ts_rank_cd; on SQLite the FTS5 table `search_fts`, ranked with bm25. The caller adds the
visibility (`visible_filter`), so a search shows exactly what the list would.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session, joinedload, load_only
from sqlalchemy.sql import Select, Subquery
from sqlalchemy.types import Float, Text

from escalation import analyser, search_index
from escalation.errors import InvalidInput
from escalation.models import Decision, Issue
from escalation.policy import Actor, visible_filter
from escalation.workflow.states import DRAFT, WITHDRAWN

if TYPE_CHECKING:
    from escalation.services.queries import Page

DOCUMENTS = search_index.DOCUMENTS
# Of a long description, the beginning says what it is about.
SIMILAR_TEXT_MAX = 2000
# A draft's words beyond these add little and cost a slower OR.
SIMILAR_WORDS_MAX = 8
SIMILAR_CANDIDATES = 200
# Similar questions are found by pairs of this many of the draft's rarest words.
SIMILAR_RARE_WORDS = 5
# PostgreSQL's statistics of the index's terms are read again after this many seconds.
SHARES_FOR = 600.0
# The search page and the list with `q` count their hits up to this many, then say "more
# than"; the page ranks the newest RANK_AMONG matches (each costs a ts_rank_cd, tens of
# µs on PostgreSQL), the list all it counted. At a million issues, the newest 1,001
# matches of two common words took 40 ms to find on a busy machine, 200 a fifth of it.
COUNT_AT_MOST = 200
RANK_AMONG = 100
# `newest` reads the matches in batches of at most this many; it walks the documents
# newest first where the words are in at least WALK_SHARE of them, over the newest
# WALK_MARGIN times as many as the share says it needs.
NEWEST_BATCH_MAX = 5000
WALK_SHARE = 0.02
WALK_MARGIN = 4
SIMILAR_MIN_LENGTH = 3
# A passage: this many words around the first match.
PASSAGE_WORDS = 30
ANSWER_CHARS = 300


def sees_statements(actor: Actor) -> bool:
    """Whether statement text is searched for `actor`: as the issue page shows it
    (services/reading.py): a sent or withdrawn statement to everyone who sees the issue;
    a draft only to its own organisation, and drafts are never indexed."""
    return bool(actor.roles)


def groups(q: str | None) -> list[frozenset[str]]:
    """The query's words as sets of terms; [] for a query without words."""
    return analyser.query_groups(q) if q else []


@dataclass(frozen=True)
class Match:
    """A search: its condition on issues, and the matching issues with their rank (higher
    is better) as a subquery (`issue_id`, `rank`) to join, so each match is ranked in the
    same scan that finds it."""

    condition: ColumnElement[bool]
    hits: Subquery
    ids: Select[Any]  # the matching issues' ids, unranked
    key: ColumnElement[int]  # the issue id's column in `ids`, to narrow it to a range
    ranked: Callable[[Select[Any] | list[int]], Subquery]  # some ids with their rank
    clauses: Sequence[Sequence[frozenset[str]]] = ()  # what it searches for


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _tsquery(clauses: Sequence[Sequence[frozenset[str]]]) -> str:
    """A tsquery's text: any of the clauses, each every one of its term groups; terms
    quoted, so none is parsed again."""
    return " | ".join(
        "(" + " & ".join("(" + " | ".join(f"'{t}'" for t in sorted(g)) + ")" for g in clause)
        + ")" for clause in clauses)


def _fts5(clauses: Sequence[Sequence[frozenset[str]]], columns: str) -> str:
    """The same as an FTS5 MATCH expression, limited to `columns`."""
    body = " OR ".join(
        "(" + " AND ".join("(" + " OR ".join(f'"{t}"' for t in sorted(g)) + ")"
                           for g in clause) + ")" for clause in clauses)
    return f"{{{columns}}} : ({body})"


def match(session: Session, *, actor: Actor | None,
          clauses: Sequence[Sequence[frozenset[str]]]) -> Match:
    """Issues whose terms meet any of the clauses (a clause: every one of its word groups).

    Touched issues are indexed first, so a search sees this transaction's own changes
    (as a query sees its unflushed rows after autoflush). Ranked over the issue's own
    texts (PostgreSQL: `doc`, the title weighted; SQLite: bm25 over both columns).

    Without a reader (`actor` None: the public register) statement text is not searched:
    a statement not given as public must not be found by its words either."""
    search_index.flush_pending(session)
    statements = actor is not None and sees_statements(actor)
    if _postgres(session):
        terms = (DOCUMENTS.c.doc.op("||")(DOCUMENTS.c.statements) if statements
                 else DOCUMENTS.c.doc)
        query = sql_cast(bindparam("search_q", _tsquery(clauses), type_=Text(), unique=True),
                         TSQUERY())
        where = terms.op("@@")(query)
        found = select(DOCUMENTS.c.issue_id).where(where)
        rank = func.ts_rank_cd(DOCUMENTS.c.doc, query, 1, type_=Float()).label("rank")
        hits = select(DOCUMENTS.c.issue_id.label("issue_id"), rank).where(where).subquery("hits")

        def ranked(ids: Select[Any] | list[int]) -> Subquery:
            return (select(DOCUMENTS.c.issue_id.label("issue_id"), rank)
                    .where(DOCUMENTS.c.issue_id.in_(ids)).subquery("ranked"))

        return Match(Issue.id.in_(found), hits, found, DOCUMENTS.c.issue_id, ranked, clauses)
    columns = "doc statements" if statements else "doc"
    expression = bindparam("search_q", _fts5(clauses, columns), type_=Text(), unique=True)
    fts = table("search_fts", column("rowid"))
    matches = literal_column("search_fts").op("MATCH")(expression)
    bm25 = (-func.bm25(literal_column("search_fts"), type_=Float())).label("rank")
    hits_fts = (select(fts.c.rowid.label("issue_id"), bm25).select_from(fts).where(matches)
                .subquery("hits"))

    def ranked_fts(ids: Select[Any] | list[int]) -> Subquery:
        return (select(fts.c.rowid.label("issue_id"), bm25).select_from(fts)
                .where(matches, fts.c.rowid.in_(ids)).subquery("ranked"))

    found_fts: Select[Any] = select(fts.c.rowid).where(matches)
    return Match(Issue.id.in_(found_fts), hits_fts, found_fts, fts.c.rowid, ranked_fts,
                 clauses)


def text_match(session: Session, actor: Actor | None, q: str) -> Match | None:
    """`IssueFilter.q`: every word of `q`, or None when it has no words (no filter)."""
    word_groups = groups(q)
    if not word_groups:
        return None
    return match(session, actor=actor, clauses=[word_groups])


def share(session: Session, clauses: Sequence[Sequence[frozenset[str]]]) -> float:
    """At most what share of the documents match the clauses, by PostgreSQL's statistics
    of the index's terms (`_term_shares`): a clause's rarest word (words of one title go
    together), the clauses added; 0 without statistics or for words not among the
    common ones."""
    common = _term_shares(session)
    found = 0.0
    for clause in clauses:
        found += min((max((common.get(t, 0.0) for t in g), default=0.0) for g in clause),
                     default=0.0)
    return min(found, 1.0)


def dense(session: Session, found: Match) -> bool:
    """Whether the matches are surely many: the words' shares multiplied (as if they came
    independently; a clause's words must all be there) make at least WALK_SHARE of the
    documents. Then walking an ordered index newest first finds a page of them at once;
    otherwise that walk may test every issue, and the index's own list of the matches is
    the bounded way. `share` (a clause's rarest word) is the looser bound `newest` uses."""
    if not _postgres(session):
        return True  # SQLite's plans start from the FTS5 table
    common = _term_shares(session)
    found_share = 0.0
    for clause in found.clauses:
        product = 1.0
        for group in clause:
            product *= max((common.get(t, 0.0) for t in group), default=0.0)
        found_share += product
    return found_share >= WALK_SHARE


def listed(found: Match) -> Match:
    """`found` with its condition over the list of its matches made first (PostgreSQL: a
    MATERIALIZED common table expression, from the GIN index), so the planner cannot walk
    an ordered index of a million issues testing each against rare words: that walk took
    4.6 s for a word no public answer has. For words that are not `dense`."""
    matched = found.ids.cte().prefix_with("MATERIALIZED")  # anonymous: never two of a name
    return replace(found, condition=Issue.id.in_(select(matched.c[0])))


def newest(session: Session, found: Match, n: int,
           where: Sequence[ColumnElement[bool]] = (), *, exact: bool = True) -> list[int]:
    """The ids of the `n` newest matches (the highest id first) that meet `where`
    (conditions on issues, e.g. the reader's visibility): exactly these, found cheaply.

    A common word matches a large share of a million issues: building the GIN index's
    list of every match (66,000 for two words of a generated title: 70 to 95 ms on a busy
    machine) costs more than walking the documents newest first, testing each, until `n`
    match. But a walk for a rare word tests every document (23 s at a million), so the
    walk is taken only where the statistics say the words are common (`share`), and only
    over the newest ids it should need (WALK_MARGIN times); the rest, and every search
    of rarer words, comes from the index. The matches come in batches, newest first, each
    checked against `where` apart, until `n` pass. `exact=False` (candidates, not an
    answer): a walk that found some is enough, fewer than `n` or not."""
    got: list[int] = []
    estimate = share(session, found.clauses) if n > 0 else 0.0
    stages: list[tuple[int | None, int | None, bool]] = []  # (above, up to, walk)
    if estimate >= WALK_SHARE:
        top = session.scalar(select(func.max(Issue.id))) or 0
        low = top - int(WALK_MARGIN * n / estimate)
        stages = [(low, None, True), (None, low + 1, False)]
    else:
        stages = [(None, None, False)]
    walk_off = _postgres(session)  # SQLite has no bitmap scans to keep off
    for above, below, walk in stages:
        if got and not exact:
            break
        batch = n
        while len(got) < n:
            ids = found.ids.order_by(found.key.desc())
            if above is not None:
                ids = ids.where(found.key > above)
            if below is not None:
                ids = ids.where(found.key < below)
            if not walk:  # from the index: every match, then the newest
                matched_cte = ids.order_by(None).cte("matched").prefix_with("MATERIALIZED")
                ids = select(matched_cte.c[0]).order_by(matched_cte.c[0].desc())
            if walk and walk_off:  # else the planner builds the index's list of every match
                session.execute(text("SET LOCAL enable_bitmapscan = off"))
            matched = list(session.scalars(ids.limit(batch)))
            if walk and walk_off:
                session.execute(text("SET LOCAL enable_bitmapscan = DEFAULT"))
            kept = matched if not where or not matched else list(session.scalars(
                select(Issue.id).where(Issue.id.in_(matched), *where)
                .order_by(Issue.id.desc())))
            got.extend(kept[:n - len(got)])
            if len(matched) < batch:
                break
            # The next batch: as many as the missing need at the share that passed.
            wanted = (n - len(got)) * len(matched) * 5 // (4 * max(len(kept), 1)) + 1
            batch, below = min(max(wanted, 16), NEWEST_BATCH_MAX), matched[-1]
    return got


def similar(session: Session, *, actor: Actor, title: str, description: str,
            limit: int = 5) -> list[Issue]:
    """Issues the actor may see that are most like a draft's title and description: any
    of its distinctive words (no stop words, the longest first), best first; no draft,
    nothing withdrawn or deleted. From every region the actor may see."""
    picked: dict[str, frozenset[str]] = {}
    for word in analyser.words(f"{title} {description[:SIMILAR_TEXT_MAX]}"):
        if len(word) >= SIMILAR_MIN_LENGTH and word not in analyser.STOPWORDS \
                and not word.isdigit():
            picked.setdefault(word, analyser.word_terms(word, document=False))
    if not picked:
        return []
    chosen = [picked[w] for w in sorted(picked, key=len, reverse=True)[:SIMILAR_WORDS_MAX]]
    # Two distinctive words in common make a question similar (one, for a one-word
    # draft): one shared common word ("lapsi") would make every issue a candidate. The
    # pairs are of the rarest words alone: a common word's list of matches is long to
    # read from the index (the words are all ranked below).
    common = _term_shares(session)
    rare = sorted(chosen, key=lambda g: max((common.get(t, 0.0) for t in g), default=0.0)
                  )[:SIMILAR_RARE_WORDS]
    clauses = [list(pair) for pair in combinations(rare, 2)] or [rare]
    found = match(session, actor=actor, clauses=clauses)
    # The newest SIMILAR_CANDIDATES matches the actor may see are ranked: a draft whose
    # words thousands of issues share is ranked among a bounded set, found among the
    # newest ids first (`newest`).
    chosen_ids = newest(session, found, SIMILAR_CANDIDATES, where=[
        visible_filter(actor), Issue.state.not_in((DRAFT, WITHDRAWN)),
        Issue.deleted_at.is_(None)], exact=False)
    if not chosen_ids:
        return []
    # Ranked by the words one by one (any of them): a query of every pair costs far more
    # to rank each candidate with.
    candidates = match(session, actor=actor, clauses=[[g] for g in chosen]).ranked(chosen_ids)
    stmt = (
        select(Issue)
        .join(candidates, candidates.c.issue_id == Issue.id)
        .order_by(candidates.c.rank.desc(), Issue.id.desc())
        .limit(limit)
        .options(joinedload(Issue.region, innerjoin=True),
                 joinedload(Issue.decision).load_only(Decision.outcome, Decision.rationale,
                                                      Decision.decided_at),
                 load_only(Issue.reference, Issue.title, Issue.state, Issue.region_id,
                           Issue.answer, Issue.decision_id, Issue.workflow_name,
                           Issue.workflow_version, Issue.visibility, Issue.updated_at))
    )
    return list(session.scalars(stmt))


_SHARES: dict[str, tuple[float, dict[str, float]]] = {}


def _term_shares(session: Session) -> dict[str, float]:
    """The share of documents holding each of the index's most common terms, from
    PostgreSQL's statistics of `search_documents.doc` (ANALYZE keeps them; read again
    every SHARES_FOR seconds); {} elsewhere or before any ANALYZE (the words are then
    taken in their order, the longest first)."""
    if not _postgres(session):
        return {}
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    if (kept := _SHARES.get(key)) is not None and now - kept[0] < SHARES_FOR:
        return kept[1]
    row: Any = session.execute(select(
        literal_column("most_common_elems::text::text[]"),
        literal_column("most_common_elem_freqs"))
        .select_from(table("pg_stats"))
        .where(literal_column("schemaname") == func.current_schema(),
               literal_column("tablename") == DOCUMENTS.name,
               literal_column("attname") == "doc")).first()
    shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    _SHARES[key] = (now, shares)
    return shares


@dataclass(frozen=True)
class Hit:
    """One issue found: its list row, its title and its best passage in pieces."""

    issue: Issue
    title: list[Piece]
    passage: list[Piece]


@dataclass(frozen=True)
class Results:
    """A page of hits, with the list's page (its total, for the pager)."""

    hits: list[Hit]
    page: Page


def results(session: Session, *, actor: Actor, q: str, page: int, per_page: int,
            now: dt.datetime) -> Results:
    """The search page: what the list would find for `q` (the same condition and
    visibility), best first, each hit's title and passage with the matching words marked.

    Bounded for national scale: of the COUNT_AT_MOST newest matches (`newest`), those the
    reader may see are counted ("more than" beyond) and the RANK_AMONG newest of them
    ranked (every match, for any but the broadest words)."""
    from escalation.services import queries  # it imports this module for `q`

    errors = {**queries.check_filters(queries.IssueFilter(q=q)),
              **queries.check_paging(page, per_page)}
    if errors:
        raise InvalidInput(errors)
    word_groups = groups(q)
    found = match(session, actor=actor, clauses=[word_groups])
    # The count and the candidates: the newest matches by id, each with whether the
    # reader may see it.
    latest = newest(session, found, COUNT_AT_MOST + 1)
    rows = session.execute(
        select(Issue.id, case((visible_filter(actor), True), else_=False))
        .where(Issue.id.in_(latest)).order_by(Issue.id.desc())).all()
    seen = [issue_id for issue_id, visible in rows if visible]
    total = COUNT_AT_MOST + 1 if len(rows) > COUNT_AT_MOST else len(seen)
    ranked = found.ranked(seen[:RANK_AMONG])
    stmt = (select(Issue).join(ranked, ranked.c.issue_id == Issue.id)
            .order_by(ranked.c.rank.desc(), Issue.updated_at.desc(), Issue.id.desc()))
    listed = queries.load_page(session, stmt, page=page, per_page=per_page, total=total)
    texts = search_index.texts_of(session, [i.id for i in listed.items])
    statements = sees_statements(actor)
    hits = []
    for issue in listed.items:
        t = texts.get(issue.id) or search_index.Texts(title=issue.title)
        hits.append(Hit(issue=issue, title=passage([t.title], q, words_around=1000),
                        passage=passage([*t.body, *(t.statements if statements else [])], q)))
    return Results(hits=hits, page=listed)


def answer_of(issue: Issue, chars: int = ANSWER_CHARS) -> str | None:
    """What the issue's answer says, shortened: the local answer, else the decision's
    rationale; None before either."""
    full = issue.answer or (issue.decision.rationale if issue.decision is not None else None)
    if not full:
        return None
    return full if len(full) <= chars else full[:chars].rsplit(" ", 1)[0] + " …"


@dataclass(frozen=True)
class Piece:
    """A piece of a passage: its text, and whether it is a matching word."""

    text: str
    hit: bool


def passage(texts: Sequence[str], q: str, words_around: int = PASSAGE_WORDS) -> list[Piece]:
    """The passage of the first of `texts` that holds a match of `q`, about
    `words_around` words around the first matching word, cut into pieces with each
    matching word marked (the page marks them, escaping every piece). The first text's
    opening when none matches (a hit by reference or in a statement the page does not
    show)."""
    wanted = set().union(*groups(q)) if q else set()
    for text_ in texts:
        if not text_:
            continue
        spans = [(m.start(), m.end()) for m in analyser.WORD.finditer(text_)]
        hits = [i for i, (s, e) in enumerate(spans)
                if wanted & analyser.word_terms(text_[s:e].lower()[:analyser.WORD_MAX],
                                                document=True)]
        if hits:
            return _cut(text_, spans, set(hits), hits[0], words_around)
    first = next((t for t in texts if t), "")
    spans = [(m.start(), m.end()) for m in analyser.WORD.finditer(first)]
    return _cut(first, spans, set(), 0, words_around)


def _cut(text_: str, spans: list[tuple[int, int]], hits: set[int], first: int,
         words_around: int) -> list[Piece]:
    if not spans:
        return [Piece(text_, False)] if text_ else []
    start_word = max(0, first - words_around // 3)
    end_word = min(len(spans), start_word + words_around)
    pieces: list[Piece] = []
    if start_word > 0:
        pieces.append(Piece("… ", False))
    position = spans[start_word][0] if start_word else 0
    for i in range(start_word, end_word):
        s, e = spans[i]
        if s > position:
            pieces.append(Piece(text_[position:s], False))
        pieces.append(Piece(text_[s:e], i in hits))
        position = e
    end = len(text_) if end_word == len(spans) else position
    if end > position:
        pieces.append(Piece(text_[position:end], False))
    if end_word < len(spans):
        pieces.append(Piece(" …", False))
    return pieces


__all__ = ["Hit", "Match", "Piece", "Results", "answer_of", "dense", "groups", "listed", "match",
           "passage", "results", "sees_statements", "similar", "text_match"]
