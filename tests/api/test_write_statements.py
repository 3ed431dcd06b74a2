"""The write path's round trips: what a create and an action cost in SQL statements.

Issue 6 (benchmarks/README.md, "Write path against its floor") counts them; these
numbers keep a later change from quietly adding reads back. Counted on the test's
connection, so the SAVEPOINT and RELEASE around each request's transaction count too.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.services import statements
from tests.api.conftest import Call
from tests.factories import World, issue_in
from tests.sqlcount import counting

ISSUE = {"title": "Sijaishuollon valvonta", "description": "Kumpi alue valvoo?",
         "region": "uusimaa", "category": "interpretation", "submit": True}
# SAVEPOINT + RELEASE (the test's stand-in for BEGIN and COMMIT).
TRANSACTION = 2
# Issue 18: when a change changes an indexed text (a new issue, a statement sent) its
# search row is rewritten before the commit (escalation/search_index.py): its old row
# deleted, its texts and its statements read, the new row inserted. A change of no indexed
# text (a comment, an assignment, a step that only moves the state) leaves the row alone
# and costs none of these (services/access.py `record`, `search_index.INDEXED`).
SEARCH = 4


def _search_reads(seen: list[str]) -> int:
    return sum(s.lstrip().startswith(
        "SELECT issues.id, issues.reference, issues.title, issues.description, "
        "issues.legal_references, issues.answer, decisions.") for s in seen)


def test_create_and_submit_writes_without_reading_back(call: Call, session: Session,
                                                       world: World) -> None:
    call("lead", "POST", "/api/v1/issues", json=ISSUE)  # the token is made on first use
    with counting(session) as seen:
        answer = call("lead", "POST", "/api/v1/issues", json=ISSUE)
    assert answer.status_code == 201, answer.get_json()
    # token; region; reference; issue; its two audit events (one INSERT on PostgreSQL,
    # two on SQLite) and the issue's audit head; the two stage visits; the outbox row.
    # Nothing is read back for the answer.
    expected = 8 if session.get_bind().dialect.name == "postgresql" else 9
    assert len(seen) == TRANSACTION + expected + SEARCH, seen
    assert sum(s.lstrip().upper().startswith("SELECT ISSUES") for s in seen) == \
        _search_reads(seen) == 1


def test_an_action_locks_once_and_reads_back_only_what_it_did_not_write(
        call: Call, session: Session, world: World) -> None:
    created = call("lead", "POST", "/api/v1/issues", json=ISSUE).get_json()
    call("coordinator", "GET", f"/api/v1/issues/{created['reference']}")
    with counting(session) as seen:
        answer = call("coordinator", "POST",
                      f"/api/v1/issues/{created['reference']}/transitions",
                      json={"action": "request_clarification", "expected_version": 2,
                            "data": {"message": "Mitkä kunnat?"}})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["version"] == 3
    # token; the issue, locked; audit event + issue UPDATE; the stage visits (one
    # statement on PostgreSQL, three where the database cannot subtract times); the
    # outbox row; the answer's comments. No statements are read: no statement round has
    # opened yet, so there are none.
    expected = 7 if session.get_bind().dialect.name == "postgresql" else 9
    # Issue 18: + the regions co-raising it, for the answer's `regions`. No SEARCH: asking
    # for clarification changes no indexed text, so the search row is left as it is.
    assert len(seen) == TRANSACTION + expected + 1, seen
    assert _search_reads(seen) == 0, seen
    assert not any("search_documents" in s for s in seen), seen
    assert sum("FROM issues" in s for s in seen) == 1, seen
    assert not any("FROM statements" in s for s in seen), seen


def test_an_action_after_a_statement_round_answers_with_its_statements(
        call: Call, session: Session, world: World) -> None:
    """The other side of skipping the read: once a round has opened, the answer reads them."""
    issue = issue_in(session, world, "awaiting_statement")
    statements.add_statement(session, issue.reference, actor=world.member,
                             position="supports", text="Tuemme.")
    session.flush()
    with counting(session) as seen:
        answer = call("chair", "POST", f"/api/v1/issues/{issue.reference}/transitions",
                      json={"action": "forward_to_working_group",
                            "expected_version": issue.version,
                            "data": {"summary": "Yksi puoltaa."}})
    assert answer.status_code == 200, answer.get_json()
    assert [s["text"] for s in answer.get_json()["statements"]] == ["Tuemme."]
    # The guard's count, the round's closing (who answered, escalation/rounds.py), the
    # summary's positions (v3), the answer. (Not the search row's: forwarding changes no
    # indexed text.)
    assert sum("FROM statements" in s for s in seen) == 4, seen


def _issue_writes(seen: list[str]) -> tuple[int, int]:
    """(reads of the issue, UPDATEs of it)."""
    return (sum("FROM issues" in s for s in seen) - _search_reads(seen),
            sum(s.lstrip().upper().startswith("UPDATE ISSUES") for s in seen))


def test_a_statement_locks_once_and_writes_the_issue_once(call: Call, session: Session,
                                                         world: World) -> None:
    """Statements and comments lock as actions do (services/access.py): one SELECT ... FOR
    UPDATE, one UPDATE with the version, the chain head and the time; no claim and re-read."""
    issue = issue_in(session, world, "awaiting_statement")
    call("member", "GET", f"/api/v1/issues/{issue.reference}")  # the token is made
    with counting(session) as seen:
        answer = call("member", "POST", f"/api/v1/issues/{issue.reference}/statements",
                      json={"position": "supports", "text": "Tuemme."})
    assert answer.status_code == 201, answer.get_json()
    assert _issue_writes(seen) == (1, 1), seen
    # token; the issue, locked; the speaker's organisation; whether it spoke this round;
    # the round's questions (what the statement answers, issue 16); the statement; its
    # audit event; the issue's UPDATE.
    assert len(seen) == TRANSACTION + 8 + SEARCH, seen


def test_a_comment_locks_once_and_writes_the_issue_once(call: Call, session: Session,
                                                       world: World) -> None:
    issue = issue_in(session, world, "submitted")
    call("coordinator", "GET", f"/api/v1/issues/{issue.reference}")  # the token is made
    with counting(session) as seen:
        answer = call("coordinator", "POST", f"/api/v1/issues/{issue.reference}/comments",
                      json={"text": "Katsotaan."})
    assert answer.status_code == 201, answer.get_json()
    assert _issue_writes(seen) == (1, 1), seen
    # token; the issue, locked; the comment; its audit event; the issue's UPDATE; the
    # author's name for the answer. No SEARCH: a comment is not searched (issue 18).
    assert len(seen) == TRANSACTION + 6, seen
    assert not any("search_documents" in s for s in seen), seen
