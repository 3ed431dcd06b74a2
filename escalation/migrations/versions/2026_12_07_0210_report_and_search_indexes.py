"""Issue 18 at a million issues: the yearly report finds the backbone team's own answers
of a year (issues closed then without a decision) by a partial index on `closed_at`,
where it scanned every issue.

Revision ID: q119
Revises: s118
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'q119'
down_revision: str | None = 's118'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANSWERED_LOCALLY = "decision_id IS NULL AND closed_at IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_issues_closed_without_decision', 'issues', ['closed_at'], unique=False,
                    postgresql_where=sa.text(ANSWERED_LOCALLY),
                    sqlite_where=sa.text(ANSWERED_LOCALLY))


def downgrade() -> None:
    op.drop_index('ix_issues_closed_without_decision', table_name='issues')
