"""Sign-in slows a key instead of locking everyone out; sign-out ends sessions server-side.

`signin_throttles` replaces `signin_attempts`: one row per throttle key (an e-mail from
an address, an address, an e-mail from anywhere, and the pairs known to have signed in),
claimed by one atomic statement. The old attempts only ever counted the last 15 minutes,
so nothing worth keeping is dropped with them.

`users.session_version` is raised by sign-out and a password change; a web session that
carries an older number has ended.

Revision ID: b013
Revises: c013
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b013'
down_revision: str | None = 'c013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('signin_throttles',
    sa.Column('key', sa.String(length=330), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_signin_throttles'))
    )
    with op.batch_alter_table('signin_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_throttles_last_at'), ['last_at'],
                              unique=False)
    with op.batch_alter_table('signin_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_attempts_email_at')
        batch_op.drop_index('ix_signin_attempts_address_at')
    op.drop_table('signin_attempts')
    # In place, not batch mode (which on SQLite copies `users`, and dropping the old copy
    # fails its foreign keys once people have issues): both databases add such a column.
    op.add_column('users', sa.Column('session_version', sa.Integer(),
                                     server_default=sa.text('0'), nullable=False))


def downgrade() -> None:
    # In place too: SQLite (3.35+) drops a plain column without copying the table.
    op.execute('ALTER TABLE users DROP COLUMN session_version')
    op.create_table('signin_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_attempts'))
    )
    with op.batch_alter_table('signin_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_signin_attempts_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_signin_attempts_email_at', ['email', 'at'], unique=False)
    with op.batch_alter_table('signin_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_throttles_last_at'))
    op.drop_table('signin_throttles')
