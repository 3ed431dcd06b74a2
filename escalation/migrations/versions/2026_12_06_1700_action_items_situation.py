"""Action items and situation reports (issue 17, items 4 and 5): who wrote an action item
down and who marked it done (`action_items.created_by_id`, `done_by_id`), who last changed
a situation report (`situation_reports.updated_by_id`), and one situation report per
region per meeting (`uq_situation_reports_region_id_meeting_id`).

Columns and a constraint added to tables of m017; nothing else changes.

Revision ID: t117
Revises: k117
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 't117'
down_revision: str | None = 'k117'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('done_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_action_items_created_by_id_users'),
                                    'users', ['created_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_action_items_done_by_id_users'),
                                    'users', ['done_by_id'], ['id'])
    with op.batch_alter_table('situation_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_situation_reports_updated_by_id_users'),
                                    'users', ['updated_by_id'], ['id'])
        batch_op.create_unique_constraint(
            batch_op.f('uq_situation_reports_region_id_meeting_id'), ['region_id', 'meeting_id'])


def downgrade() -> None:
    with op.batch_alter_table('situation_reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_situation_reports_region_id_meeting_id'),
                                 type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_situation_reports_updated_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('updated_by_id')
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_action_items_done_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_action_items_created_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('done_by_id')
        batch_op.drop_column('created_by_id')
