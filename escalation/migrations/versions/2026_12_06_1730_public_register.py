"""The public register of answers (issue 18, item 3): a statement's public choice
(`statements.public`, default false), when an issue's answer in force was given
(`issues.answered_at`, backfilled from the audit trail: the newest `decide` or
`answer_locally` of each decided or closed issue), and three partial indexes over the
public answered issues, newest answer first (all, by region, by category).

Revision ID: p118
Revises: f118
Create Date: 2026-12-06 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'p118'
down_revision: str | None = 'f118'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As escalation.models.PUBLIC_ANSWERED, written out: a migration never changes with the
# models.
PUBLIC_ANSWERED = ("visibility = 'public' AND answered_at IS NOT NULL "
                   "AND (state = 'decided' OR state = 'closed')")
INDEXES = {
    'ix_issues_public_answered': ['answered_at', 'id'],
    'ix_issues_public_answered_region': ['region_id', 'answered_at', 'id'],
    'ix_issues_public_answered_category': ['category', 'answered_at', 'id'],
}


def upgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # The answer in force: the newest decide or answer_locally of an issue now decided or
    # closed, and not followed by a reopen (a reopened issue is answered again, or not).
    op.execute(
        "UPDATE issues SET answered_at = ("
        " SELECT max(e.at) FROM audit_events e WHERE e.issue_id = issues.id"
        " AND e.action IN ('decide', 'answer_locally')"
        " AND NOT EXISTS (SELECT 1 FROM audit_events r WHERE r.issue_id = issues.id"
        "  AND r.action = 'reopen' AND r.seq > e.seq))"
        " WHERE state IN ('decided', 'closed')")
    for name, columns in INDEXES.items():
        op.create_index(name, 'issues', columns, unique=False,
                        postgresql_where=sa.text(PUBLIC_ANSWERED),
                        sqlite_where=sa.text(PUBLIC_ANSWERED))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name='issues')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_column('public')
