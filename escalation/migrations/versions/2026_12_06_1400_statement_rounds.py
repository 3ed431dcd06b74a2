"""Statement rounds (issue 16, item 1): what each round of statements asked.

One row per round an issue's `forward` or `request_statements` opens: the request's
text and the targeted questions (escalation-v3), who opened it and when. Rounds opened
before this revision have no row; the pages and the API read such a round as one with
no request text and no questions, as it was.

Revision ID: r016
Revises: d815
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'r016'
down_revision: str | None = 'd815'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'statement_rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('request', sa.Text(), nullable=True),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('number >= 1', name=op.f('ck_statement_rounds_number_positive')),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'],
                                name=op.f('fk_statement_rounds_issue_id_issues')),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'],
                                name=op.f('fk_statement_rounds_opened_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_rounds')),
        sa.UniqueConstraint('issue_id', 'number',
                            name=op.f('uq_statement_rounds_issue_id_number')),
    )


def downgrade() -> None:
    op.drop_table('statement_rounds')
