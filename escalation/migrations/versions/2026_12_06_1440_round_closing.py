"""A statement round's closing (issue 16, item 3): when it closed and who had not answered.

`statement_rounds.closed_at` is when the issue left the stage awaiting the stakeholder
group's statements (forwarded to the working group, withdrawn, any way out);
`statement_rounds.not_answered` the organisations (and members speaking for themselves)
asked that had no sent statement in the round then, each as {"speaker", "name"}, so a
closed round keeps saying who did not answer even after the group's membership changes.
Rounds still open, and rounds closed before this revision, have `closed_at` NULL and an
empty list (the pages and the API then work out who has not answered from the group as
it is now, as they did before).

Columns are added in place, not in batch mode (see q016: a batch copies the table on
SQLite). The revision adds no CHECK, so SQLite and PostgreSQL are alike.

Revision ID: a016
Revises: f016
Create Date: 2026-12-06 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a016'
down_revision: str | None = 'f016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('statement_rounds', sa.Column('closed_at', sa.DateTime(timezone=True),
                                                nullable=True))
    op.add_column('statement_rounds', sa.Column('not_answered', sa.JSON(), nullable=False,
                                                server_default=sa.text("'[]'")))


def downgrade() -> None:
    # In place too: SQLite (3.35+) drops a plain column without copying the table.
    for name in ('not_answered', 'closed_at'):
        op.execute(f'ALTER TABLE statement_rounds DROP COLUMN {name}')
