"""Lists filtered by region and state, newest change first: the (region_id, state,
updated_at) index gives such a page in order, where the updated_at index alone was read
backwards past every other region's issues (63 ms for a small region at 1M issues).

The (region_id, state) index stays: deduplicated, it is a third of this one's size, and
counts by region and state read it twice as fast.

On a large live table, build the index first by hand without blocking writes
(`CREATE INDEX CONCURRENTLY ix_issues_region_state_updated_at ON issues (region_id,
state, updated_at)`); this migration then finds it and leaves it be.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index('ix_issues_region_state_updated_at',
                              ['region_id', 'state', 'updated_at'], unique=False,
                              if_not_exists=True)


def downgrade() -> None:
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index('ix_issues_region_state_updated_at')
