"""Co-raising regions, related links and merges (issue 18, item 2): `co_raising_regions`
(a region that joined an issue, or whose issue was merged into it, with its own note),
`issue_links` (two issues the backbone team marked as related, the lower id first) and
`issue_merges` (a duplicate and the case it was merged into, workflow v4's `merge`).

Three new tables; nothing else changes.

Revision ID: r118
Revises: p118
Create Date: 2026-12-06 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'r118'
down_revision: str | None = 'p118'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('co_raising_regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('merged_from_id', sa.Integer(), nullable=True),
    sa.Column('joined_by_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'],
                            name=op.f('fk_co_raising_regions_issue_id_issues')),
    sa.ForeignKeyConstraint(['joined_by_id'], ['users.id'],
                            name=op.f('fk_co_raising_regions_joined_by_id_users')),
    sa.ForeignKeyConstraint(['merged_from_id'], ['issues.id'],
                            name=op.f('fk_co_raising_regions_merged_from_id_issues')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                            name=op.f('fk_co_raising_regions_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_co_raising_regions')),
    sa.UniqueConstraint('issue_id', 'region_id',
                        name=op.f('uq_co_raising_regions_issue_id_region_id'))
    )
    op.create_index('ix_co_raising_regions_region_issue', 'co_raising_regions',
                    ['region_id', 'issue_id'], unique=False)
    op.create_table('issue_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('low_id', sa.Integer(), nullable=False),
    sa.Column('high_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('low_id < high_id', name=op.f('ck_issue_links_ordered')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_issue_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['high_id'], ['issues.id'],
                            name=op.f('fk_issue_links_high_id_issues')),
    sa.ForeignKeyConstraint(['low_id'], ['issues.id'],
                            name=op.f('fk_issue_links_low_id_issues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_links')),
    sa.UniqueConstraint('low_id', 'high_id', name=op.f('uq_issue_links_low_id_high_id'))
    )
    op.create_index(op.f('ix_issue_links_high_id'), 'issue_links', ['high_id'], unique=False)
    op.create_table('issue_merges',
    sa.Column('duplicate_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('duplicate_id <> case_id', name=op.f('ck_issue_merges_not_itself')),
    sa.ForeignKeyConstraint(['case_id'], ['issues.id'],
                            name=op.f('fk_issue_merges_case_id_issues')),
    sa.ForeignKeyConstraint(['duplicate_id'], ['issues.id'],
                            name=op.f('fk_issue_merges_duplicate_id_issues')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'],
                            name=op.f('fk_issue_merges_merged_by_id_users')),
    sa.PrimaryKeyConstraint('duplicate_id', name=op.f('pk_issue_merges'))
    )
    op.create_index(op.f('ix_issue_merges_case_id'), 'issue_merges', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_issue_merges_case_id'), table_name='issue_merges')
    op.drop_table('issue_merges')
    op.drop_index(op.f('ix_issue_links_high_id'), table_name='issue_links')
    op.drop_table('issue_links')
    op.drop_index('ix_co_raising_regions_region_issue', table_name='co_raising_regions')
    op.drop_table('co_raising_regions')
