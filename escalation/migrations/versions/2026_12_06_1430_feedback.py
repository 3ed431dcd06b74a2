"""Did it help? (issue 16, item 8): `issue_feedback`, the region's answer per closed issue.

One row per issue (an issue has one region): whether the answer helped (`helped`,
`partly`, `not_helped`), an optional comment, who gave it and when. The trail keeps every
answer as a `give_feedback` event; the row is the latest, for the report's figure.

A new table: nothing existing is copied or changed.

Revision ID: f016
Revises: q016
Create Date: 2026-12-06 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f016'
down_revision: str | None = 'q016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'issue_feedback',
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('answer', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('given_by_id', sa.Integer(), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('first_given_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer IN ('helped', 'partly', 'not_helped')",
                           name=op.f('ck_issue_feedback_answer_known')),
        sa.CheckConstraint("comment IS NULL OR comment <> ''",
                           name=op.f('ck_issue_feedback_comment_not_empty')),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'],
                                name=op.f('fk_issue_feedback_given_by_id_users')),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'],
                                name=op.f('fk_issue_feedback_issue_id_issues')),
        sa.PrimaryKeyConstraint('issue_id', name=op.f('pk_issue_feedback')),
    )


def downgrade() -> None:
    op.drop_table('issue_feedback')
