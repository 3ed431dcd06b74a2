"""A first walk through the lifecycle, so the fixtures themselves are known to work."""

from sqlalchemy.orm import Session

from escalation import audit_verify, runtime
from escalation.models import AuditEvent, OutboxMessage
from tests.factories import World, issue_in


def test_every_state_can_be_reached(session: Session, world: World) -> None:
    for state in ["draft", "submitted", "clarification_requested", "awaiting_statement",
                  "awaiting_decision", "decided", "closed", "withdrawn"]:
        issue = issue_in(session, world, state)
        assert issue.state == state
    assert session.query(AuditEvent).count() > 0
    assert session.query(OutboxMessage).count() > 0
    assert audit_verify.verify(session, runtime.settings().audit_key).ok
