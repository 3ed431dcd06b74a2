"""The audit key's fingerprint: one row, so a verifier can tell a wrong key from tampering.

Revision ID: a013
Revises: e013
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a013'
down_revision: str | None = 'e013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_key_fingerprint',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_key_fingerprint_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_key_fingerprint'))
    )


def downgrade() -> None:
    op.drop_table('audit_key_fingerprint')
