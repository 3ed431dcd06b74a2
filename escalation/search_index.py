"""The search index: each issue's texts as analysed terms, kept in the change's transaction.

Every change to an issue goes through `services/access.record` (or, for a new draft,
`services/issues.create`), and both call `touch` when the change may have changed an
indexed text (`INDEXED` among the issue's columns it changes, or a writer of statements,
a decision's correction or a redaction saying so); the session's `commit()` then calls
`flush_pending` (an explicit call in `db.OutboxSession.commit`, like the outbox's), which
reads the touched issues' texts as the transaction wrote them and rewrites their rows of
`search_documents` before the commit itself. So whatever wrote the text (an edit, a
decision, a local answer, a statement, a redaction, a deleted draft), the index holds
what the issue holds, in the same transaction, and a rollback takes both back. Reading
the texts again at the end, rather than at each writer, means no writer can forget it
and the order in which a step writes its rows does not matter.

What is indexed (`texts_of`): the reference and the title (weighted above the rest on
PostgreSQL), the description, the legal references, the local answer, the current
decision's rationale and responsible party; apart from these, the statements sent or
withdrawn (the issue page shows those to everyone who sees the issue; a draft statement
is never indexed).
A deleted draft has no row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Table, Text, bindparam, delete, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from escalation import analyser
from escalation.models import Decision, Issue, SearchDocument, Statement, StatementStatus

DOCUMENTS = cast(Table, SearchDocument.__table__)
# The issue's columns whose change changes its row here (`texts_of`): its own texts, the
# decision that brings its rationale and responsible party, and a draft's deletion (its
# row goes). Any other change (a comment, an assignment, a reminder, a step that only
# moves the state) leaves the row as it is and costs no statement here.
INDEXED = frozenset({"title", "description", "legal_references", "answer", "decision_id",
                     "deleted_at"})
PENDING = "search_pending"
# PostgreSQL keeps positions up to 16383 and at most 256 per lexeme.
_POSITION_MAX = 16383
_POSITIONS_PER_TERM = 64


def touch(session: Session, issue_id: int) -> None:
    """Note that the issue's texts may have changed: its row is rewritten before commit."""
    session.info.setdefault(PENDING, set()).add(issue_id)


def forget(session: Session) -> None:
    """A rollback: nothing noted is rewritten."""
    session.info.pop(PENDING, None)


def flush_pending(session: Session) -> None:
    """Rewrite the rows of every issue touched in this transaction (before its commit)."""
    ids = session.info.pop(PENDING, None)
    if ids:
        session.flush()
        refresh(session, sorted(ids))


@dataclass
class Texts:
    """An issue's searchable texts: the reference and title apart, for their weight."""

    reference: str = ""
    title: str = ""
    body: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


def texts_of(conn: Session | Connection, ids: Sequence[int]) -> dict[int, Texts]:
    """The searchable texts of the live issues among `ids` (deleted drafts left out)."""
    found: dict[int, Texts] = {}
    issues = conn.execute(
        select(Issue.id, Issue.reference, Issue.title, Issue.description, Issue.legal_references,
               Issue.answer, Decision.rationale, Decision.responsible)
        .outerjoin(Decision, Decision.id == Issue.decision_id)
        .where(Issue.id.in_(bindparam("ids", expanding=True)), Issue.deleted_at.is_(None)),
        {"ids": list(ids)})
    for id_, reference, title, description, legal, answer, rationale, responsible in issues:
        found[id_] = Texts(reference=reference, title=title or "", body=[
            description or "", *(legal or []), answer or "", rationale or "",
            responsible or ""])
    if found:
        rows = conn.execute(
            select(Statement.issue_id, Statement.text, Statement.rights_assessment,
                   Statement.answers)
            .where(Statement.issue_id.in_(bindparam("ids", expanding=True)),
                   Statement.status != StatementStatus.DRAFT)
            .order_by(Statement.id),
            {"ids": list(found)})
        for issue_id, text, assessment, answers in rows:
            found[issue_id].statements.extend(
                [text or "", assessment or "", *(a for a in answers or [] if a)])
    return found


