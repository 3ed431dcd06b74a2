"""Deliveries can be dropped: a deadline notice whose issue moved on before it went out
is recorded as not sent, with when and why (issue 13, item 5).

Downgrading turns dropped deliveries into sent ones (sent_at = dropped_at, the reason
kept in last_error): the older code knows no "dropped", and must neither retry such a
notice (as it would a failed one) nor send it (as it would a pending one).

Revision ID: c013
Revises: a013
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c013'
down_revision: str | None = 'a013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dropped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('drop_reason', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_deliveries_status_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_deliveries_status_known'),
            "status IN ('pending', 'sent', 'failed', 'dropped')")
        batch_op.create_check_constraint(
            op.f('ck_deliveries_dropped_has_date_and_reason'),
            "status <> 'dropped' OR (dropped_at IS NOT NULL AND drop_reason IS NOT NULL)")


def downgrade() -> None:
    op.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = dropped_at, "
        "last_error = 'dropped: ' || drop_reason WHERE status = 'dropped'")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_deliveries_dropped_has_date_and_reason'),
                                 type_='check')
        batch_op.drop_constraint(op.f('ck_deliveries_status_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_deliveries_status_known'), "status IN ('pending', 'sent', 'failed')")
        batch_op.drop_column('drop_reason')
        batch_op.drop_column('dropped_at')
