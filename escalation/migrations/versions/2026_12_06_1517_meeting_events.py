"""Meetings' own trail (issue 17): `meeting_events`, one row per change to a meeting or its
agenda (created, edited, cancelled, an item added, moved or removed, the agenda published).

A new table only; nothing existing changes.

Revision ID: m117
Revises: o017
Create Date: 2026-12-06 15:17:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'm117'
down_revision: str | None = 'o017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meeting_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_meeting_events_actor_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_events_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_events'))
    )
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_events_meeting_id_id', ['meeting_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_events_meeting_id_id')

    op.drop_table('meeting_events')
