"""An index of the audit trail by actor, for a person's own list of issues.

"My issues" (escalation/services/listings.py) are those whose audit trail names the
reader: the index (actor_id, issue_id) answers that from the index alone, where the log
would otherwise be read whole. Only an index: the events themselves are not touched (the
append-only trigger forbids that), and going down drops it.

Revision ID: a015
Revises: f014
Create Date: 2026-12-06 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'a015'
down_revision: str | None = 'f014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_audit_events_actor_id_issue_id', 'audit_events',
                    ['actor_id', 'issue_id'])


def downgrade() -> None:
    op.drop_index('ix_audit_events_actor_id_issue_id', table_name='audit_events')
