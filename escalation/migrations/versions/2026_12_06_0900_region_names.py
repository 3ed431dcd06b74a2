"""Region names by language: one JSON column `names` {language: name} for name_fi/name_sv.

A third language's region names are then a new key, not a new column. The rows keep
exactly what they had: {"fi": name_fi, "sv": name_sv}; going down gives name_fi from
"fi" and name_sv from "sv" (else the Finnish name, as add_region filled it before).

Both databases change `regions` in place, not in batch mode: on SQLite batch mode copies
the table, and dropping the old copy fails the foreign keys of the issues and memberships
that point at it. SQLite (3.35+) adds and drops such plain columns without copying; a new
NOT NULL column needs a default there, hence the server default '{}' (the model has it
too; the application always writes the names).

Revision ID: f014
Revises: b013
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f014'
down_revision: str | None = 'b013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = sa.table('regions', sa.column('id', sa.Integer()), sa.column('name_fi', sa.String()),
                sa.column('name_sv', sa.String()))
_NEW = sa.table('regions', sa.column('id', sa.Integer()), sa.column('names', sa.JSON()))


def upgrade() -> None:
    op.add_column('regions', sa.Column('names', sa.JSON(), nullable=False,
                                       server_default=sa.text("'{}'")))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_OLD.c.id, _OLD.c.name_fi, _OLD.c.name_sv)).all()
    for region_id, name_fi, name_sv in rows:
        conn.execute(_NEW.update().where(_NEW.c.id == region_id)
                     .values(names={"fi": name_fi, "sv": name_sv}))
    op.execute('ALTER TABLE regions DROP COLUMN name_fi')
    op.execute('ALTER TABLE regions DROP COLUMN name_sv')


def downgrade() -> None:
    for column in ('name_fi', 'name_sv'):
        op.add_column('regions', sa.Column(column, sa.String(length=200), nullable=False,
                                           server_default=sa.text("''")))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_NEW.c.id, _NEW.c.names)).all()
    for region_id, names in rows:
        name_fi = names.get('fi') or ''
        conn.execute(_OLD.update().where(_OLD.c.id == region_id)
                     .values(name_fi=name_fi, name_sv=names.get('sv') or name_fi))
    if conn.dialect.name != 'sqlite':  # SQLite cannot drop a default without copying
        for column in ('name_fi', 'name_sv'):
            op.alter_column('regions', column, server_default=None)
    op.execute('ALTER TABLE regions DROP COLUMN names')
