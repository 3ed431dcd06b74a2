"""The report rollup: snapshots of the summary's figures, one cell per region, visibility
and draft-ness, refreshed by a periodic job so a national summary needs no full scan.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issues', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshots'))
    )
    with op.batch_alter_table('report_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_report_snapshots_taken_at', ['taken_at'], unique=False)

    op.create_table('report_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('draft', sa.Boolean(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_report_cells_region_id_regions')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['report_snapshots.id'], name=op.f('fk_report_cells_snapshot_id_report_snapshots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_cells')),
    sa.UniqueConstraint('snapshot_id', 'region_id', 'visibility', 'draft', name=op.f('uq_report_cells_snapshot_id_region_id_visibility_draft'))
    )


def downgrade() -> None:
    op.drop_table('report_cells')
    with op.batch_alter_table('report_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshots_taken_at')

    op.drop_table('report_snapshots')
