"""Obligations (issue 16, item 6): what a decision promised, by whom and by when.

- `obligations`: one row per thing a decision (workflow v3) hands to somebody, with its
  status (open, in_progress, done, cancelled). Not a column of the issue: an obligation
  outlives the issue's closing and reopening.
- `obligation_notes`: the backbone team's dated progress notes, each with the status it
  set, if any.

Decisions made under v1 and v2 are not turned into obligations: their follow-up date and
responsible party stay on the decision, where their pages and the API show them as
before (a backfill would invent a "what is to be done" nobody wrote, and start
reminders that the rules those issues run under never promised).

New tables only: nothing of an existing table is copied.

Revision ID: c016
Revises: a016
Create Date: 2026-12-06 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c016'
down_revision: str | None = 'a016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS = "'open', 'in_progress', 'done', 'cancelled'"


def upgrade() -> None:
    op.create_table(
        'obligations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('responsible', sa.String(length=500), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({_STATUS})", name=op.f('ck_obligations_status_known')),
        sa.CheckConstraint("what <> '' AND responsible <> ''", name=op.f('ck_obligations_named')),
        sa.CheckConstraint('number >= 1', name=op.f('ck_obligations_number_positive')),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'],
                                name=op.f('fk_obligations_issue_id_issues')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_obligations_decision_id_decisions')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_obligations_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_obligations')),
        sa.UniqueConstraint('decision_id', 'number',
                            name=op.f('uq_obligations_decision_id_number')),
    )
    op.create_index(op.f('ix_obligations_issue_id'), 'obligations', ['issue_id'])
    op.create_index(op.f('ix_obligations_decision_id'), 'obligations', ['decision_id'])
    op.create_index('ix_obligations_status_due', 'obligations', ['status', 'due'])
    op.create_index('ix_obligations_responsible', 'obligations', ['responsible'])
    op.create_table(
        'obligation_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('obligation_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=True),
        sa.CheckConstraint(f"status IS NULL OR status IN ({_STATUS})",
                           name=op.f('ck_obligation_notes_status_known')),
        sa.CheckConstraint("note <> '' OR status IS NOT NULL",
                           name=op.f('ck_obligation_notes_says_something')),
        sa.ForeignKeyConstraint(['obligation_id'], ['obligations.id'],
                                name=op.f('fk_obligation_notes_obligation_id_obligations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_obligation_notes_author_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation_notes')),
    )
    op.create_index(op.f('ix_obligation_notes_obligation_id'), 'obligation_notes',
                    ['obligation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_obligation_notes_obligation_id'), table_name='obligation_notes')
    op.drop_table('obligation_notes')
    op.drop_index('ix_obligations_responsible', table_name='obligations')
    op.drop_index('ix_obligations_status_due', table_name='obligations')
    op.drop_index(op.f('ix_obligations_decision_id'), table_name='obligations')
    op.drop_index(op.f('ix_obligations_issue_id'), table_name='obligations')
    op.drop_table('obligations')
