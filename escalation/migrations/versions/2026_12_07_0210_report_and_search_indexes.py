"""Issue 18 at a million issues: the yearly report finds the backbone team's own answers
of a year (issues closed then without a decision) by a partial index on `closed_at`,
where it scanned every issue; the public register by a children's-rights dimension reads
a partial index per dimension (newest answer first), where it filtered the register's
every answer.

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
# As escalation.models.PUBLIC_ANSWERED and `with_dimension`, written out: a migration
# never changes with the models.
PUBLIC_ANSWERED = ("visibility = 'public' AND answered_at IS NOT NULL "
                   "AND (state = 'decided' OR state = 'closed')")
DIMENSIONS = ("best_interests", "non_discrimination", "right_to_be_heard",
              "life_and_development")


def _dimension(name: str) -> str:
    return f"{PUBLIC_ANSWERED} AND CAST(rights_dimensions AS VARCHAR) LIKE '%\"{name}\"%'"


def upgrade() -> None:
    op.create_index('ix_issues_closed_without_decision', 'issues', ['closed_at'], unique=False,
                    postgresql_where=sa.text(ANSWERED_LOCALLY),
                    sqlite_where=sa.text(ANSWERED_LOCALLY))
    for name in DIMENSIONS:
        op.create_index(f'ix_issues_public_answered_{name}', 'issues', ['answered_at', 'id'],
                        unique=False, postgresql_where=sa.text(_dimension(name)),
                        sqlite_where=sa.text(_dimension(name)))


def downgrade() -> None:
    for name in DIMENSIONS:
        op.drop_index(f'ix_issues_public_answered_{name}', table_name='issues')
    op.drop_index('ix_issues_closed_without_decision', table_name='issues')
