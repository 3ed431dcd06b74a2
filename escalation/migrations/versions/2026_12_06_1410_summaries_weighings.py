"""The chair's summary of a statement round and the weighing of each statement in a
decision (issue 16, items 4 and 5): `round_summaries`, `statement_weighings`.

Two new tables, nothing else changed: workflow v3's `forward_to_working_group` writes a
summary (the chair's text and the positions by count the service counted), its `decide`
one weighing per statement given since the issue's previous decision. Issues under v1
and v2 write neither.

Revision ID: b016
Revises: c016
Create Date: 2026-12-06 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b016'
down_revision: str | None = 'c016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'round_summaries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('positions', sa.JSON(), nullable=False),
        sa.Column('written_by_id', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('round >= 1', name=op.f('ck_round_summaries_round_positive')),
        sa.CheckConstraint("text <> ''", name=op.f('ck_round_summaries_text_not_empty')),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'],
                                name=op.f('fk_round_summaries_issue_id_issues')),
        sa.ForeignKeyConstraint(['written_by_id'], ['users.id'],
                                name=op.f('fk_round_summaries_written_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_summaries')),
        sa.UniqueConstraint('issue_id', 'round',
                            name=op.f('uq_round_summaries_issue_id_round')),
    )
    op.create_table(
        'statement_weighings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('taken_into_account', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.CheckConstraint("taken_into_account IN ('fully', 'partly', 'not')",
                           name=op.f('ck_statement_weighings_taken_into_account_known')),
        sa.CheckConstraint("taken_into_account = 'fully' OR (reason IS NOT NULL AND "
                           "reason <> '')",
                           name=op.f('ck_statement_weighings_reason_unless_fully')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_statement_weighings_decision_id_decisions')),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'],
                                name=op.f('fk_statement_weighings_issue_id_issues')),
        sa.ForeignKeyConstraint(['statement_id'], ['statements.id'],
                                name=op.f('fk_statement_weighings_statement_id_statements')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_weighings')),
        sa.UniqueConstraint('decision_id', 'statement_id',
                            name=op.f('uq_statement_weighings_decision_id_statement_id')),
    )
    with op.batch_alter_table('statement_weighings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_weighings_statement_id'),
                              ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_weighings_issue_id'), ['issue_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('statement_weighings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_weighings_issue_id'))
        batch_op.drop_index(batch_op.f('ix_statement_weighings_statement_id'))
    op.drop_table('statement_weighings')
    op.drop_table('round_summaries')
