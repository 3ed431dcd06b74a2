"""The obligations report at national scale (issue 16, item 7): each obligation carries its
issue's region and visibility; `obligation_counts` keeps the obligations of each status
by responsible party, region and visibility, and `obligation_months` the pending ones by
the month they fall due.

At a million issues the report counted some 600,000 obligations joined to their issues on
every request (about 0.7 s). The counts are kept in step by the transactions that add an
obligation or change its status (services/obligation_counts.py); this migration fills
them from the obligations there are. An issue's region and visibility never change, so
the copies on its obligations cannot drift.

Revision ID: o017
Revises: m017
Create Date: 2026-12-06 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'o017'
down_revision: str | None = 'm017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written as PostgreSQL writes it back, so the index remade from its definition (the bulk
# loader does) is the same index.
PENDING = "status = 'open' OR status = 'in_progress'"


def upgrade() -> None:
    with op.batch_alter_table('obligations') as batch:
        batch.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('visibility', sa.String(length=12), nullable=True))
    op.execute("UPDATE obligations SET region_id = issues.region_id, "
               "visibility = issues.visibility FROM issues WHERE issues.id = obligations.issue_id")
    with op.batch_alter_table('obligations') as batch:
        batch.alter_column('region_id', existing_type=sa.Integer(), nullable=False)
        batch.alter_column('visibility', existing_type=sa.String(length=12), nullable=False)
        batch.create_foreign_key(batch.f('fk_obligations_region_id_regions'), 'regions',
                                 ['region_id'], ['id'])
        batch.create_check_constraint(batch.f('ck_obligations_visibility_known'),
                                      "visibility IN ('public', 'restricted')")
    op.create_index('ix_obligations_pending_due', 'obligations',
                    ['due', 'responsible', 'region_id', 'visibility'],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    op.create_table(
        'obligation_counts',
        sa.Column('responsible', sa.String(length=500), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('visibility', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.CheckConstraint('n >= 0', name=op.f('ck_obligation_counts_n_not_negative')),
        sa.CheckConstraint("status IN ('open', 'in_progress', 'done', 'cancelled')",
                           name=op.f('ck_obligation_counts_status_known')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_obligation_counts_region_id_regions')),
        sa.PrimaryKeyConstraint('responsible', 'region_id', 'visibility', 'status',
                                name=op.f('pk_obligation_counts')),
    )
    op.execute("INSERT INTO obligation_counts (responsible, region_id, visibility, status, n) "
               "SELECT responsible, region_id, visibility, status, count(*) FROM obligations "
               "GROUP BY responsible, region_id, visibility, status")
    op.create_table(
        'obligation_months',
        sa.Column('due_month', sa.Date(), nullable=False),
        sa.Column('responsible', sa.String(length=500), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('visibility', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.CheckConstraint('n >= 0', name=op.f('ck_obligation_months_n_not_negative')),
        sa.CheckConstraint(PENDING, name=op.f('ck_obligation_months_status_pending')),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id'],
                                name=op.f('fk_obligation_months_region_id_regions')),
        sa.PrimaryKeyConstraint('due_month', 'responsible', 'region_id', 'visibility', 'status',
                                name=op.f('pk_obligation_months')),
    )
    month = ("CAST(date_trunc('month', due) AS DATE)"
             if op.get_bind().dialect.name == "postgresql" else "date(due, 'start of month')")
    op.execute("INSERT INTO obligation_months "  # noqa: S608 - our own SQL text
               "(due_month, responsible, region_id, visibility, status, n) "
               f"SELECT {month}, responsible, region_id, visibility, status, count(*) "
               f"FROM obligations WHERE {PENDING} "
               f"GROUP BY {month}, responsible, region_id, visibility, status")


def downgrade() -> None:
    op.drop_table('obligation_months')
    op.drop_table('obligation_counts')
    op.drop_index('ix_obligations_pending_due', table_name='obligations')
    with op.batch_alter_table('obligations') as batch:
        batch.drop_constraint(batch.f('ck_obligations_visibility_known'), type_='check')
        batch.drop_constraint(batch.f('fk_obligations_region_id_regions'), type_='foreignkey')
        batch.drop_column('visibility')
        batch.drop_column('region_id')