def _positions(parts: Iterable[tuple[str, bool]], start: int = 0,
               ) -> tuple[dict[str, list[str]], int]:
    """term -> its positions as PostgreSQL writes them ("3A": word 3, weight A), and the
    last position."""
    out: dict[str, list[str]] = {}
    position = start
    for text, heavy in parts:
        for word in analyser.words(text):
            position = min(position + 1, _POSITION_MAX)
            for term in analyser.word_terms(word, document=True):
                places = out.setdefault(term, [])
                if len(places) < _POSITIONS_PER_TERM:
                    places.append(f"{position}{'A' if heavy else ''}")
    return out, position


def tsvector_literal(parts: Iterable[tuple[str, bool]], start: int = 0) -> tuple[str, int]:
    """The terms as a tsvector's text (no parser of PostgreSQL's second-guesses them; a
    term twice is merged by PostgreSQL), and the last word's position."""
    found, last = _positions(parts, start)
    return " ".join(f"'{term}':{','.join(places)}" for term, places in found.items()), last


def terms_text(parts: Iterable[tuple[str, bool]], start: int = 0) -> tuple[str, int]:
    """The terms as words for SQLite's FTS5, each as often as it occurs (for bm25); a
    title's twice, as PostgreSQL weighs it above the rest."""
    out: list[str] = []
    count = start
    for text, heavy in parts:
        for word in analyser.words(text):
            count += 1
            terms = sorted(analyser.word_terms(word, document=True))
            out.extend(terms * 2 if heavy else terms)
    return " ".join(out), count


@lru_cache(maxsize=4096)
def _encoded(parts: tuple[tuple[str, bool], ...], postgres: bool) -> tuple[str, int]:
    """Texts shared by many issues (a decision's standard wording) are analysed once."""
    return (tsvector_literal if postgres else terms_text)(parts)


def row_of(issue_id: int, texts: Texts, *, postgres: bool) -> dict[str, Any]:
    """The `search_documents` row of one issue: its texts, then its reference (the one
    text that differs in every issue, so the rest can be analysed once for many)."""
    body, last = _encoded((((texts.title, True), *tuple((t, False) for t in texts.body))),
                          postgres)
    reference, _ = (tsvector_literal if postgres else terms_text)(
        [(texts.reference, True)], last)
    statements, _ = _encoded(tuple((t, False) for t in texts.statements), postgres)
    return {"issue_id": issue_id, "doc": f"{body} {reference}".strip(),
            "statements": statements}


def insert_rows(conn: Session | Connection, rows: list[dict[str, Any]], *,
                postgres: bool) -> None:
    """INSERT rows made by `row_of` (the tsvectors cast from their text on PostgreSQL)."""
    if not rows:
        return
    if postgres:
        stmt = insert(DOCUMENTS).values(
            issue_id=bindparam("issue_id"),
            doc=sql_cast(bindparam("doc", type_=Text()), TSVECTOR()),
            statements=sql_cast(bindparam("statements", type_=Text()), TSVECTOR()))
        conn.execute(stmt, rows)
    else:
        conn.execute(insert(DOCUMENTS), rows)


def refresh(conn: Session | Connection, ids: Sequence[int]) -> None:
    """Rewrite the rows of `ids` from their issues' texts as the transaction sees them."""
    postgres = _dialect(conn) == "postgresql"
    conn.execute(delete(DOCUMENTS).where(DOCUMENTS.c.issue_id.in_(list(ids))))
    texts = texts_of(conn, ids)
    insert_rows(conn, [row_of(i, t, postgres=postgres) for i, t in texts.items()],
                postgres=postgres)


def reindex_all(conn: Session | Connection, *, batch: int = 500) -> int:
    """Rebuild every issue's row (`escalation search reindex`); how many issues."""
    ids = [i for (i,) in conn.execute(select(Issue.id).order_by(Issue.id))]
    conn.execute(delete(DOCUMENTS))
    postgres = _dialect(conn) == "postgresql"
    done = 0
    for start in range(0, len(ids), batch):
        texts = texts_of(conn, ids[start:start + batch])
        insert_rows(conn, [row_of(i, t, postgres=postgres) for i, t in texts.items()],
                    postgres=postgres)
        done += len(texts)
    return done


def _dialect(conn: Session | Connection) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name


__all__ = ["INDEXED", "Texts", "flush_pending", "forget", "refresh", "reindex_all", "row_of",
           "terms_text", "texts_of", "touch", "tsvector_literal"]
