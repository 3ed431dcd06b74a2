"""Deleted drafts (issue 15, item 3): `issues.deleted_at`.

A draft its author deletes keeps its row and its audit chain (the audit log is
append-only: the app's role may not delete events), with every text the author wrote
removed by the redaction machinery and a `delete_draft` event last. `deleted_at` (NULL
for every live issue) is what the read policy (escalation/policy.py) and the report
rollup leave out. Only drafts are ever deleted; the service holds that rule.

A plain added column: no copy of `issues` on SQLite.

Revision ID: d815
Revises: h015
Create Date: 2026-12-06 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd815'
down_revision: str | None = 'h015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('issues', sa.Column('deleted_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    op.drop_column('issues', 'deleted_at')
