"""Following by e-mail (issue 18, item 4): `follows` (a signed-in person follows an issue,
a category or a region), `public_subscriptions` (an address subscribed to the public
register's answers, double opt-in) and `subscription_requests` (the hour's confirmation
mails, for the throttle).

New tables only; nothing existing changes.

Revision ID: f118
Revises: n117
Create Date: 2026-12-06 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f118'
down_revision: str | None = 'n117'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE = ("(CASE WHEN issue_id IS NULL THEN 0 ELSE 1 END)"
       " + (CASE WHEN region_id IS NULL THEN 0 ELSE 1 END)"
       " + (CASE WHEN category IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade() -> None:
    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(ONE, name=op.f('ck_follows_one_thing_followed')),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_follows_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_follows_region_id_regions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('user_id', 'scope', name=op.f('uq_follows_user_id_scope'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follows_category'), ['category'], unique=False)

    op.create_table('public_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('confirm_hash', sa.String(length=64), nullable=False),
    sa.Column('unsubscribe_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('confirmed_at IS NOT NULL OR expires_at IS NOT NULL', name=op.f('ck_public_subscriptions_unconfirmed_expires')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_public_subscriptions_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_subscriptions')),
    sa.UniqueConstraint('confirm_hash', name=op.f('uq_public_subscriptions_confirm_hash')),
    sa.UniqueConstraint('email', 'scope', name=op.f('uq_public_subscriptions_email_scope')),
    sa.UniqueConstraint('unsubscribe_hash', name=op.f('uq_public_subscriptions_unsubscribe_hash'))
    )
    with op.batch_alter_table('public_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_subscriptions_region_id'), ['region_id'], unique=False)
        batch_op.create_index('ix_public_subscriptions_scope_confirmed', ['scope', 'confirmed_at'], unique=False)

    op.create_table('subscription_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_requests'))
    )
    with op.batch_alter_table('subscription_requests', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_requests_key_at', ['key', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subscription_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_subscription_requests_key_at')
    op.drop_table('subscription_requests')
    with op.batch_alter_table('public_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_public_subscriptions_scope_confirmed')
        batch_op.drop_index(batch_op.f('ix_public_subscriptions_region_id'))
    op.drop_table('public_subscriptions')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_category'))
        batch_op.drop_index(batch_op.f('ix_follows_region_id'))
        batch_op.drop_index(batch_op.f('ix_follows_issue_id'))
    op.drop_table('follows')
