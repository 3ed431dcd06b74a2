"""Meetings' minutes (issue 17): `meeting_events`, the HMAC-chained, append-only record
of every change to a meeting's minutes (an item recorded, attendance, approval, a
correction after approval). On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE
as on `audit_events` (and the app role gets SELECT and INSERT only: privileges.py).

Revision ID: n117
Revises: t117
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'n117'
down_revision: str | None = 't117'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION meeting_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'meeting_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table('meeting_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_meeting_events_seq_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                            name=op.f('fk_meeting_events_actor_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                            name=op.f('fk_meeting_events_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_events')),
    sa.UniqueConstraint('meeting_id', 'seq', name=op.f('uq_meeting_events_meeting_id_seq'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER meeting_events_append_only BEFORE UPDATE OR DELETE ON "
            "meeting_events FOR EACH ROW EXECUTE FUNCTION meeting_events_refuse_change()")
        op.execute(
            "CREATE TRIGGER meeting_events_no_truncate BEFORE TRUNCATE ON meeting_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION meeting_events_refuse_change()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS meeting_events_no_truncate ON meeting_events")
        op.execute("DROP TRIGGER IF EXISTS meeting_events_append_only ON meeting_events")
        op.execute("DROP FUNCTION IF EXISTS meeting_events_refuse_change()")
    op.drop_table('meeting_events')
