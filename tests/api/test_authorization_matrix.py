"""Every role x own/other region x public/restricted x state x endpoint: the exact status.

Expectations come from DESIGN §2-§3 and §6 written out here (visibility), and from the
workflow definition (which role may take which action); the app must agree with both.
Each request runs in a SAVEPOINT that is rolled back, so one issue per state serves
every attempt.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from escalation import runtime
from escalation.services import statements
from tests.api.conftest import Call
from tests.factories import World, issue_in, weigh_all

STATES = ["draft", "submitted", "clarification_requested", "awaiting_statement",
          "awaiting_decision", "decided", "closed", "withdrawn"]
NATIONAL = {"coordinator", "stakeholder_member", "stakeholder_chair", "ministry_member",
            "ministry_chair"}
# (who, the world attribute acting, whether the issue is in their own region)
VIEWERS = [("regional_lead", "lead", True), ("regional_lead", "other_lead", False),
           *((role, attr, True) for role, attr in [
               ("coordinator", "coordinator"), ("stakeholder_member", "member"),
               ("stakeholder_chair", "chair"), ("ministry_member", "ministry_member"),
               ("ministry_chair", "ministry_chair"), ("observer", "observer"),
               ("admin", "admin")])]
DATA = {
    "request_clarification": {"message": "Tarkenna."}, "resubmit": {"answer": "Tässä."},
    "answer_locally": {"answer": "Vastaus."}, "request_statements": {"request": "Lisää."},
    "forward": {"request": "Pyydämme lausuntoa."},
    "close": {"note": "Valmis."}, "withdraw": {"reason": "Ei tarpeen."},
    "reopen": {"reason": "Uutta tietoa."},
    "decide": {"outcome": "clarified", "rationale": "Tulkinta annettu."},
    "forward_to_working_group": {"summary": "Lausunnot puoltavat."},
}


def sees(role: str, own: bool, visibility: str, state: str) -> bool:
    if state == "draft":
        return role == "regional_lead" and own
    if (role == "regional_lead" and own) or role in NATIONAL:
        return True
    return visibility == "public"


def acting_roles(role: str, own: bool) -> set[str]:
    """A lead's role counts only in their own region."""
    return set() if role == "regional_lead" and not own else {role}


def expected_transition(role: str, own: bool, state: str, action: str) -> int:
    wf = runtime.registry().latest("escalation")
    moves = [t for t in wf.transitions if t.action == action and state in t.sources]
    if not moves:
        return 422
    if not any(acting_roles(role, own) & t.roles for t in moves):
        return 403
    return 200


UNDER_WAY = {"submitted", "clarification_requested", "awaiting_statement",
             "awaiting_decision", "decided"}


def expected_join(role: str, own: bool, state: str) -> int:
    """Issue 18: a lead of another region joins an issue under way; the own region's lead
    is told it is theirs (422), anyone else may not (403); a state not under way: 422."""
    if state not in UNDER_WAY:
        return 422
    if role != "regional_lead":
        return 403
    return 422 if own else 200


def expected_link(role: str) -> int:
    """Issue 18: only the backbone team links issues."""
    return 201 if role == "coordinator" else 403


def expected_activity(role: str, own: bool, state: str, activity: str, ok: int) -> int:
    act = runtime.registry().latest("escalation").activities[activity]
    if state not in act.states:
        return 422
    return ok if acting_roles(role, own) & act.roles else 403


@pytest.mark.parametrize("visibility", ["public", "restricted"])
@pytest.mark.parametrize(("role", "attr", "own"), VIEWERS)
def test_matrix(call: Call, session: Session, world: World, role: str, attr: str, own: bool,
                visibility: str) -> None:
    issues = {}
    weighing: dict[str, Any] = {}  # decide's, of the issue it is tried on (v3, issue 16)
    for state in STATES:
        issue = issue_in(session, world, state, visibility=visibility)
        if state == "awaiting_statement":  # so forwarding's guard holds for whoever may
            statements.add_statement(session, issue.reference, actor=world.member2,
                                     position="supports", text="Tukee.")
        issues[state] = (issue.reference, issue.version)
        weighing[state] = weigh_all(session, issue)
    # What `merge` merges into and `links` links to (issue 18): another issue under way.
    case = issue_in(session, world, "submitted", visibility="public")
    data = {**DATA, "merge": {"case": case.reference}}
    session.flush()
    wf = runtime.registry().latest("escalation")
    checked = 0
    # The caller's token is made on first use: make it outside the rolled-back savepoints.
    assert call(attr, "GET", "/api/v1/workflows/escalation").status_code == 200

    def attempt(method: str, path: str, expect: int, **kw: Any) -> None:
        nonlocal checked
        nested = session.begin_nested()
        session.connection()  # emit the SAVEPOINT now; the app's change must land inside it
        try:
            got = call(attr, method, path, **kw)
        finally:
            nested.rollback()
            session.expire_all()
        assert got.status_code == expect, (role, own, visibility, method, path, kw,
                                           got.get_data(as_text=True))
        checked += 1

    for state, (ref, version) in issues.items():
        base = f"/api/v1/issues/{ref}"
        visible = sees(role, own, visibility, state)
        if not visible:  # well-formed requests, so only visibility can refuse them
            for method, path, body in [
                ("GET", base, None), ("GET", f"{base}/audit", None),
                ("PATCH", base, {"expected_version": version, "urgency": "urgent"}),
                ("POST", f"{base}/transitions", {"action": "withdraw",
                                                 "expected_version": version,
                                                 "data": DATA["withdraw"]}),
                ("POST", f"{base}/statements", {"position": "supports", "text": "x"}),
                ("POST", f"{base}/comments", {"text": "x"}),
                ("POST", f"{base}/join", {"note": "x"}),  # issue 18
                ("POST", f"{base}/links", {"other": "ESC-2026-0001"}),
            ]:
                attempt(method, path, 404, json=body)
            continue
        attempt("GET", base, 200)
        attempt("GET", f"{base}/audit", 200)
        attempt("PATCH", base, expected_activity(role, own, state, "edit", 200),
                json={"expected_version": version, "urgency": "urgent"})
        for action in wf.actions:
            attempt("POST", f"{base}/transitions", expected_transition(role, own, state, action),
                    json={"action": action, "expected_version": version,
                          "data": {**data.get(action, {}), **(
                              {"weighing": weighing[state]} if action == "decide" else {})}})
        attempt("POST", f"{base}/statements",
                expected_activity(role, own, state, "add_statement", 201),
                json={"position": "supports", "text": "Kanta."})
        attempt("POST", f"{base}/comments", expected_activity(role, own, state, "comment", 201),
                json={"text": "Kommentti."})
        attempt("POST", f"{base}/join", expected_join(role, own, state),
                json={"note": "Meillä sama tilanne."})
        attempt("POST", f"{base}/links", expected_link(role), json={"other": case.reference})
    assert checked >= 8 * 6
