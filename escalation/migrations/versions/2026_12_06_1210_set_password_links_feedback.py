"""People's journeys (issue 15): deactivation, set-password links, accessibility feedback.

- `users.deactivated_at` / `users.deactivated_by_id`: who ended a person's access and when
  (NULL while active). A person is not an issue, so there is no audit chain to append to:
  the row keeps the current who/when and the service log keeps every change as a
  structured line.
- `set_password_links`: single-use, expiring links; only the SHA-256 of the token.
- `accessibility_feedback`: what anyone wrote through the accessibility statement's form.

Plain added columns and new tables: no copy of `users` on SQLite.

Revision ID: i015
Revises: a015
Create Date: 2026-12-06 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'i015'
down_revision: str | None = 'a015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('deactivated_at', sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column('users', sa.Column('deactivated_by_id', sa.Integer(), nullable=True))
    op.create_table(
        'set_password_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_set_password_links_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_set_password_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_set_password_links_token_hash')),
    )
    op.create_index(op.f('ix_set_password_links_user_id'), 'set_password_links', ['user_id'])
    op.create_table(
        'accessibility_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('page', sa.String(length=500), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_accessibility_feedback_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_feedback')),
    )


def downgrade() -> None:
    op.drop_table('accessibility_feedback')
    op.drop_index(op.f('ix_set_password_links_user_id'), table_name='set_password_links')
    op.drop_table('set_password_links')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_by_id')
        batch_op.drop_column('deactivated_at')
