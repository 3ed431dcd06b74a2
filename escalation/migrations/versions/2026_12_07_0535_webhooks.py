"""Signed webhooks (issue 19, item 10): the endpoints integrators are told at, and one
delivery record per event and endpoint (unique, so a re-relayed outbox row makes none).

Two new tables on both databases; nothing existing changes.

Revision ID: w120
Revises: m119
Create Date: 2026-12-07 05:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'w120'
down_revision: str | None = 'm119'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('regions', sa.JSON(), server_default='[]', nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('secret_rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.CheckConstraint("status <> 'failed' OR failed_at IS NOT NULL", name=op.f('ck_webhook_deliveries_failed_has_date')),
    sa.CheckConstraint("status <> 'sent' OR delivered_at IS NOT NULL", name=op.f('ck_webhook_deliveries_sent_has_date')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_webhook_deliveries_status_known')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_webhook_deliveries_outbox_id_outbox'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('endpoint_id', 'event_key', name=op.f('uq_webhook_deliveries_endpoint_id_event_key'))
    )
    op.create_index('ix_webhook_deliveries_status', 'webhook_deliveries', ['status'])


def downgrade() -> None:
    op.drop_index('ix_webhook_deliveries_status', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_endpoints')
