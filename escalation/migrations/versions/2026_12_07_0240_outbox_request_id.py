"""The request behind an outbox row (issue 19, item 7): `outbox.request_id`, the
X-Request-ID of the request whose transaction wrote the row, so the delivery jobs it
causes log the same id. Null for the rows written before, and for the sweeps' own.

One nullable column, added in place on both databases.

Revision ID: m119
Revises: q119
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'm119'
down_revision: str | None = 'q119'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('request_id', sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column('outbox', 'request_id')
