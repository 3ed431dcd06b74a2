"""Sign-in attempts: failures counted in the database, so rate limits hold everywhere.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:18:20.906493
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
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



def downgrade() -> None:
    with op.batch_alter_table('signin_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_signin_attempts_email_at')
        batch_op.drop_index('ix_signin_attempts_address_at')

    op.drop_table('signin_attempts')
