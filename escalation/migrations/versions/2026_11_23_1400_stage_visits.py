"""Stage visits for the reports, filled in from the audit log for issues that exist already.

Also the indexes the list and report filters need: issues by creation time, due date
and category, decisions by date.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stage_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seconds', sa.Integer(), nullable=True),
    sa.CheckConstraint('(left_at IS NULL AND seconds IS NULL) OR (left_at IS NOT NULL AND seconds >= 0)', name=op.f('ck_stage_visits_closed_has_duration')),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_stage_visits_issue_id_issues')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_stage_visits_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_visits'))
    )
    with op.batch_alter_table('stage_visits', schema=None) as batch_op:
        batch_op.create_index('ix_stage_visits_issue_id', ['issue_id'], unique=False)
        batch_op.create_index('ix_stage_visits_state_left_at', ['state', 'left_at'], unique=False)
        batch_op.create_index('uq_stage_visits_open', ['issue_id'], unique=True,
                              sqlite_where=sa.text('left_at IS NULL'),
                              postgresql_where=sa.text('left_at IS NULL'))
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index('ix_issues_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_issues_due_at', ['due_at'], unique=False)
        batch_op.create_index('ix_issues_category', ['category'], unique=False)
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_decided_at', ['decided_at'], unique=False)
    _fill_from_audit_log()


def _fill_from_audit_log() -> None:
    """Replay each issue's state changes once, so reports cover issues made before this."""
    bind = op.get_bind()
    events = sa.table('audit_events', sa.column('issue_id'), sa.column('seq'),
                      sa.column('at', sa.DateTime(timezone=True)), sa.column('to_state'))
    issues = sa.table('issues', sa.column('id'), sa.column('region_id'))
    visits = sa.table('stage_visits', sa.column('issue_id'), sa.column('region_id'),
                      sa.column('state'), sa.column('entered_at', sa.DateTime(timezone=True)),
                      sa.column('left_at', sa.DateTime(timezone=True)), sa.column('seconds'))
    rows = bind.execute(
        sa.select(events.c.issue_id, issues.c.region_id, events.c.at, events.c.to_state)
        .join(issues, issues.c.id == events.c.issue_id)
        .where(events.c.to_state.is_not(None))
        .order_by(events.c.issue_id, events.c.seq)
    )
    batch: list[dict[str, object]] = []
    open_visit: dict[str, object] | None = None
    for issue_id, region_id, at, to_state in rows:
        if open_visit is not None and open_visit['issue_id'] == issue_id:
            if open_visit['state'] == to_state:
                continue
            open_visit['left_at'] = at
            open_visit['seconds'] = max(0, int((at - open_visit['entered_at']).total_seconds()))
        open_visit = {'issue_id': issue_id, 'region_id': region_id, 'state': to_state,
                      'entered_at': at, 'left_at': None, 'seconds': None}
        batch.append(open_visit)
    if batch:
        op.bulk_insert(visits, batch)


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_decided_at')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index('ix_issues_category')
        batch_op.drop_index('ix_issues_due_at')
        batch_op.drop_index('ix_issues_created_at')
    with op.batch_alter_table('stage_visits', schema=None) as batch_op:
        batch_op.drop_index('uq_stage_visits_open', sqlite_where=sa.text('left_at IS NULL'),
                            postgresql_where=sa.text('left_at IS NULL'))
        batch_op.drop_index('ix_stage_visits_state_left_at')
        batch_op.drop_index('ix_stage_visits_issue_id')
    op.drop_table('stage_visits')
