"""A statement's life (issue 16, item 2) and its answers to the round's questions.

`statements.status` (draft, sent, withdrawn; every statement so far was sent, so the
default is `sent`), `sent_at` (backfilled from `created_at`), `amended_at`,
`withdrawn_at`, and `answers` (the answers to the round's targeted questions, by their
order; none so far).

Columns are added in place, not in batch mode: on SQLite a batch copies `statements`,
and dropping the old copy fails the foreign keys of the rows that point at statements.
So the two CHECKs (status known; a statement other than a draft has its sending date)
are PostgreSQL's; on SQLite the service holds them (as it holds every rule there).

Revision ID: q016
Revises: r016
Create Date: 2026-12-06 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'q016'
down_revision: str | None = 'r016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('statements', sa.Column('answers', sa.JSON(), nullable=False,
                                          server_default=sa.text("'[]'")))
    op.add_column('statements', sa.Column('status', sa.String(length=12), nullable=False,
                                          server_default=sa.text("'sent'")))
    for name in ('sent_at', 'amended_at', 'withdrawn_at'):
        op.add_column('statements', sa.Column(name, sa.DateTime(timezone=True),
                                              nullable=True))
    op.execute('UPDATE statements SET sent_at = created_at')
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint(
            op.f('ck_statements_status_known'), 'statements',
            "status IN ('draft', 'sent', 'withdrawn')")
        op.create_check_constraint(
            op.f('ck_statements_sent_has_date'), 'statements',
            "status = 'draft' OR sent_at IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_statements_sent_has_date'), 'statements', type_='check')
        op.drop_constraint(op.f('ck_statements_status_known'), 'statements', type_='check')
    # In place too: SQLite (3.35+) drops a plain column without copying the table.
    for name in ('withdrawn_at', 'amended_at', 'sent_at', 'status', 'answers'):
        op.execute(f'ALTER TABLE statements DROP COLUMN {name}')
