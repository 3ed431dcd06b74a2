"""Calendar feeds (issue 17): at most one active feed per person.

A partial unique index on `calendar_feeds (user_id) WHERE revoked_at IS NULL`: making a new
address revokes the old one in the same transaction, and two submits at once cannot leave
a person with two live secrets.

Revision ID: k117
Revises: o017
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'k117'
down_revision: str | None = 'o017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('uq_calendar_feeds_active_user', 'calendar_feeds', ['user_id'],
                    unique=True, sqlite_where=sa.text('revoked_at IS NULL'),
                    postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_calendar_feeds_active_user', table_name='calendar_feeds')
